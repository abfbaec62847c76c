function B = min(A, C, dim)
%MIN  min(A, [], dim) of the stored entries along a dimension (never densifies).
  if nargin == 2 || (nargin == 3 && ~isempty(C))
    error('d4m:badArg', 'min: use min(A, [], dim); element-wise min of two arrays is not supported');
  end
  if nargin < 3
    dim = 1;
  end
  B = wrap(A, d4m_mex('min', A.id, dim));
end
