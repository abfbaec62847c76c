function disp(V)
  printf('DBvolume %s: %d x %d x %d %s\n', V.name, V.size(1), V.size(2), V.size(3), V.class);
end
