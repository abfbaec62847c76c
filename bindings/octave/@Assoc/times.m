function C = times(A, B)
%TIMES  A .* B: intersection of two Assocs, or every value times a scalar.
  if isa(A, 'Assoc') && isa(B, 'Assoc')
    C = binop('times', A, B, '.*');
  elseif isa(A, 'Assoc')
    C = wrap(A, d4m_mex('scale', A.id, B));
  else
    C = wrap(B, d4m_mex('scale', B.id, A));
  end
end
