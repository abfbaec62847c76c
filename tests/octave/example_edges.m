% example_edges.m - a D4M example script, run unchanged by the bindings
% except for the DBserver line (D4M: DB = DBserver('host:port', 'Accumulo',
% 'instance', 'user', 'pass')).  Edges of a small graph: each row an edge,
% column Color its colour, columns V01..V04 the vertices it touches.

E = ReadCSV('edges.csv');                 % string values: 'Blue', '1', ...
Ev = logical(E(:, StartsWith('V ')));     % edge x vertex incidence
Ec = E(:, 'Color,');                      % the colours
Av = sqIn(Ev);                            % vertex x vertex: shared edges
Ae = sqOut(Ev);                           % edge x edge: shared vertices
VertDeg = sum(Ev, 1);                     % edges per vertex
Blue = Ec == 'Blue,';                     % the blue edges
EvBlue = Ev(Row(Blue), :);
EdgeList = CatKeyMul(Ev.', Ev);           % which edges join two vertices

DB = DBserver(d4m_example_dbdir, 'rocksdb');
Tedge = DB('Tedge', 'TedgeT');
put(Tedge, E);
TedgeDeg = DB('TedgeDeg');
addColCombiner(TedgeDeg, 'Degree,', 'sum');
[r, c, v] = find(Ev);
putTriple(TedgeDeg, c, 'Degree,', 1);     % one triple per incidence, summed
V01 = Tedge(:, 'V01,');                   % column query: the transpose table
Orange = Tedge('O* ', :);
Deg = TedgeDeg(:, :);

Ti = Iterator(Tedge, 'elements', 4);
chunks = [];
A = Ti(:, :);
while nnz(A)
  chunks(end + 1) = nnz(A);
  A = Ti();
end
