function V = putFits(DB, name, files, varargin)
%PUTFITS  V = putFits(DB, 'vol', files, options...): ingest FITS images as
%  the new volume table 'vol' and return it as a DBvolume.  files is one
%  file name (a 2-D image or a 3-D cube) or a cell array of 2-D slice files
%  in z order (every slice the same size and BITPIX/BSCALE/BZERO/BLANK).
%  BSCALE/BZERO are applied, BLANK and NaN pixels are absent, header cards
%  are kept.  All or nothing: on an error no table is left.  Options:
%
%    'triples'             one triple per voxel (the default)
%    'bricks', E           bricks of E^3 voxels (E = [ey ex ez]: rows, cols,
%                          slices edges); 'bricks' alone: 64^3
%    'codec', C            brick codec 'raw' (default), 'lz4' or 'zstd'
%                          (byte-shuffled and compressed); implies bricks
%    'overlap', N          each brick also keeps N voxels of its neighbours
%    'hdu', N              the HDU to read (1 is the primary array; default:
%                          the first HDU with an image)
%
%  Example: V = putFits(DB, 'vol', files, 'bricks', 64, 'codec', 'zstd');
%           X = V(1:32, 1:32, 10:20);
  if nargin < 3 || ~ischar(name) || isempty(name)
    error('d4m:badArg', 'putFits: use putFits(DB, ''table'', files, options...)');
  end
  if ~(ischar(files) || iscellstr(files))
    error('d4m:badArg', 'putFits: files must be a file name or a cell array of file names');
  end
  layout = 0; brick = [0 0 0]; overlap = 0; codec = 0; hdu = 0;
  i = 1;
  while i <= numel(varargin)
    opt = varargin{i};
    if ~ischar(opt)
      error('d4m:badArg', 'putFits: option %d is not a name', i);
    end
    hasval = i < numel(varargin) && ~ischar(varargin{i+1});
    switch lower(opt)
      case 'triples'
        layout = 0;
      case 'bricks'
        layout = 1;
        if hasval
          e = varargin{i+1};
          i = i + 1;
          if ~isnumeric(e) || ~any(numel(e) == [1 3]) || any(e(:) < 1) || any(e(:) ~= fix(e(:)))
            error('d4m:badArg', 'putFits: ''bricks'' wants an edge E or [ey ex ez] of positive integers');
          end
          e = double(e(:)');
          if numel(e) == 1, e = [e e e]; end
          brick = [e(3) e(1) e(2)];     % the library's z, y, x
        end
      case 'codec'
        if i == numel(varargin) || ~ischar(varargin{i+1})
          error('d4m:badArg', 'putFits: ''codec'' wants ''raw'', ''lz4'' or ''zstd''');
        end
        c = find(strcmpi(varargin{i+1}, {'raw', 'lz4', 'zstd'}));
        if isempty(c)
          error('d4m:badArg', 'putFits: codec is ''raw'', ''lz4'' or ''zstd'', not ''%s''', varargin{i+1});
        end
        codec = c - 1;
        layout = 1;
        i = i + 1;
      case {'overlap', 'hdu'}
        if ~hasval
          error('d4m:badArg', 'putFits: ''%s'' wants a number', opt);
        end
        v = varargin{i+1};
        i = i + 1;
        if ~isnumeric(v) || ~isscalar(v) || v < 0 || v ~= fix(v)
          error('d4m:badArg', 'putFits: ''%s'' wants a non-negative integer', opt);
        end
        if strcmpi(opt, 'overlap')
          overlap = double(v);
          layout = 1;
        else
          if v < 1
            error('d4m:badArg', 'putFits: ''hdu'' counts from 1 (the primary array)');
          end
          hdu = double(v);
        end
      otherwise
        error('d4m:badArg', 'putFits: unknown option ''%s''', opt);
    end
    i = i + 1;
  end
  d4m_mex('vol_ingest', d4m_id(DB), name, files, layout, brick, overlap, codec, hdu);
  V = DBvolume(DB, name);
end
