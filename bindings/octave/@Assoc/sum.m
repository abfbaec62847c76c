function B = sum(A, dim)
%SUM  sum(A, dim): collapse rows (dim 1) or columns (dim 2); string values count 1.
  if nargin < 2
    dim = 1;
  end
  B = wrap(A, d4m_mex('sum', A.id, dim));
end
