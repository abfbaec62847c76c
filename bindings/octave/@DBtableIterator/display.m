function display(Ti)
  disp(Ti);
end
