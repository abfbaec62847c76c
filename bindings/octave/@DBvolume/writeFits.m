function writeFits(V, file, varargin)
%WRITEFITS  writeFits(V, 'box.fits', rows, cols, slices): the box as a new
%  FITS file with the source's BITPIX, BSCALE, BZERO, BLANK and header cards
%  (CRPIXn shifted to the box).  writeFits(V, file) writes the whole volume.
%  The file must not exist (d4m:exists); nothing is left on failure.
  if nargin < 2 || ~ischar(file) || isempty(file)
    error('d4m:badArg', 'writeFits: use writeFits(V, ''file.fits'', rows, cols, slices)');
  end
  if isempty(varargin)
    d4m_mex('vol_write', V.id, file, []);
  else
    d4m_mex('vol_write', V.id, file, vbox(V, varargin, 'writeFits'));
  end
end
