function T = DBtable(DB, name, name2)
%DBTABLE  A table of DB (use DB('name') or DB('name', 'nameT')).  Created if
%  missing; with two names, created as a pair (the transpose must be named
%  name + 'T': every put also writes it, column queries read it).
  if nargin < 2 || ~isa(DB, 'DBserver') || ~ischar(name) || isempty(name)
    error('d4m:badArg', 'DBtable: use DB(''table'') or DB(''table'', ''tableT'')');
  end
  pair = 0;
  s.name2 = '';
  if nargin > 2
    if ~ischar(name2) || ~strcmp(name2, [name 'T'])
      error('d4m:badArg', 'DBtable: the transpose of ''%s'' must be named ''%sT''', name, name);
    end
    pair = 1;
    s.name2 = name2;
  end
  s.h = D4MHandle(d4m_mex('table_open', d4m_id(DB), name, pair));
  s.id = getid(s.h);
  s.db = DB;
  s.name = name;
  s.sep = char([10 10 10]);   % lists of query results end lines, as D4M's DB results
  T = class(s, 'DBtable');
end
