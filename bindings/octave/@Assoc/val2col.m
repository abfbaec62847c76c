function B = val2col(A, splitSep)
%VAL2COL  D4M's exploded schema: each value moves into its column key.
%  B = val2col(A, '|'): entry (r, 'Color', 'red') becomes (r, 'Color|red', 1)
%  (numbers as num2str prints them).  The inverse is col2type.
  if nargin ~= 2
    error('d4m:nargin', 'val2col: expects an Assoc and a separator, e.g. val2col(A, ''|'')');
  end
  B = wrap(A, d4m_mex('val2col', A.id, splitSep));
end
