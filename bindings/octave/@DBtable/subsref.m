function A = subsref(T, s)
%SUBSREF  A = T(rowQuery, colQuery): the entries as an Assoc (same query
%  grammar as Assoc; column queries of a pair read the transpose table).
  if ~strcmp(s(1).type, '()') || numel(s(1).subs) ~= 2
    error('d4m:badArg', 'DBtable: query as T(rowQuery, colQuery)');
  end
  q = s(1).subs;
  A = Assoc(D4MHandle(d4m_mex('table_get', T.id, q{1}, q{2})), T.sep);
  if numel(s) > 1
    A = subsref(A, s(2:end));
  end
end
