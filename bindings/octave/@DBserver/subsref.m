function T = subsref(DB, s)
%SUBSREF  T = DB('Tedge') or the pair T = DB('Tedge', 'TedgeT').
  if ~strcmp(s(1).type, '()') || numel(s(1).subs) < 1 || numel(s(1).subs) > 2
    error('d4m:badArg', 'DBserver: use DB(''table'') or DB(''table'', ''tableT'')');
  end
  T = DBtable(DB, s(1).subs{:});
  if numel(s) > 1
    T = subsref(T, s(2:end));
  end
end
