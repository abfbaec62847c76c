function C = or(A, B)
%OR  A | B of two associative arrays (see D4M-SEMANTICS.md).
  C = binop('or', A, B, '|');
end
