function A = subsref(Ti, s)
%SUBSREF  A = Ti(rowQuery, colQuery) starts a query; A = Ti() the next chunk.
  if ~strcmp(s(1).type, '()')
    error('d4m:badArg', 'Iterator: use Ti(rowQuery, colQuery) then Ti()');
  end
  q = s(1).subs;
  if numel(q) == 2
    reset(Ti.st, d4m_mex('iter_new', d4m_id(Ti.T), q{1}, q{2}, Ti.n));
  elseif numel(q) ~= 0
    error('d4m:badArg', 'Iterator: use Ti(rowQuery, colQuery) then Ti()');
  elseif getid(Ti.st) == 0
    error('d4m:badArg', 'Iterator: start it with Ti(rowQuery, colQuery)');
  end
  A = Assoc(D4MHandle(d4m_mex('iter_next', getid(Ti.st))), Ti.sep);
  if numel(s) > 1
    A = subsref(A, s(2:end));
  end
end
