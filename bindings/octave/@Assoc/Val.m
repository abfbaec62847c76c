function v = Val(A)
%VAL  The unique values: a list of strings, or a column of numbers.
  v = d4m_mex('vals', A.id, double(A.sep(3)));
end
