function C = mtimes(A, B)
%MTIMES  A * B over the intersection of A's columns and B's rows; or A * scalar.
  if isa(A, 'Assoc') && isa(B, 'Assoc')
    C = binop('mtimes', A, B, '*');
  elseif isa(A, 'Assoc')
    C = wrap(A, d4m_mex('scale', A.id, B));
  else
    C = wrap(B, d4m_mex('scale', B.id, A));
  end
end
