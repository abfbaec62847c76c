function display(DB)
  disp(DB);
end
