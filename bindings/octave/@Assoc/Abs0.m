function B = Abs0(A)
%ABS0  D4M's Abs0 of an associative array (computed by libd4m).
  if nargin ~= 1
    error('d4m:nargin', 'Abs0: expects one Assoc');
  end
  B = wrap(A, d4m_mex('abs0', A.id));
end
