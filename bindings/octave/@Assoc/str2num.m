function B = str2num(A)
%STR2NUM  D4M's str2num of an associative array (computed by libd4m).
  if nargin ~= 1
    error('d4m:nargin', 'str2num: expects one Assoc');
  end
  B = wrap(A, d4m_mex('str2num', A.id));
end
