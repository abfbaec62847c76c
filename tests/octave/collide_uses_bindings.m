function r = collide_uses_bindings(a, b)
% A collide function that calls the bindings itself: one call that works and
% one that fails (caught here), while the outer Assoc() is still building.
  n = nnz(Assoc('q,', 'r,', 1));
  try
    d4m_mex('nnz', uint64(1));
  catch
  end
  r = a + b + 0 * n;
end
