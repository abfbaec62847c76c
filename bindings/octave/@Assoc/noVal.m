function B = noVal(A)
%NOVAL  D4M's noVal of an associative array (computed by libd4m).
  if nargin ~= 1
    error('d4m:nargin', 'noVal: expects one Assoc');
  end
  B = wrap(A, d4m_mex('logical', A.id));
end
