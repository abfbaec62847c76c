function B = putRow(A, keys)
%PUTROW  Replace the row keys: the i-th row key becomes the i-th item of keys.
  B = wrap(A, d4m_mex('putkeys', A.id, 1, keys));
  if ischar(keys) && ~isempty(keys), B = setsep(B, 1, keys(end)); end
end
