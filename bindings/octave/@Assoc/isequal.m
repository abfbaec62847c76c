function t = isequal(A, B)
%ISEQUAL  Same keys, key kinds and values.
  t = isa(A, 'Assoc') && isa(B, 'Assoc') && d4m_mex('equal', A.id, B.id);
end
