function C = CatKeyMul(A, B)
%CATKEYMUL  Like A * B, each value the list of matching inner keys ('k1;k2;').
  C = binop('catkeymul', A, B, 'CatKeyMul');
end
