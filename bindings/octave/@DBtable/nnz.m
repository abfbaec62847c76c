function n = nnz(T)
%NNZ  The number of triples in the table.
  n = d4m_mex('table_nnz', T.id);
end
