function q = StartsWith(list)
%STARTSWITH  A query of every key that starts with one of the items of list.
%  A(StartsWith('al bo '), :) selects the rows whose key starts with 'al' or
%  'bo' (the last character of list is its separator).  Also for tables.
  if nargin ~= 1 || ~ischar(list)
    error('d4m:badArg', 'StartsWith: expects one string list, e.g. StartsWith(''al '')');
  end
  if isempty(list)
    error('d4m:sep', 'StartsWith: the list is empty');
  end
  q = struct('StartsWith', list);
end
