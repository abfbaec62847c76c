function A = Assoc(row, col, val, collide)
%ASSOC  D4M associative array held by libd4m (GraphBLAS) through d4m_mex.
%  A = Assoc(row, col, val)            row/col/val: D4M lists ('a b '),
%  A = Assoc(row, col, val, collide)   numeric vectors or cell arrays of
%  strings; an argument of length 1 is repeated.  Duplicate (row, col)
%  pairs are combined with collide: min (the default), max, sum ('sum',
%  @sum, @plus), 'first', 'last', or any function handle f(a, b).
%  Assoc('', '', '') is the empty Assoc.  Assoc(S) rebuilds the Assoc whose
%  saveobj(A) is S.
%
%  The object holds only a handle to the C array (a D4MHandle, freed when
%  the last copy goes) and the separators used when keys are returned as
%  lists (Row, Col, Val, find): the last character of each list given.
  if nargin >= 2 && isa(row, 'D4MHandle')      % internal: wrap a C object
    s.h = row;
    if nargin == 3
      s.id = val;                                % its id, when the caller has it
    else
      s.id = getid(row);
    end
    s.sep = col;
    A = class(s, 'Assoc');
    return;
  end
  if nargin == 1 && isstruct(row) && isfield(row, 'd4m_assoc')   % saveobj's struct
    A = fromsaved(row);
    return;
  end
  if nargin < 3 || nargin > 4
    error('d4m:nargin', 'Assoc: expects Assoc(row, col, val) or Assoc(row, col, val, collide)');
  end
  s.h = [];
  s.id = uint64(0);
  s.sep = [lastsep(row) lastsep(col) lastsep(val)];
  if nargin == 4
    if is_function_handle(collide)
      name = func2str(collide);
      if name(1) == '@', name = name(2:end); end
      switch name
        case {'min', 'max', 'sum', 'plus'}
          collide = name;
      end
    elseif ~ischar(collide)
      error('d4m:badArg', 'Assoc: collide must be a function handle or a string');
    end
    id = d4m_mex('build', row, col, val, collide);
  else
    id = d4m_mex('build', row, col, val);
  end
  s.h = D4MHandle(id);
  s.id = id;
  A = class(s, 'Assoc');
end

function c = lastsep(x)
  if ischar(x) && ~isempty(x)
    c = x(end);
  else
    c = ',';
  end
end

function A = fromsaved(s)
  if isempty(s.row)
    A = Assoc('', '', '');
  else
    A = Assoc(s.row, s.col, s.val);
  end
  A.sep = s.sep;
end
