function test_assoc()
% Exact results of the Assoc class on small inputs (D4M-SEMANTICS.md).

  % ---------------------------------------------------------- construction
  A = Assoc('alice alice bob carol ', 'chess hiking chess hiking ', [1 2 3 4]);
  teq('Row', Row(A), 'alice bob carol ');
  teq('Col', Col(A), 'chess hiking ');
  teq('nnz', nnz(A), 4);
  teq('size', size(A), [3 2]);
  teq('size dim 2', size(A, 2), 2);
  teq('numel', numel(A), 6);
  [r, c, v] = find(A);
  teq('find r column-major', r, 'alice bob alice carol ');
  teq('find c', c, 'chess chess hiking hiking ');
  teq('find v', v, [1; 3; 2; 4]);
  teq('Adj', full(Adj(A)), [1 2; 3 0; 0 4]);
  teq('Val numeric', Val(A), [1; 2; 3; 4]);
  tcheck('Adj sparse', issparse(Adj(A)));

  teq('collide default min', Adj(Assoc('a a ', 'x x ', [5 3])), sparse(3));
  teq('collide @min', Adj(Assoc('a a ', 'x x ', [5 3], @min)), sparse(3));
  teq('collide @max', Adj(Assoc('a a ', 'x x ', [5 3], @max)), sparse(5));
  teq('collide @sum', Adj(Assoc('a a ', 'x x ', [5 3], @sum)), sparse(8));
  teq('collide sum string', Adj(Assoc('a a ', 'x x ', [5 3], 'sum')), sparse(8));
  teq('collide first', Adj(Assoc('a a a ', 'x x x ', [5 3 4], 'first')), sparse(5));
  teq('collide last', Adj(Assoc('a a a ', 'x x x ', [5 3 4], 'last')), sparse(4));
  teq('collide user function', Adj(Assoc('a a a ', 'x x x ', [1 2 3], @(a, b) 10 * a + b)), sparse(123));
  % values that are not double are converted (temporaries of the call) while
  % the collide function makes calls of its own
  teq('collide function that uses the bindings', ...
      Assoc('a,a,a,b,', 'x,x,x,x,', int32([1 2 3 4]), @collide_uses_bindings), ...
      Assoc('a,b,', 'x,x,', [6 4]));
  teq('collide string min', Val(Assoc('a a ', 'x x ', 'zeta alpha ')), 'alpha ');
  teq('collide string max', Val(Assoc('a a ', 'x x ', 'zeta alpha ', @max)), 'zeta ');

  Z = Assoc('a b ', 'c c ', [0 1]);
  teq('stored zero is no entry', nnz(Z), 1);
  teq('row without entry dropped', Row(Z), 'b ');
  teq('scalar repeated', nnz(Assoc('a b c ', 'x ', 7)), 3);
  teq('scalar repeated row', Row(Assoc('a b c ', 'x ', 7)), 'a b c ');
  E = Assoc('', '', '');
  teq('empty nnz', nnz(E), 0);
  tcheck('empty isempty', isempty(E));
  tcheck('nonempty', ~isempty(A));
  teq('empty size', size(E), [0 0]);
  teq('byte order of keys', Row(Assoc('b a_ a B 9 10 ', 'x ', 1)), '10 9 B a a_ b ');
  teq('other separator', Row(Assoc('x,y,', 'c,', 1)), 'x,y,');
  teq('cellstr keys', Row(Assoc({'p q', 'r'}, 'c ', 1)), 'p q,r,');

  S = Assoc('a b ', 'x y ', 'hello world ');
  teq('string Val', Val(S), 'hello world ');
  teq('string Adj indices', full(Adj(S)), [1 0; 0 2]);
  [~, ~, sv] = find(S);
  teq('string find v', sv, 'hello world ');

  N = Assoc([1 3], [2 2], [10 20]);
  teq('numeric keys Row', Row(N), [1 2 3]);
  teq('numeric keys size', size(N), [3 2]);
  [nr, nc, nv] = find(N);
  teq('numeric keys find', [nr nc nv], [1 2 10; 3 2 20]);

  % --------------------------------------------------------------- queries
  Q = Assoc('a1 a2 b1 b2 c1 ', 'x y x y z ', [1 2 3 4 5]);
  teq('query keys', Row(Q('a1 b1 ', :)), 'a1 b1 ');
  teq('query missing key ignored', Row(Q('zz a1 ', :)), 'a1 ');
  teq('query other separator', Row(Q('a2,c1,', :)), 'a2 c1 ');
  teq('query range', Row(Q('a1 : b1 ', :)), 'a1 a2 b1 ');
  teq('query two ranges', Row(Q('a1 : a1 c1 : c1 ', :)), 'a1 c1 ');
  teq('query prefix *', Row(Q('a* ', :)), 'a1 a2 ');
  teq('query StartsWith', Row(Q(StartsWith('b c '), :)), 'b1 b2 c1 ');
  teq('query positions', Row(Q(1:2, :)), 'a1 a2 ');
  teq('query end', Row(Q(end, :)), 'c1 ');
  teq('query end-1:end', Row(Q(end-1:end, :)), 'b2 c1 ');
  teq('query columns', Row(Q(:, 'x ')), 'a1 b1 ');
  teq('query both', find3v(Q('a* ', 'y ')), 2);
  teq('query logical vector', Row(Q(logical([1 0 0 0 1]), :)), 'a1 c1 ');
  teq('query cell keys', Row(Q({'b2', 'a1'}, :)), 'a1 b2 ');
  teq('query all', nnz(Q(:, :)), 5);
  teq('query nothing', nnz(Q('nope ', :)), 0);
  teq('mask', find3v(Q(Q > 2)), [3; 4; 5]);
  teq('mask with logical', find3v(Q(logical(Q('a* ', :)))), [1; 2]);
  teq('chained query', Row(Q('a* ', :)(2, :)), 'a2 ');
  teq('query in expression', nnz(Q('a* ', :) + Q('b* ', :)), 4);

  % ---------------------------------------------------------- element-wise
  A = Assoc('a a b ', 'x y x ', [1 2 3]);
  B = Assoc('a c ', 'x x ', [10 20]);
  teq('plus', A + B, Assoc('a a b c ', 'x y x x ', [11 2 3 20]));
  teq('minus', A - B, Assoc('a a b c ', 'x y x x ', [-9 2 3 -20]));
  teq('minus to zero drops', nnz(A - A), 0);
  teq('and', A & B, Assoc('a ', 'x ', 1));
  teq('or', A | B, Assoc('a a b c ', 'x y x x ', [1 2 3 20]));
  teq('times', A .* B, Assoc('a ', 'x ', 10));
  teq('rdivide', B ./ A, Assoc('a ', 'x ', 10));
  teq('times scalar', A .* 2, Assoc('a a b ', 'x y x ', [2 4 6]));
  teq('scalar times', 3 * A, Assoc('a a b ', 'x y x ', [3 6 9]));
  teq('divide scalar', A ./ 2, Assoc('a a b ', 'x y x ', [0.5 1 1.5]));
  Sa = Assoc('a b ', 'x x ', 'pear apple ');
  Sb = Assoc('a c ', 'x x ', 'zoo kiwi ');
  teq('plus strings keeps larger', Sa + Sb, Assoc('a b c ', 'x x x ', 'zoo apple kiwi '));
  teq('minus strings symmetric difference', Sa - Sb, Assoc('b c ', 'x x ', 'apple kiwi '));
  teq('and strings', Sa & Sb, Assoc('a ', 'x ', 'pear '));

  % ------------------------------------------------------------ comparisons
  teq('== number', find3v(A == 2), 2);
  teq('~= number', find3v(A ~= 2), [1; 3]);
  teq('> number', find3v(A > 1), [3; 2]);
  teq('>= number', find3v(A >= 2), [3; 2]);
  teq('< number', find3v(A < 3), [1; 2]);
  teq('<= number', find3v(A <= 1), 1);
  teq('number < A', find3v(1 < A), [3; 2]);
  teq('== string', Row(Sa == 'pear '), 'a ');
  teq('== string without sep', Row(Sa == 'pear'), 'a ');
  teq('> string', Row(Sa > 'b '), 'a ');

  % ----------------------------------------------------------------- matrix
  M = Assoc('a a b ', 'x y y ', [1 2 3]);
  teq('transpose', M.', Assoc('x y y ', 'a a b ', [1 2 3]));
  teq('ctranspose', M', M.');
  teq('mtimes', M * M.', Assoc('a a b b ', 'a b a b ', [5 6 6 9]));
  teq('sqOut', sqOut(M), M * M.');
  teq('sqIn', sqIn(M), M.' * M);
  teq('sqIn values', sqIn(M), Assoc('x x y y ', 'x y x y ', [1 2 2 13]));
  E1 = Assoc('alice alice bob ', 'e1 e2 e1 ', 1);
  E2 = Assoc('e1 e2 ', 'x x ', 1);
  teq('CatKeyMul', CatKeyMul(E1, E2), Assoc('alice bob ', 'x x ', 'e1;e2; e1; '));
  V1 = Assoc('a a ', 'k1 k2 ', [1 2]);
  V2 = Assoc('k1 k2 ', 'z z ', [3 4]);
  teq('CatValMul', CatValMul(V1, V2), Assoc('a ', 'z ', '1;3;2;4; '));
  teq('sum 1', sum(M, 1), Assoc(1, 'x y ', [1 5]));
  teq('sum 2', sum(M, 2), Assoc('a b ', 1, [3 3]));
  teq('sum strings counts', sum(Sa, 1), Assoc(1, 'x ', 2));
  teq('max dim 1', max(M, [], 1), Assoc(1, 'x y ', [1 3]));
  teq('min dim 2', min(M, [], 2), Assoc('a b ', 1, [1 3]));

  % ------------------------------------------------------------ conversions
  teq('logical', logical(M), Assoc('a a b ', 'x y y ', 1));
  teq('Abs0', Abs0(M), logical(M));
  teq('double of strings', double(Sa), Assoc('a b ', 'x x ', [2 1]));
  teq('num2str', num2str(Assoc('a b ', 'x x ', [1.5 20])), Assoc('a b ', 'x x ', '1.5 20 '));
  teq('str2num', str2num(Assoc('a b ', 'x x ', '1.5 20 ')), Assoc('a b ', 'x x ', [1.5 20]));
  D = Assoc('a a b ', 'a b b ', [1 2 3]);
  teq('NoDiag', NoDiag(D), Assoc('a ', 'b ', 2));
  teq('diag', diag(D), Assoc('a b ', 'a b ', [1 3]));
  teq('putRow', Row(putRow(M, 'p q ')), 'p q ');
  teq('putCol', putCol(M, 'u v '), Assoc('a a b ', 'u v v ', [1 2 3]));
  teq('putVal', putVal(Sa, 'A P '), Assoc('a b ', 'x x ', 'P A '));
  teq('putAdj', putAdj(M, sparse([0 7; 0 8])), Assoc('a b ', 'y y ', [7 8]));
  teq('noRow', Row(noRow(M)), [1 2]);
  teq('noCol', Col(noCol(M)), [1 2]);
  teq('NewSep', Row(NewSep(M, ',')), 'a,b,');
  [fr, fc] = find(NewSep(M, ';'));
  teq('NewSep find', [fr fc], 'a;a;b;x;y;y;');

  % ------------------------------------------------- exploded schema
  R = Assoc('e1,e1,e2,e2,e3,', 'Color,Type,Color,Type,Color,', 'red,car,blue,car,red,');
  X = val2col(R, '|');
  teq('val2col', X, Assoc('e1,e1,e2,e2,e3,', 'Color|red,Type|car,Color|blue,Type|car,Color|red,', 1));
  teq('val2col columns', Col(X), 'Color|blue,Color|red,Type|car,');
  teq('val2col of numbers', Col(val2col(Assoc('a b ', 'x x ', [2.5 7]), '/')), 'x/2.5 x/7 ');
  teq('col2type inverts val2col', col2type(X, '|'), R);
  teq('count by type and value', sum(X(:, StartsWith('Color| ')), 1), ...
      Assoc(1, 'Color|blue,Color|red,', [1 2]));
  teq('CatStr', CatStr('a,b,', '|', 'x;y;'), 'a|x;b|y;');
  teq('CatStr repeats one item', CatStr('Color,', '|', 'red,blue,'), 'Color|red,Color|blue,');
  [s1, s2] = SplitStr('a|x,b|y|z,', '|');
  teq('SplitStr first', s1, 'a,b,');
  teq('SplitStr second', s2, 'x,y|z,');
  teq('NumStr', NumStr('a,b,c,'), 3);
  teq('NumStr of nothing', NumStr(''), 0);
  teq('CatStr then SplitStr', nthargout(2, @SplitStr, CatStr('p q ', '/', '1 2 '), '/'), '1 2 ');
  teq('col2type at the first separator', ...
      col2type(Assoc('r r ', 'a|b|c t|z ', 1), '|'), Assoc('r r ', 'a t ', 'b|c z '));

  % ---------------------------------------------------------------- display
  out = evalc('disp(Assoc(''a b '', ''x y '', [1 2.5]))');
  teq('disp', out, sprintf('(a,x)  1\n(b,y)  2.5\n'));
  out = evalc('displayFull(Assoc(''a b '', ''x y '', [1 2.5]))');
  teq('displayFull', out, sprintf('   x  y\na  1\nb     2.5\n'));

  % ---------------------------------------------------------------- text I/O
  f = fullfile(tdir(), 'a.csv');
  WriteCSV(M, f);
  teq('WriteCSV/ReadCSV round trip', ReadCSV(f), M);
  Assoc2CSV(Sa, char(10), ',', f);
  teq('Assoc2CSV strings round trip', ReadCSV(f), Sa);
  fid = fopen(f, 'w'); fprintf(fid, ',c1,c2\nr1,1,\nr2,,x\n'); fclose(fid);
  teq('ReadCSV strings', ReadCSV(f), Assoc('r1 r2 ', 'c1 c2 ', '1 x '));
  g = fullfile(tdir(), 'a.tsv');
  WriteTSV(M, g);
  teq('TSV round trip', ReadTSV(g), M);

  % ----------------------------------------------------------- save and load
  % Octave 7.3 cannot save an old-style object holding a handle (it sizes the
  % MAT element from the raw fields but writes saveobj's struct, and its text
  % and binary formats save the raw fields): the supported path is the struct
  % of saveobj, rebuilt with loadobj (MATLAB calls both itself).
  X = Assoc('a b b ', 'x,y x x,y ', [1 2 3]);
  for fmt = {'-mat', '-v7', '-binary', '-text'}
    f = fullfile(tdir(), 'a.sav');
    S = saveobj(X);
    save(fmt{1}, f, 'S');
    L = load(f);
    Y = Assoc(L.S);
    teq(['saveobj/save/load/loadobj ' fmt{1}], Y, X);
    teq(['separator kept ' fmt{1}], Col(Y), Col(X));
  end
  X = Assoc(sprintf('a\nb,c\n'), 'x ', 'v w ');
  teq('saveobj/loadobj keys holding separators', Assoc(saveobj(X)), X);
  X = Assoc([2 5], 'x ', 'v w ');
  teq('saveobj/loadobj numeric keys', Assoc(saveobj(X)), X);
  teq('saveobj/loadobj empty', nnz(Assoc(saveobj(Assoc('', '', '')))), 0);

  % ---------------------------------------------------------------- lifetime
  n0 = d4m_mex('nlive');
  P = Assoc('a ', 'x ', 1);
  one = Assoc('a ', 'x ', 1);
  for k = 1:500
    P = P + one;
  end
  teq('loop result', Adj(P), sparse(501));
  teq('loop does not accumulate objects', d4m_mex('nlive'), n0 + 2);
  P2 = P; clear P;
  teq('copies share the object', d4m_mex('nlive'), n0 + 2);
  clear P2 one;
  teq('all freed', d4m_mex('nlive'), n0);
  for k = 1:200
    tmp = sqOut(Assoc(sprintf('r%d ', 1:50), 'c ', 1:50)) + Assoc('r1 ', 'r1 ', 1);
  end
  clear tmp;
  teq('temporaries of expressions freed', d4m_mex('nlive'), n0);
end

function v = find3v(A)
  [~, ~, v] = find(A);
end

function d = tdir()
  global D4M_T;
  d = D4M_T.tmp;
end
