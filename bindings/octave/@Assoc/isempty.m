function t = isempty(A)
%ISEMPTY  true when A has no entries.
  t = d4m_mex('nnz', A.id) == 0;
end
