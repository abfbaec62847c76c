function M = Adj(A)
%ADJ  The sparse matrix of values (string values: their index in Val(A)).
  M = d4m_mex('adj', A.id);
end
