function displayFull(A)
%DISPLAYFULL  The array as a table: column keys across, row keys down.
  [nr, nc] = size(A);
  if nr * nc > 1e6
    error('d4m:toobig', 'displayFull: %d x %d is too large to print', nr, nc);
  end
  rk = keycells(Row(A), A.sep(1));
  ck = keycells(Col(A), A.sep(2));
  M = Adj(A);
  v = Val(A);
  strv = ischar(v);
  if strv, vk = keycells(v, A.sep(3)); end
  cells = repmat({''}, nr + 1, nc + 1);
  cells(2:end, 1) = rk;
  cells(1, 2:end) = ck;
  [i, j, x] = find(M);
  for t = 1:numel(i)
    if strv
      cells{i(t) + 1, j(t) + 1} = vk{x(t)};
    else
      cells{i(t) + 1, j(t) + 1} = sprintf('%g', x(t));
    end
  end
  w = max(cellfun(@numel, cells), [], 1);
  for r = 1:nr + 1
    line = '';
    for c = 1:nc + 1
      line = [line sprintf('%-*s', w(c) + 2, cells{r, c})];
    end
    printf('%s\n', deblank(line));
  end
end

function k = keycells(list, sep)
  if ischar(list)
    if isempty(list)
      k = {};
    else
      k = strsplit(list(1:end-1), list(end));
      k = k(:);
    end
  else
    k = arrayfun(@(x) sprintf('%d', x), list(:), 'UniformOutput', false);
  end
end
