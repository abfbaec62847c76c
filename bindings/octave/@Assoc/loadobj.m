function A = loadobj(s)
%LOADOBJ  Rebuild an Assoc from the struct of saveobj (also: Assoc(s)).
  if isa(s, 'Assoc')
    A = s;
  else
    A = Assoc(s);
  end
end
