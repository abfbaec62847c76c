function test_db()
% The DBserver / DBtable / Iterator classes over the embedded store.
  dir = fullfile(tdir(), 'db1');
  n0 = d4m_mex('nlive');
  DB = DBserver(dir, 'rocksdb');
  T = DB('Tedge', 'TedgeT');
  A = Assoc('a1 a1 a2 b1 b2 ', 'x y x z y ', [1 2 3 4 5]);
  put(T, A);
  teq('nnz after put', nnz(T), 5);
  teq('T(:, :)', T(:, :), A);
  teq('row query', T('a1 b1 ', :), A('a1 b1 ', :));
  teq('row range', T('a1 : a2 ', :), A('a1 : a2 ', :));
  teq('row prefix', T('a* ', :), A('a* ', :));
  teq('StartsWith', T(StartsWith('b '), :), A(StartsWith('b '), :));
  teq('column query (transpose table)', T(:, 'y ').', A(:, 'y ').');
  teq('column query values', T(:, 'x z '), A(:, 'x z '));
  teq('both', T('a* ', 'x '), A('a* ', 'x '));
  teq('nothing', nnz(T('zz ', :)), 0);
  names = ls(DB);
  tcheck('ls lists the pair', ~isempty(strfind(names, 'Tedge ')) && ~isempty(strfind(names, 'TedgeT ')), '%s', names);
  teq('query keys come back as lines', Row(T('a1 ', :)), sprintf('a1\n'));

  % putTriple; a later put replaces; string values
  putTriple(T, 'c1 c1 ', 'x y ', 'red blue ');
  teq('putTriple strings', T('c1 ', :), Assoc('c1 c1 ', 'x y ', 'red blue '));
  putTriple(T, 'a1 ', 'x ', 7);
  teq('put replaces', Adj(T('a1 ', 'x ')), sparse(7));
  teq('nnz after more puts', nnz(T), 7);

  % column combiner
  Tdeg = DB('TedgeDeg');
  addColCombiner(Tdeg, 'Degree,', 'sum');
  putTriple(Tdeg, 'a1 a2 ', 'Degree,', [1 2]);
  putTriple(Tdeg, 'a1 a2 ', 'Degree,', [10 20]);
  putTriple(Tdeg, 'a1 ', 'Other,', 5);
  putTriple(Tdeg, 'a1 ', 'Other,', 6);
  teq('combined column', Tdeg(:, 'Degree,'), Assoc('a1 a2 ', 'Degree,', [11 22]));
  teq('other column replaced', Adj(Tdeg('a1 ', 'Other,')), sparse(6));

  % iterator
  I = DB('Titer');
  put(I, Assoc(sprintf('r%d ', 1:5), 'c ', 1:5));
  Ti = Iterator(I, 'elements', 2);
  got = [];
  B = Ti(:, :);
  while nnz(B)
    got(end + 1) = nnz(B);
    [~, ~, v] = find(B);
    B = Ti();
  end
  teq('iterator chunks', got, [2 2 1]);
  teq('iterator stays empty', nnz(Ti()), 0);
  B = Ti('r2 : r4 ', :);
  teq('iterator restarts with a query', nnz(B), 2);
  B = Ti();
  teq('iterator second chunk', Row(B), sprintf('r4\n'));

  % degrees that summed to 0 are no entries: the usual loop until an empty
  % chunk still meets every entry after them
  putTriple(Tdeg, 'b1 b2 b3 b4 ', 'Degree,', [1 2 3 4]);
  putTriple(Tdeg, 'a1 a2 b1 b2 ', 'Degree,', [-11 -22 -1 -2]);
  teq('zero sums are no entries', Tdeg(:, 'Degree,'), Assoc('b3 b4 ', 'Degree,', [3 4]));
  Tz = Iterator(Tdeg, 'elements', 1);
  rows = '';
  B = Tz(:, 'Degree,');
  while nnz(B)
    rows = [rows Row(B)];
    B = Tz();
  end
  teq('iterator past zero sums', rows, sprintf('b3\nb4\n'));

  % errors
  terror('unknown type', @() DBserver(dir, 'accumulo'), 'd4m:badArg');
  terror('pair name', @() DB('Tx', 'Ty'), 'd4m:badArg');
  terror('existing table without pair', @() DB('Titer', 'TiterT'), 'd4m:badArg');
  terror('one query', @() T('a '), 'd4m:badArg');
  terror('bad query', @() T(0, :), 'd4m:badArg');
  terror('put of a number', @() put(T, 3), 'd4m:badArg');
  terror('putTriple lengths', @() putTriple(T, 'a b ', 'x y z ', 1), 'd4m:length');
  terror('iterator kind', @() Iterator(I, 'rows', 2), 'd4m:badArg');
  terror('iterator size', @() Iterator(I, 'elements', 0), 'd4m:badArg');
  Tj = Iterator(I, 'elements', 3);
  terror('iterator not started', @() Tj(), 'd4m:badArg');
  terror('combiner name', @() addColCombiner(Tdeg, 'x,', 'avg'), 'd4m:badArg');
  terror('second writer of the directory', @() DBserver(dir, 'rocksdb'), 'd4m:busy');

  % the transpose alone cannot be dropped (its table names it); the failed
  % drop leaves the handles working
  TT = DB('TedgeT');
  terror('deleteForce of the transpose alone', @() deleteForce(TT), 'd4m:inval');
  teq('the transpose handle still works', nnz(TT), nnz(T));
  teq('the pair still opens', nnz(DB('Tedge', 'TedgeT')), nnz(T));
  clear TT;

  % deleteForce: the table and its transpose go; handles stop working
  T2 = DB('Tedge', 'TedgeT');
  TT = DB('TedgeT');
  TTi = Iterator(TT, 'elements', 1);
  TTi(:, :);
  deleteForce(T);
  terror('the transpose opened by name after deleteForce', @() nnz(TT), 'd4m:badHandle');
  terror('its iterator after deleteForce', @() TTi(), 'd4m:badHandle');
  clear TT TTi;
  names = ls(DB);
  tcheck('deleteForce removes the pair', isempty(strfind(names, 'Tedge ')) && isempty(strfind(names, 'TedgeT ')), '%s', names);
  terror('table after deleteForce', @() nnz(T), 'd4m:badHandle');
  terror('other handle of the table after deleteForce', @() T2(:, :), 'd4m:badHandle');
  T = DB('Tedge', 'TedgeT');
  teq('recreated empty', nnz(T), 0);

  % objects may go in any order; the database closes with the last one
  clear DB;
  put(T, A);
  teq('table outlives the DBserver variable', nnz(T), 5);
  clear T T2 Tdeg I Ti Tj Tz B;
  teq('all closed', d4m_mex('nlive') - n0, 1);   % A is still live
  DB = DBserver(dir, 'rocksdb');
  T = DB('Tedge', 'TedgeT');
  teq('data persists after reopening', T(:, :), A);
  clear T DB;
  teq('closed again', d4m_mex('nlive') - n0, 1);
end

function d = tdir()
  global D4M_T;
  d = D4M_T.tmp;
end
