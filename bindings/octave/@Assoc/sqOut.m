function B = sqOut(A)
%SQOUT  D4M's sqOut of an associative array (computed by libd4m).
  if nargin ~= 1
    error('d4m:nargin', 'sqOut: expects one Assoc');
  end
  B = wrap(A, d4m_mex('sqout', A.id));
end
