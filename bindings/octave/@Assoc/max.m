function B = max(A, C, dim)
%MAX  max(A, [], dim) of the stored entries along a dimension (never densifies).
  if nargin == 2 || (nargin == 3 && ~isempty(C))
    error('d4m:badArg', 'max: use max(A, [], dim); element-wise max of two arrays is not supported');
  end
  if nargin < 3
    dim = 1;
  end
  B = wrap(A, d4m_mex('max', A.id, dim));
end
