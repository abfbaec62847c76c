function C = CatValMul(A, B)
%CATVALMUL  Like A * B, each value the list of value pairs ('a1;b1;a2;b2;').
  C = binop('catvalmul', A, B, 'CatValMul');
end
