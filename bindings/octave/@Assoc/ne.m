function C = ne(a, b)
%NE  Entries of an Assoc whose values compare true against a number or a
%  string (the value strings), with their original values.
  C = cmpop(a, b, 'ne', 'ne');
end
