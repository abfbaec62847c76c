function A = setsep(A, k, c)
  A.sep(k) = c;
end
