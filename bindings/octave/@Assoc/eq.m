function C = eq(a, b)
%EQ  Entries of an Assoc whose values compare true against a number or a
%  string (the value strings), with their original values.
  C = cmpop(a, b, 'eq', 'eq');
end
