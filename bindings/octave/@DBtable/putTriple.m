function T = putTriple(T, r, c, v)
%PUTTRIPLE  putTriple(T, r, c, v): write triples given as lists or vectors.
  if nargin ~= 4
    error('d4m:nargin', 'putTriple: expects putTriple(T, r, c, v)');
  end
  d4m_mex('table_put_triples', T.id, r, c, v);
end
