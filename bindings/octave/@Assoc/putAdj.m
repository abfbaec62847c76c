function B = putAdj(A, M)
%PUTADJ  A's keys with the values of the matrix M (same size as A); numeric values.
  B = wrap(A, d4m_mex('putadj', A.id, M));
end
