function ok = teq(name, got, want)
% teq(name, got, want): exact equality (class-insensitive for numbers).
  if ischar(want)
    ok = ischar(got) && strcmp(got, want);
  elseif isa(want, 'Assoc')
    ok = isa(got, 'Assoc') && isequal(got, want);
  else
    ok = isnumeric(got) || islogical(got);
    ok = ok && isequal(size(got), size(want)) && isequal(double(got), double(want));
  end
  if ok
    tcheck(name, true);
  else
    tcheck(name, false, 'got %s, want %s', show(got), show(want));
  end
end

function s = show(x)
  if ischar(x)
    s = ['''' strrep(x, char(10), '\n') ''''];
  elseif isa(x, 'Assoc')
    [r, c, v] = find(x);
    s = sprintf('Assoc(%s, %s, %s)', show(r), show(c), show(v));
  elseif isnumeric(x) || islogical(x)
    s = mat2str(full(double(x)));
  else
    s = class(x);
  end
end
