function c = Col(A)
%COL  The column keys: a list ('a b ', with A's separator) or 1:n for positions.
  c = d4m_mex('keys', A.id, 2, double(A.sep(2)));
end
