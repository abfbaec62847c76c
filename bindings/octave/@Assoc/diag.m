function B = diag(A)
%DIAG  The entries whose row key equals their column key.
  B = wrap(A, d4m_mex('diag', A.id));
end
