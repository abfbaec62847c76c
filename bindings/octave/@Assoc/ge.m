function C = ge(a, b)
%GE  Entries of an Assoc whose values compare true against a number or a
%  string (the value strings), with their original values.
  C = cmpop(a, b, 'ge', 'le');
end
