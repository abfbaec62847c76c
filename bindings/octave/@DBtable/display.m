function display(T)
  disp(T);
end
