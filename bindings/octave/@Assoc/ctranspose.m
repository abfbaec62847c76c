function B = ctranspose(A)
%CTRANSPOSE  D4M's ctranspose of an associative array (computed by libd4m).
  if nargin ~= 1
    error('d4m:nargin', 'ctranspose: expects one Assoc');
  end
  B = wrap(A, d4m_mex('transpose', A.id));
end
