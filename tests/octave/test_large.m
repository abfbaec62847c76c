function test_large()
% The paths of the bindings and the library taken by large inputs only (two
% threads, the counting sort of find, the column sums of sum(A,1), the
% collisions of construction), against results computed here by Octave.

  n = 150000; m = 20000;
  rand('twister', 7);
  kr = floor(rand(n, 1) * m) + 1;
  kc = floor(rand(n, 1) * m) + 1;
  v = floor(rand(n, 1) * 100) + 1;
  % Zero-padded keys sort like their numbers.
  rl = sprintf('r%06d,', kr);
  cl = sprintf('c%06d,', kc);
  longl = sprintf('a_row_key_longer_than_sixteen_bytes_%06d,', kr);

  % ------------------------------------------------------ construct + find
  % Expected: collide min / sum per (row, col) pair, column-major order.
  [u, ~, g] = unique([kc kr], 'rows');          % sorted by column, then row
  vmin = accumarray(g, v, [], @min);
  vsum = accumarray(g, v);
  A = Assoc(rl, cl, v);
  [r, c, x] = find(A);
  teq('large find r', r, sprintf('r%06d,', u(:, 2)));
  teq('large find c', c, sprintf('c%06d,', u(:, 1)));
  teq('large find v (min)', x, vmin);
  [r1] = find(A);
  teq('large find one output', r1, sprintf('r%06d,', u(:, 2)));
  [r2, c2] = find(A);
  teq('large find two outputs', [r2 c2], [sprintf('r%06d,', u(:, 2)) sprintf('c%06d,', u(:, 1))]);
  S = Assoc(rl, cl, v, @sum);
  [~, ~, xs] = find(S);
  teq('large collide sum', xs, vsum);
  teq('large collide sum (string)', find3(Assoc(rl, cl, v, 'sum')), vsum);
  teq('large collide max', find3(Assoc(rl, cl, v, @max)), accumarray(g, v, [], @max));
  % first / last: in input order.
  first = accumarray(g, (1:n)', [], @min);
  last = accumarray(g, (1:n)', [], @max);
  teq('large collide first', find3(Assoc(rl, cl, v, 'first')), v(first));
  teq('large collide last', find3(Assoc(rl, cl, v, 'last')), v(last));

  % Keys longer than 16 bytes, numeric columns, string values.
  L = Assoc(longl, kc, sprintf('v%d,', v));
  [lr, lc, lv] = find(L);
  teq('large long keys r', lr, sprintf('a_row_key_longer_than_sixteen_bytes_%06d,', u(:, 2)));
  teq('large numeric cols', lc, u(:, 1));
  % string values collide by min of the strings: 'v100' < 'v11' < ... < 'v9'.
  vstr = arrayfun(@(k) sprintf('v%d', k), (1:100)', 'UniformOutput', false);
  [~, ord] = sort(vstr);
  rnk(ord) = 1:100;                              % rank of each value's string
  best = accumarray(g, rnk(v)', [], @min);
  want = vstr(ord(best));
  teq('large string values', lv, sprintf('%s,', want{:}));
  [nr, nc2, nv] = find(Assoc(kr, kc, v));
  teq('large numeric keys', [nr nc2 nv], [u(:, 2) u(:, 1) vmin]);

  % -------------------------------------------------------------- sum
  cs = accumarray(u(:, 1), vmin);                 % column sums of A
  cols = unique(kc);
  teq('large sum 1', sum(A, 1), Assoc(1, sprintf('c%06d,', cols), cs(cols)));
  rs = accumarray(u(:, 2), vmin);
  rows = unique(kr);
  teq('large sum 2', sum(A, 2), Assoc(sprintf('r%06d,', rows), 1, rs(rows)));
  teq('large sum 1 numeric cols', sum(Assoc(kr, kc, v), 1), Assoc(1, (1:max(kc))', accumarray(u(:, 1), vmin, [max(kc) 1])));
  % Sums that cancel are dropped, and their column keys with them.
  sel = mod(u(:, 1), 3) == 0;
  B = Assoc([sprintf('r%06d,', u(:, 2)) sprintf('z%06d,', u(sel, 2))], ...
            [sprintf('c%06d,', u(:, 1)) sprintf('c%06d,', u(sel, 1))], [vmin; -vmin(sel)]);
  cols2 = cols(mod(cols, 3) ~= 0);
  teq('large sum 1 drops zero sums', sum(B, 1), Assoc(1, sprintf('c%06d,', cols2), cs(cols2)));
  Z = Assoc([rl sprintf('z%06d,', kr)], [cl cl], [v; -v], @sum);
  teq('large sum of opposites', nnz(Z), 2 * size(u, 1));
  teq('large sum 1 cancels to nothing', nnz(sum(Assoc(sprintf('r%06d,', u(:, 2)), ...
      sprintf('c%06d,', u(:, 1)), vmin) + Assoc(sprintf('r%06d,', u(:, 2)), ...
      sprintf('c%06d,', u(:, 1)), -vmin), 1)), 0);
  % String values: sum counts the entries.
  cnt = accumarray(u(:, 1), 1, [max(kc) 1]);
  teq('large sum counts string values', sum(L, 1), Assoc(1, (1:max(kc))', cnt));
  teq('large max 1', max(A, [], 1), Assoc(1, sprintf('c%06d,', cols), accumarray(u(:, 1), vmin, [], @max)(cols)));
  teq('large min 2', min(A, [], 2), Assoc(sprintf('r%06d,', rows), 1, accumarray(u(:, 2), vmin, [], @min)(rows)));
end

function x = find3(A)
  [~, ~, x] = find(A);
end

