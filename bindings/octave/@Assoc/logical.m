function B = logical(A)
%LOGICAL  D4M's logical of an associative array (computed by libd4m).
  if nargin ~= 1
    error('d4m:nargin', 'logical: expects one Assoc');
  end
  B = wrap(A, d4m_mex('logical', A.id));
end
