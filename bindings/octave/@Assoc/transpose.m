function B = transpose(A)
%TRANSPOSE  D4M's transpose of an associative array (computed by libd4m).
  if nargin ~= 1
    error('d4m:nargin', 'transpose: expects one Assoc');
  end
  B = wrap(A, d4m_mex('transpose', A.id));
end
