function T = addColCombiner(T, cols, how)
%ADDCOLCOMBINER  addColCombiner(T, 'Degree,', 'sum'): later puts to columns
%  starting with an item of cols combine with the stored value (sum, min, max).
  if nargin ~= 3
    error('d4m:nargin', 'addColCombiner: expects addColCombiner(T, cols, ''sum'')');
  end
  d4m_mex('table_combiner', T.id, cols, how);
end
