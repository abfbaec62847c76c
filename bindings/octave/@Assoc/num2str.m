function B = num2str(A)
%NUM2STR  D4M's num2str of an associative array (computed by libd4m).
  if nargin ~= 1
    error('d4m:nargin', 'num2str: expects one Assoc');
  end
  B = wrap(A, d4m_mex('num2str', A.id));
end
