function disp(T)
  if isempty(T.name2)
    printf('DBtable %s\n', T.name);
  else
    printf('DBtable pair %s / %s\n', T.name, T.name2);
  end
end
