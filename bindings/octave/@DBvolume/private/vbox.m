function b = vbox(V, subs, what)
% vbox(V, subs, what): the subscripts {rows, cols, slices} (or {rows, cols}
% of a one-slice volume) as the box [r0 r1 c0 c1 s0 s1] of d4m_mex.
  n = numel(subs);
  if n == 2 && V.size(3) == 1
    subs{3} = 1;
  elseif n ~= 3
    error('d4m:badArg', '%s: give three ranges (rows, cols, slices)', what);
  end
  b = zeros(1, 6);
  for k = 1:3
    s = subs{k};
    if ischar(s) && strcmp(s, ':')
      b(2*k-1:2*k) = [1 V.size(k)];
    elseif isnumeric(s) && isreal(s) && ~issparse(s) && (isempty(s) || isvector(s))
      s = double(s(:)');
      if isempty(s)
        b(2*k-1:2*k) = [1 0];
      elseif any(~isfinite(s)) || any(s ~= fix(s)) || ~isequal(s, s(1):s(end))
        error('d4m:badArg', '%s: index %d must be '':'', an integer or a contiguous range a:b', what, k);
      else
        b(2*k-1:2*k) = [s(1) s(end)];
      end
    else
      error('d4m:badArg', '%s: index %d must be '':'', an integer or a contiguous range a:b', what, k);
    end
  end
end
