function C = cmpop(a, b, op, flipped)
% The entries of an Assoc whose values satisfy the comparison (original values kept).
  if isa(a, 'Assoc') && isa(b, 'Assoc')
    error('d4m:badArg', 'comparison of two Assocs is not supported; compare with a number or a string');
  end
  if isa(a, 'Assoc')
    A = a; x = b;
  else
    A = b; x = a; op = flipped;
  end
  if ischar(x)
    % D4M compares with the value string; a trailing separator is dropped.
    if ~isempty(x) && ~isempty(regexp(x(end), '[^A-Za-z0-9]', 'once')) && numel(x) > 1
      x = x(1:end-1);
    end
  elseif ~(isnumeric(x) || islogical(x)) || numel(x) ~= 1
    error('d4m:badArg', 'comparison: the other operand must be a number or a string');
  end
  id = d4m_mex('cmp', A.id, op, x);
  C = Assoc(D4MHandle(id), A.sep, id);
end
