function disp(Ti)
  printf('DBtable iterator (%d elements per chunk)\n', Ti.n);
end
