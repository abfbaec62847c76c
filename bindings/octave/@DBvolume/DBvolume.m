function V = DBvolume(DB, name)
%DBVOLUME  V = DBvolume(DB, 'vol'): the image volume kept in table 'vol' of
%  DB (made by putFits, or by `d4m fits-ingest`).  Reads use the order of
%  MATLAB/Octave image arrays (fitsread's order): rows are y (FITS NAXIS2),
%  columns x (NAXIS1), slices z (NAXIS3), all 1-based:
%
%    X = V(rows, cols, slices)     a box as a dense array of the volume's own
%                                  class (uint16 for BITPIX 16 with BZERO
%                                  32768, single for BITPIX -32, ...);
%                                  each index is ':', a scalar or a
%                                  contiguous range a:b (end works);
%                                  absent (BLANK/NaN) voxels read as
%                                  info(V).Fill
%    A = getAssoc(V, rows, cols, slices)   the same box as an Assoc of voxel
%                                  triples: row = (z-1)*ny + y, col = x
%                                  (whole-volume, 1-based), value = voxel;
%                                  absent voxels and zeros are no entry
%    s = info(V)                   Size [ny nx nz], Class, DType, Layout,
%                                  Brick [by bx bz], Overlap, Codec, Bitpix,
%                                  Bscale, Bzero, Blank, Fill, Keywords
%                                  {name, value, comment}, Cards
%    writeFits(V, 'box.fits', rows, cols, slices)   the box as a new FITS
%                                  file (the source's BITPIX, BZERO, BLANK and
%                                  header cards; CRPIXn shifted)
%    size(V), deleteForce(V)
%
%  A box outside the volume is d4m:outOfRange; a table that is no volume is
%  d4m:notfound.
  if nargin ~= 2 || ~isa(DB, 'DBserver') || ~ischar(name) || isempty(name)
    error('d4m:badArg', 'DBvolume: use DBvolume(DB, ''table'')');
  end
  s.h = D4MHandle(d4m_mex('vol_open', d4m_id(DB), name));
  s.id = getid(s.h);
  s.db = DB;
  s.name = name;
  in = d4m_mex('vol_info', s.id);
  s.size = in.Size;
  s.class = in.Class;
  V = class(s, 'DBvolume');
end
