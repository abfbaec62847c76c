function B = NoDiag(A)
%NODIAG  D4M's NoDiag of an associative array (computed by libd4m).
  if nargin ~= 1
    error('d4m:nargin', 'NoDiag: expects one Assoc');
  end
  B = wrap(A, d4m_mex('nodiag', A.id));
end
