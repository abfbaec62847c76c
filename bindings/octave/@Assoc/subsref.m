function varargout = subsref(A, s)
%SUBSREF  A(rowQuery, colQuery) with D4M's query grammar, or A(mask).
%  Queries: ':'; a key list 'a b '; ranges 'a : b '; prefixes 'al* ' or
%  StartsWith('al '); positions (1:3, end); a logical vector; a cell of keys.
%  A(M) with a logical Assoc M keeps A's entries where M has one.
  switch s(1).type
    case '()'
      q = s(1).subs;
      if numel(q) == 2
        id = d4m_mex('get', A.id, q{1}, q{2});
        B = Assoc(D4MHandle(id), A.sep, id);
      elseif numel(q) == 1 && isa(q{1}, 'Assoc')
        M = q{1};
        id = d4m_mex('mask', A.id, M.id);
        B = Assoc(D4MHandle(id), A.sep, id);
      else
        error('d4m:badArg', 'Assoc: index as A(rowQuery, colQuery) or A(mask) with a mask Assoc');
      end
    otherwise
      error('d4m:badArg', 'Assoc: only A(rowQuery, colQuery) indexing is supported');
  end
  if numel(s) > 1
    B = subsref(B, s(2:end));
  end
  varargout{1} = B;
end
