function T = put(T, A, varargin)
%PUT  put(T, A): write every entry of A (and its transpose for a pair).  A
%  later put of the same (row, col) replaces the value unless the column has
%  a combiner.  put(T, A, 'bulk') loads through sorted files, all or nothing.
  if ~isa(A, 'Assoc')
    error('d4m:badArg', 'put: expects put(T, A) with an Assoc A');
  end
  bulk = numel(varargin) >= 1 && ischar(varargin{1}) && strcmpi(varargin{1}, 'bulk');
  d4m_mex('table_put', T.id, d4m_id(A), bulk);
end
