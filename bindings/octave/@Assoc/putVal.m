function B = putVal(A, vals)
%PUTVAL  Replace the string values: the i-th value string becomes the i-th item.
  B = wrap(A, d4m_mex('putval', A.id, vals));
  if ischar(vals) && ~isempty(vals), B = setsep(B, 3, vals(end)); end
end
