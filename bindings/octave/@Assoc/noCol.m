function B = noCol(A)
%NOCOL  Make the column keys positions 1..n.
  B = wrap(A, d4m_mex('nokeys', A.id, 2));
end
