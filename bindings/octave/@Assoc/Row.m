function r = Row(A)
%ROW  The row keys: a list ('a b ', with A's separator) or 1:n for positions.
  r = d4m_mex('keys', A.id, 1, double(A.sep(1)));
end
