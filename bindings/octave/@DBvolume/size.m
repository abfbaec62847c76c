function varargout = size(V, dim)
%SIZE  size(V) is [ny nx nz] (rows, cols, slices); size(V, k) one of them.
  if nargin > 1
    varargout{1} = V.size(dim);
  elseif nargout <= 1
    varargout{1} = V.size;
  else
    for k = 1:nargout
      if k <= 3, varargout{k} = V.size(k); else, varargout{k} = 1; end
    end
  end
end
