function WriteCSV(A, fname, sep)
%WRITECSV  Write A as a CSV table: a header line of column keys, then one
%  line per row key (empty cells: no entry).  sep: one character, default ','.
  if nargin < 2 || ~ischar(fname)
    error('d4m:badArg', 'WriteCSV: expects WriteCSV(A, fname)');
  end
  if nargin < 3
    sep = ',';
  end
  d4m_mex('writecsv', A.id, fname, sep);
end
