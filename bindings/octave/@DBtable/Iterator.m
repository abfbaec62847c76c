function Ti = Iterator(T, kind, n)
%ITERATOR  Ti = Iterator(T, 'elements', n); A = Ti(rowQuery, colQuery) is the
%  first chunk of at most n entries, A = Ti() the next, empty at the end.
  if nargin ~= 3 || ~ischar(kind) || ~strcmpi(kind, 'elements')
    error('d4m:badArg', 'Iterator: expects Iterator(T, ''elements'', n)');
  end
  if ~isnumeric(n) || ~isscalar(n) || n < 1 || n ~= fix(n)
    error('d4m:badArg', 'Iterator: n must be a positive integer');
  end
  Ti = DBtableIterator(T, n);
end
