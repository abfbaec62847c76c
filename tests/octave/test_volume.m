function test_volume()
% Volumes: putFits / DBvolume / getAssoc / writeFits over FITS files written
% by tests/fits_gen.c (d4m-test-fits-gen), every type in every layout, as a
% cube and as a stack of slices; exact voxel values; the error cases.
  global D4M_T;
  gen = fullfile(D4M_T.builddir, 'tests', 'd4m-test-fits-gen');
  if ~tcheck('d4m-test-fits-gen is built', exist(gen, 'file') == 2, '%s', gen)
    return;
  end
  dir = fullfile(D4M_T.tmp, 'vol');
  mkdir(dir);
  n0 = d4m_mex('nlive');
  DB = DBserver(fullfile(dir, 'db'), 'rocksdb');
  nx = 7; ny = 5; nz = 4;
  layouts = {{}, 'triples';
             {'bricks', 2}, 'bricks 2 raw';
             {'bricks', [2 3 4], 'codec', 'lz4', 'overlap', 1}, 'bricks 2x3x4 lz4 overlap 1';
             {'bricks', 3, 'codec', 'zstd'}, 'bricks 3 zstd'};
  types = {'u8', 'i16', 'u16', 'i32', 'f32', 'f64'};
  classes = {'uint8', 'int16', 'uint16', 'int32', 'single', 'double'};
  k = 0;
  for ti = 1:numel(types)
    t = types{ti};
    cube = fullfile(dir, [t '.fits']);
    run(gen, 'cube', cube, t, nx, ny, nz);
    prefix = fullfile(dir, [t '_s']);
    run(gen, 'slices', prefix, t, nx, ny, nz);
    slices = arrayfun(@(z) sprintf('%s%03d.fits', prefix, z), 0:nz-1, 'UniformOutput', false);
    [E, absent] = pattern(t, nx, ny, nz);
    tcheck([t ' expected class'], strcmp(class(E), classes{ti}));
    for li = 1:rows(layouts)
      for src = 1:2
        k = k + 1;
        name = sprintf('v%d', k);
        what = sprintf('%s %s %s', t, layouts{li, 2}, ifelse(src == 1, 'cube', 'slices'));
        if src == 1
          V = putFits(DB, name, cube, layouts{li, 1}{:});
        else
          V = putFits(DB, name, slices, layouts{li, 1}{:});
        end
        X = V(:, :, :);
        tcheck([what ': whole volume'], strcmp(class(X), classes{ti}) && isequaln(X, E), ...
               'class %s, size %s', class(X), mat2str(size(X)));
        B = V(2:4, 3:6, 2:3);
        tcheck([what ': box'], strcmp(class(B), classes{ti}) && isequaln(B, E(2:4, 3:6, 2:3)));
        tcheck([what ': one voxel'], isequaln(V(5, 7, 4), E(5, 7, 4)));
        tcheck([what ': a slice'], isequaln(V(:, :, 1), E(:, :, 1)));
        tcheck([what ': one row, ranges as scalars'], isequaln(V(2, 1:7, 3), E(2, 1:7, 3)));
        tcheck([what ': end'], isequaln(V(end-1:end, end, end), E(end-1:end, end, end)));
        teq([what ': size'], size(V), [ny nx nz]);
        if li == 1 || li == 3
          % the Assoc of a box: row (z-1)*ny + y, col x, absent and zero voxels left out
          A = getAssoc(V, 2:5, 1:3, 1:2);
          [yy, xx, zz] = ndgrid(2:5, 1:3, 1:2);
          ev = double(E(2:5, 1:3, 1:2));
          keep = ~absent(2:5, 1:3, 1:2) & ev ~= 0;
          W = Assoc((zz(keep) - 1) * ny + yy(keep), xx(keep), ev(keep));
          teq([what ': getAssoc'], A, W);
          teq([what ': getAssoc nnz'], nnz(A), nnz(keep));
        end
        if li == 1 && src == 1
          s = info(V);
          teq([t ' info Size'], s.Size, [ny nx nz]);
          teq([t ' info Class'], s.Class, classes{ti});
          teq([t ' info DType'], s.DType, t);
          teq([t ' info Layout'], s.Layout, 'triples');
          teq([t ' info Bitpix'], s.Bitpix, [8 16 16 32 -32 -64](ti));
          teq([t ' info Bzero'], s.Bzero, ifelse(strcmp(t, 'u16'), 32768, 0));
          if strcmp(t, 'i16')
            teq('i16 info Blank', s.Blank, -32768);
            teq('i16 info Fill', s.Fill, -32768);
          else
            teq([t ' info no Blank'], isempty(s.Blank), true);
          end
          kw = s.Keywords;
          j = find(strcmp(kw(:, 1), 'OBJECT'));
          tcheck([t ' keyword OBJECT'], numel(j) == 1 && strcmp(kw{j, 2}, 'd4mtest') && ...
                 strcmp(kw{j, 3}, 'test pattern'));
          j = find(strcmp(kw(:, 1), 'EXPTIME'));
          tcheck([t ' keyword EXPTIME'], numel(j) == 1 && isequal(kw{j, 2}, 1.5));
          teq([t ' Cards are 80 wide'], columns(s.Cards), 80);
        end
        if li == 3 && src == 1
          s = info(V);
          teq([t ' bricks info Layout'], s.Layout, 'bricks');
          teq([t ' bricks info Brick (rows cols slices)'], s.Brick, [2 3 4]);
          teq([t ' bricks info Codec'], s.Codec, 'lz4');
          teq([t ' bricks info Overlap'], s.Overlap, 1);
          % a box out as FITS, read back by cfitsio and ingested again
          out = fullfile(dir, [t '_box.fits']);
          writeFits(V, out, 2:4, 3:6, 2:3);
          [st, txt] = system(sprintf('%s dump %s', gen, out));
          L = strsplit(strtrim(txt), "\n");
          tcheck([t ' box FITS dump'], st == 0 && numel(L) == 5 + 3 * 4 * 2, '%s', txt);
          tcheck([t ' box FITS header'], strcmp(L{1}, sprintf('bitpix %d', s.Bitpix)) && ...
                 strcmp(L{3}, 'naxis 3 4 3 2') && strcmp(L{4}, 'object d4mtest') && ...
                 strcmp(L{5}, 'crpix1 8'), '%s', strjoin(L(1:5), ' | '));
          B = double(E(2:4, 3:6, 2:3));
          got = str2double(L(6:end));
          tcheck([t ' box FITS pixels'], isequaln(got, fitsorder(B, absent(2:4, 3:6, 2:3))), ...
                 '%s', mat2str(got));
          W = putFits(DB, [name 'rt'], out);
          tcheck([t ' box FITS round trip'], isequaln(W(:, :, :), E(2:4, 3:6, 2:3)));
          terror([t ' writeFits over an existing file'], @() writeFits(V, out, 1, 1, 1), 'd4m:exists');
        end
        clear V X B A W;
      end
    end
  end

  % A stack of more slices than one call used to have room for (64 names).
  prefix = fullfile(dir, 'many_s');
  run(gen, 'slices', prefix, 'i32', 3, 2, 70);
  slices = arrayfun(@(z) sprintf('%s%03d.fits', prefix, z), 0:69, 'UniformOutput', false);
  V = putFits(DB, 'many', slices);
  teq('70 slices: size', size(V), [2 3 70]);
  tcheck('70 slices: voxels', isequaln(V(:, :, :), pattern('i32', 3, 2, 70)));
  clear V;

  % A 2-D image: two indices; whole-volume writeFits.
  img = fullfile(dir, 'img.fits');
  run(gen, 'cube', img, 'u16', 6, 3, 1);
  V = putFits(DB, 'img', img, 'bricks', 4);
  E = pattern('u16', 6, 3, 1);
  teq('2-D image size', size(V), [3 6 1]);
  tcheck('2-D image, two indices', isequal(V(2:3, 2:5), E(2:3, 2:5)) && strcmp(class(V(1, 1)), 'uint16'));
  tcheck('2-D image, whole', isequal(V(:, :), E));
  tcheck('2-D image, end', isequal(V(end, 2:end), E(end, 2:end)));
  out = fullfile(dir, 'img_all.fits');
  writeFits(V, out);
  [st, txt] = system(sprintf('%s dump %s', gen, out));
  L = strsplit(strtrim(txt), "\n");
  tcheck('2-D image written whole', st == 0 && strcmp(L{3}, 'naxis 2 6 3') && ...
         isequal(str2double(L(6:end)), reshape(double(E).', 1, [])), '%s', txt);
  tcheck('empty box', isequal(size(V(2:1, :)), [0 6]) && strcmp(class(V(2:1, :)), 'uint16'));
  teq('empty box Assoc', nnz(getAssoc(V, 2:1, ':', ':')), 0);
  tcheck('DBvolume opens an existing volume', isequal(DBvolume(DB, 'img')(:, :), E));

  % Errors.
  cube = fullfile(dir, 'i16.fits');
  V = DBvolume(DB, 'v7');
  terror('row 0', @() V(0:2, 1, 1), 'd4m:outOfRange');
  terror('column past the end', @() V(1, 1:nx+1, 1), 'd4m:outOfRange');
  terror('slice past the end', @() V(1, 1, nz+1), 'd4m:outOfRange');
  terror('getAssoc out of range', @() getAssoc(V, 1, 1, 0), 'd4m:outOfRange');
  % far out: beyond 2^53 (where x - 1 == x) and 2^63
  for far = [1e17 2^63 -2^63 1e300 -1e300]
    terror(sprintf('row %g', far), @() V(far, 1, 1), 'd4m:outOfRange');
    terror(sprintf('slice %g', far), @() V(1, 1, far), 'd4m:outOfRange');
    terror(sprintf('getAssoc column %g', far), @() getAssoc(V, 1, far, 1), 'd4m:outOfRange');
    terror(sprintf('mex range %g:%g', far, far), ...
           @() d4m_mex('vol_read', d4m_id(V), [far far 1 1 1 1]), 'd4m:outOfRange');
  end
  terror('range ending two before its start', @() d4m_mex('vol_read', d4m_id(V), [3 1 1 1 1 1]), 'd4m:outOfRange');
  tcheck('empty range after the end', isequal(size(d4m_mex('vol_read', d4m_id(V), [ny+1 ny 1 1 1 1])), [0 1]));
  terror('writeFits out of range', @() writeFits(V, fullfile(dir, 'x.fits'), 1:ny+1, 1, 1), 'd4m:outOfRange');
  tcheck('writeFits out of range leaves no file', ~exist(fullfile(dir, 'x.fits'), 'file'));
  terror('writeFits into a missing folder', @() writeFits(V, fullfile(dir, 'no', 'x.fits'), 1, 1, 1), 'd4m:fits');
  terror('non-contiguous index', @() V([1 3], 1, 1), 'd4m:badArg');
  terror('descending index', @() V(3:-1:1, 1, 1), 'd4m:badArg');
  terror('fractional index', @() V(1.5, 1, 1), 'd4m:badArg');
  terror('NaN index', @() V(NaN, 1, 1), 'd4m:badArg');
  terror('cell index', @() V({1}, 1, 1), 'd4m:badArg');
  terror('text index', @() V('a', 1, 1), 'd4m:badArg');
  terror('two indices of a 3-D volume', @() V(1, 1), 'd4m:badArg');
  terror('four indices', @() V(1, 1, 1, 1), 'd4m:badArg');
  terror('field access', @() V.name, 'd4m:badArg');
  terror('mex box of 5 numbers', @() d4m_mex('vol_read', d4m_id(V), [1 1 1 1 1]), 'd4m:badArg');
  terror('mex made-up volume handle', @() d4m_mex('vol_read', uint64(77), [1 1 1 1 1 1]), 'd4m:badHandle');
  terror('mex Assoc handle as volume', @() d4m_mex('vol_info', d4m_id(Assoc('a ', 'b ', 1))), 'd4m:badHandle');
  terror('mex volume handle as Assoc', @() d4m_mex('nnz', d4m_id(V)), 'd4m:badHandle');
  T = DB('plain');
  put(T, Assoc('a ', 'b ', 1));
  terror('a table that is no volume', @() DBvolume(DB, 'plain'), 'd4m:notfound');
  terror('no such table', @() DBvolume(DB, 'nothere'), 'd4m:notfound');
  terror('putFits over an existing table', @() putFits(DB, 'plain', cube), 'd4m:exists');
  terror('putFits of a missing file', @() putFits(DB, 'bad1', fullfile(dir, 'missing.fits')), 'd4m:fits');
  bad = fullfile(dir, 'trunc.fits');
  f = fopen(cube, 'r'); b = fread(f, Inf, 'uint8=>uint8'); fclose(f);
  f = fopen(bad, 'w'); fwrite(f, b(1:3000)); fclose(f);
  terror('putFits of a truncated file', @() putFits(DB, 'bad2', bad), 'd4m:fits');
  other = fullfile(dir, 'other.fits');
  run(gen, 'cube', other, 'i16', nx + 1, ny, 1);
  terror('putFits of slices that disagree', @() putFits(DB, 'bad3', {fullfile(dir, 'i16_s000.fits'), other}), 'd4m:fits');
  terror('putFits of a stack with a missing slice file', @() putFits(DB, 'bad4', {fullfile(dir, 'i16_s000.fits'), fullfile(dir, 'nope.fits')}, 'bricks', 2), 'd4m:fits');
  names = ls(DB);
  tcheck('failed ingests leave no table', isempty(strfind(names, 'bad')), '%s', names);
  terror('putFits files not text', @() putFits(DB, 'bad5', 42), 'd4m:badArg');
  terror('putFits files cell with a number', @() putFits(DB, 'bad5', {cube, 3}), 'd4m:badArg');
  terror('putFits empty cell', @() putFits(DB, 'bad5', {}), 'd4m:badArg');
  terror('putFits bad codec', @() putFits(DB, 'bad5', cube, 'codec', 'gzip'), 'd4m:badArg');
  terror('putFits brick 0', @() putFits(DB, 'bad5', cube, 'bricks', 0), 'd4m:badArg');
  terror('putFits brick of 2 edges', @() putFits(DB, 'bad5', cube, 'bricks', [2 2]), 'd4m:badArg');
  terror('putFits negative overlap', @() putFits(DB, 'bad5', cube, 'overlap', -1), 'd4m:badArg');
  terror('putFits hdu 0', @() putFits(DB, 'bad5', cube, 'hdu', 0), 'd4m:badArg');
  terror('putFits hdu 2 of a one-HDU file', @() putFits(DB, 'bad5', cube, 'hdu', 2), 'd4m:fits');
  terror('putFits unknown option', @() putFits(DB, 'bad5', cube, 'colour', 1), 'd4m:badArg');
  terror('putFits empty name', @() putFits(DB, '', cube), 'd4m:badArg');
  terror('DBvolume without a DBserver', @() DBvolume(42, 'v1'), 'd4m:badArg');
  names = ls(DB);
  tcheck('bad arguments leave no table', isempty(strfind(names, 'bad')), '%s', names);
  RO = DBserver(fullfile(dir, 'db'), 'rocksdb', 'readonly');
  terror('putFits into a read-only database', @() putFits(RO, 'bad6', cube), 'd4m:inval');
  tcheck('read-only database reads a volume', isequal(DBvolume(RO, 'img')(:, :), E));
  clear RO;

  % Closed handles: a dropped volume, a closed database.
  W = DBvolume(DB, 'v1');
  W2 = W;
  deleteForce(W);
  terror('read of a dropped volume', @() W2(1, 1, 1), 'd4m:badHandle');
  terror('reopen of a dropped volume', @() DBvolume(DB, 'v1'), 'd4m:notfound');
  U = DBvolume(DB, 'v2');
  T2 = DB('v2');
  teq('a triples volume is a table (zeros stored)', nnz(T2), nx * ny * nz);
  teq('its triples', T2('8,', :), Assoc(8, 1:nx, double(mod(1 * 50 + 2 * 7 + (0:nx-1), 256))));
  deleteForce(T2);
  terror('read of a volume whose table was dropped as a DBtable', @() U(1, 1, 1), 'd4m:badHandle');
  teq('the other volumes stay', double(DBvolume(DB, 'v4')(1, 1, 1)), 0);
  D2 = DBserver(fullfile(dir, 'db2'), 'rocksdb');
  id = d4m_id(D2);
  clear D2;
  terror('putFits into a closed database', @() d4m_mex('vol_ingest', id, 'x', cube, 0, [0 0 0], 0, 0, 0), 'd4m:badHandle');
  terror('open a volume of a closed database', @() d4m_mex('vol_open', id, 'x'), 'd4m:badHandle');
  clear V W W2 T T2 U DB ans;
  teq('no C objects left', d4m_mex('nlive'), n0);
end

function run(gen, varargin)
  args = cellfun(@(a) num2str(a), varargin, 'UniformOutput', false);
  [st, out] = system(sprintf('%s %s 2>&1', gen, strjoin(args, ' ')));
  if st ~= 0
    error('test:gen', 'd4m-test-fits-gen %s: %s', strjoin(args, ' '), out);
  end
end

function [E, absent] = pattern(t, nx, ny, nz)
% The values of tests/fits_gen.c as the array V(:, :, :) must return (rows
% y, columns x, slices z), absent voxels as the fill value.
  [Y, X, Z] = ndgrid(0:ny-1, 0:nx-1, 0:nz-1);
  absent = false(size(X));
  switch t
    case 'u8'
      E = uint8(mod(Z * 50 + Y * 7 + X, 256));
    case 'i16'
      E = Z * 1000 + Y * 30 + X - 500;
      absent = X == 1 & Y == 0 & Z == 0;
      E(absent) = -32768;
      E = int16(E);
    case 'u16'
      E = uint16(40000 + Z * 1000 + Y * 30 + X);
    case 'i32'
      E = int32(Z * 100000 + Y * 300 + X - 7);
    case 'f32'
      E = single(Z + Y / 8 + X / 64);
      absent = X == 2 & Y == 1 & Z == 0;
      E(absent) = NaN;
    case 'f64'
      E = Z * 1000.5 + Y / 4 + X;
  end
end

function v = fitsorder(B, absent)
% The box's pixels in FITS order (x fastest, then y, then z), NaN if absent.
  B(absent) = NaN;
  v = reshape(permute(B, [2 1 3]), 1, []);
end

function r = ifelse(c, a, b)
  if c, r = a; else, r = b; end
end
