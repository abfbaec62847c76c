function [r, c, v] = find(A)
%FIND  [r, c, v] = find(A): the triples in column-major order.  String keys
%  and values come back as lists with A's separators; positions and numeric
%  values as column vectors.
  if nargout <= 1
    r = d4m_mex('find', A.id, A.sep);
  elseif nargout == 2
    [r, c] = d4m_mex('find', A.id, A.sep);
  else
    [r, c, v] = d4m_mex('find', A.id, A.sep);
  end
end
