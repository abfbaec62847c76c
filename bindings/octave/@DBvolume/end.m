function e = end(V, k, n)
%END  V(end-9:end, :, end): the last row (y), column (x) or slice (z).
  if n == 3 || (n == 2 && V.size(3) == 1)
    e = V.size(k);
  else
    error('d4m:badArg', 'DBvolume: give three ranges (rows, cols, slices)');
  end
end
