function B = col2type(A, splitSep)
%COL2TYPE  The inverse of val2col: column keys split into type and value.
%  B = col2type(A, '|'): entry (r, 'Color|red', x) becomes (r, 'Color', 'red')
%  (split at the first separator).  A column key without the separator is
%  an error (d4m:key).
  if nargin ~= 2
    error('d4m:nargin', 'col2type: expects an Assoc and a separator, e.g. col2type(A, ''|'')');
  end
  B = wrap(A, d4m_mex('col2type', A.id, splitSep));
end
