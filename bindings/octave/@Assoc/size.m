function varargout = size(A, dim)
%SIZE  [number of row keys, number of column keys].
  info = d4m_mex('info', A.id);
  s = info(2:3);
  if nargin > 1
    if dim == 1 || dim == 2
      s = s(dim);
    else
      s = 1;
    end
  end
  if nargout <= 1
    varargout{1} = s;
  else
    for k = 1:nargout
      if k <= numel(s), varargout{k} = s(k); else, varargout{k} = 1; end
    end
  end
end
