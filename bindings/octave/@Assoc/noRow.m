function B = noRow(A)
%NOROW  Make the row keys positions 1..n.
  B = wrap(A, d4m_mex('nokeys', A.id, 1));
end
