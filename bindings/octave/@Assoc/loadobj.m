function A = loadobj(s)
%LOADOBJ  Rebuild an Assoc saved by saveobj.
  if isa(s, 'Assoc')
    A = s;
    return;
  end
  if isempty(s.row)
    A = Assoc('', '', '');
  else
    A = Assoc(s.row, s.col, s.val);
  end
  A = setsep(A, 1:3, s.sep);
end
