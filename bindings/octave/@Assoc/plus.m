function C = plus(A, B)
%PLUS  A + B of two associative arrays (see D4M-SEMANTICS.md).
  C = binop('plus', A, B, '+');
end
