function Assoc2CSV(A, varargin)
%ASSOC2CSV  Assoc2CSV(A, fname) or D4M's Assoc2CSV(A, rowSep, colSep, fname):
%  write A as a CSV table (colSep separates the cells; lines end in newline).
  if nargin == 2
    WriteCSV(A, varargin{1});
  elseif nargin == 4
    WriteCSV(A, varargin{3}, varargin{2});
  else
    error('d4m:nargin', 'Assoc2CSV: expects (A, fname) or (A, rowSep, colSep, fname)');
  end
end
