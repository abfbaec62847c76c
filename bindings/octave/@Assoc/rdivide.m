function C = rdivide(A, B)
%RDIVIDE  A ./ B: intersection of two Assocs, or every value over a scalar.
  if isa(A, 'Assoc') && isa(B, 'Assoc')
    C = binop('divide', A, B, './');
  elseif isa(A, 'Assoc')
    C = wrap(A, d4m_mex('divs', A.id, B));
  else
    error('d4m:badArg', './: a number over an Assoc is not supported');
  end
end
