function B = sqIn(A)
%SQIN  D4M's sqIn of an associative array (computed by libd4m).
  if nargin ~= 1
    error('d4m:nargin', 'sqIn: expects one Assoc');
  end
  B = wrap(A, d4m_mex('sqin', A.id));
end
