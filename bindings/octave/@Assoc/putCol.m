function B = putCol(A, keys)
%PUTCOL  Replace the column keys: the i-th column key becomes the i-th item of keys.
  B = wrap(A, d4m_mex('putkeys', A.id, 2, keys));
  if ischar(keys) && ~isempty(keys), B = setsep(B, 2, keys(end)); end
end
