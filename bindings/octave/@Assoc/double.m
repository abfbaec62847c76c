function B = double(A)
%DOUBLE  D4M's double of an associative array (computed by libd4m).
  if nargin ~= 1
    error('d4m:nargin', 'double: expects one Assoc');
  end
  B = wrap(A, d4m_mex('double', A.id));
end
