function C = and(A, B)
%AND  A & B of two associative arrays (see D4M-SEMANTICS.md).
  C = binop('and', A, B, '&');
end
