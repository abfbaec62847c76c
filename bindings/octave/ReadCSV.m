function A = ReadCSV(fname, varargin)
%READCSV  Read a CSV table (first line: column keys; each further line: a row
%  key and one cell per column; empty cells are no entry) into an Assoc.
%  A = ReadCSV(fname)  or  A = ReadCSV(fname, sep)  (sep one character).
%  Cells that are all numbers make numeric values, otherwise strings.
  if nargin < 1 || ~ischar(fname)
    error('d4m:badArg', 'ReadCSV: expects a file name');
  end
  sep = ',';
  if nargin > 1 && ischar(varargin{1}) && numel(varargin{1}) == 1
    sep = varargin{1};
  end
  A = Assoc(D4MHandle(d4m_mex('readcsv', fname, sep)), [sep sep sep]);
end
