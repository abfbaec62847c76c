function WriteTSV(A, fname)
%WRITETSV  Write one "row<TAB>col<TAB>value" line per entry.
  d4m_mex('writetsv', A.id, fname);
end
