function disp(A)
%DISP  One "(row,col)  value" line per entry, column-major.
  d4m_mex('print', A.id);
end
