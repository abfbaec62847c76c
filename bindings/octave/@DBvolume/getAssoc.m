function A = getAssoc(V, varargin)
%GETASSOC  A = getAssoc(V, rows, cols, slices): the box's voxels as an Assoc
%  of triples with numeric keys, the layout of a triples volume: row =
%  (z-1)*ny + y, col = x (1-based, whole-volume coordinates), value = the
%  voxel.  Absent voxels and zeros are no entry.  getAssoc(V) is the whole
%  volume.  As in every call (not an index), a whole range is the string
%  ':', as getAssoc(V, 1:10, ':', ':').
  if isempty(varargin)
    varargin = {':', ':', ':'};
  end
  A = Assoc(D4MHandle(d4m_mex('vol_assoc', V.id, vbox(V, varargin, 'getAssoc'))), ',,,');
end
