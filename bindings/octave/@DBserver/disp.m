function disp(DB)
  printf('DBserver (rocksdb) at %s\n', DB.path);
end
