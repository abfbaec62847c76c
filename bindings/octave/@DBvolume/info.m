function s = info(V)
%INFO  s = info(V): the volume's description.  Size [ny nx nz] (rows, cols,
%  slices), Class (of the arrays V(...) returns), DType ('u16', 'f32', ...),
%  Layout ('triples' or 'bricks'), Brick [by bx bz], Overlap, Codec ('raw',
%  'lz4', 'zstd'; '' for triples), Bitpix, Bscale, Bzero, Blank ([] if none),
%  Fill (what absent voxels read as), ApproxBytes, Cards (the kept header
%  cards, one 80-character row each) and Keywords (a cell array of
%  {name, value, comment} rows, as fitsinfo's).
  s = d4m_mex('vol_info', V.id);
  n = rows(s.Cards);
  kw = cell(n, 3);
  for i = 1:n
    [kw{i, 1}, kw{i, 2}, kw{i, 3}] = parsecard(s.Cards(i, :));
  end
  s.Keywords = kw;
end

function [name, val, comment] = parsecard(c)
  name = strtrim(c(1:8));
  val = [];
  comment = '';
  if numel(c) < 10 || ~strcmp(c(9:10), '= ')
    comment = strtrim(c(9:end));
    return;
  end
  r = c(11:end);
  t = strtrim(r);
  if ~isempty(t) && t(1) == ''''
    k = find(r == '''', 1);
    v = '';
    i = k + 1;
    while i <= numel(r)
      if r(i) == ''''
        if i < numel(r) && r(i+1) == ''''
          v(end+1) = '''';
          i = i + 2;
          continue;
        end
        break;
      end
      v(end+1) = r(i);
      i = i + 1;
    end
    val = deblank(v);
    rest = r(i+1:end);
  else
    rest = r;
    k = find(r == '/', 1);
    if isempty(k)
      vs = strtrim(r);
      rest = '';
    else
      vs = strtrim(r(1:k-1));
      rest = r(k:end);
    end
    if strcmp(vs, 'T')
      val = true;
    elseif strcmp(vs, 'F')
      val = false;
    else
      val = str2double(vs);
      if isnan(val) && ~strcmpi(vs, 'nan')
        val = vs;
      end
    end
  end
  k = find(rest == '/', 1);
  if ~isempty(k)
    comment = strtrim(rest(k+1:end));
  end
end
