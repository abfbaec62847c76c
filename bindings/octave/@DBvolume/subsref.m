function X = subsref(V, s)
%SUBSREF  X = V(rows, cols, slices): the box as a dense array of the
%  volume's class, size numel(rows) x numel(cols) x numel(slices).
  if ~strcmp(s(1).type, '()')
    error('d4m:badArg', 'DBvolume: read a box as V(rows, cols, slices)');
  end
  X = d4m_mex('vol_read', V.id, vbox(V, s(1).subs, 'DBvolume'));
  if numel(s) > 1
    X = subsref(X, s(2:end));
  end
end
