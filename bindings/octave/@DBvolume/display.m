function display(V)
  disp(V);
end
