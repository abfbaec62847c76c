function n = nnz(A)
%NNZ  Number of entries.
  n = d4m_mex('nnz', A.id);
end
