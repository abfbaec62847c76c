function e = end(A, k, n)
%END  A(1:end, :) and A(:, end): the number of row or column keys.
  if n ~= 2
    error('d4m:badArg', 'Assoc: end is allowed in A(rows, cols) only');
  end
  e = size(A, k);
end
