function C = minus(A, B)
%MINUS  A - B of two associative arrays (see D4M-SEMANTICS.md).
  C = binop('minus', A, B, '-');
end
