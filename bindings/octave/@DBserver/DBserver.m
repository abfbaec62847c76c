function DB = DBserver(path, type, varargin)
%DBSERVER  DB = DBserver('path/to/dir', 'rocksdb'): the embedded store in a
%  directory (created if missing).  DB('Tedge') is a table, DB('Tedge',
%  'TedgeT') a table pair (both created if missing); ls(DB) lists the tables.
%  The C database is closed when DB and every table opened from it are gone.
  if nargin < 1 || ~ischar(path) || isempty(path)
    error('d4m:badArg', 'DBserver: expects DBserver(''path/to/dir'', ''rocksdb'')');
  end
  if nargin >= 2 && ~(ischar(type) && strcmpi(type, 'rocksdb'))
    error('d4m:badArg', 'DBserver: the only database type is ''rocksdb'' (the embedded store)');
  end
  readonly = 0;
  if numel(varargin) >= 1 && ischar(varargin{1}) && strcmpi(varargin{1}, 'readonly')
    readonly = 1;
  end
  s.h = D4MHandle(d4m_mex('db_open', path, readonly));
  s.id = getid(s.h);
  s.path = path;
  DB = class(s, 'DBserver');
end
