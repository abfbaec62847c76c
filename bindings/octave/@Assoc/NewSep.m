function A = NewSep(A, sep)
%NEWSEP  Use sep as the separator of the lists Row, Col, Val and find return.
  if ~ischar(sep) || numel(sep) ~= 1
    error('d4m:badArg', 'NewSep: the separator must be one character');
  end
  A.sep = [sep sep sep];
end
