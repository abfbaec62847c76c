function test_errors()
% Bad arguments give Octave errors with d4m:... identifiers; nothing crashes.
  A = Assoc('a b ', 'x y ', [1 2]);

  terror('no arguments', @() Assoc(), 'd4m:nargin');
  terror('two arguments', @() Assoc('a ', 'b '), 'd4m:nargin');
  R = Assoc('e1,e2,', 'Color,Color,', 'red,blue,');
  terror('col2type of a column without the separator', @() col2type(R, '|'), 'd4m:key');
  terror('val2col with an empty separator', @() val2col(R, ''), 'd4m:sep');
  terror('val2col with a number for separator', @() val2col(R, 3), 'd4m:badArg');
  terror('val2col with a char matrix', @() val2col(R, ['||'; '||']), 'd4m:badArg');
  terror('val2col without separator', @() val2col(R), 'd4m:nargin');
  terror('col2type of numeric columns', @() col2type(noCol(R), '|'), 'd4m:key');
  terror('collide function returning a complex number', ...
         @() Assoc('a,a,', 'b,b,', [1 2], @(x, y) 1 + 2i), 'd4m:callback');
  % a save picks a separator no key holds and that can end a list
  K = Assoc({char([1:41 43:47 58:64 91:96 123:255])}, {'x'}, 1);
  teq('save and load with keys of almost every byte', Assoc(saveobj(K)), K);
  terror('CatStr lengths', @() CatStr('a,b,', '|', 'x,y,z,'), 'd4m:length');
  terror('CatStr separator of two characters', @() CatStr('a,', '||', 'x,'), 'd4m:badArg');
  terror('CatStr empty list', @() CatStr('', '|', 'x,'), 'd4m:sep');
  terror('CatStr number', @() CatStr(1, '|', 'x,'), 'd4m:badArg');
  terror('SplitStr item without separator', @() SplitStr('a|x,b,', '|'), 'd4m:key');
  terror('SplitStr arguments', @() SplitStr('a|x,'), 'd4m:nargin');
  terror('NumStr of a cell', @() NumStr({'a,'}), 'd4m:badArg');
  terror('length mismatch', @() Assoc('a b ', 'x ', [1 2 3]), 'd4m:length');
  terror('NaN value', @() Assoc('a ', 'x ', NaN), 'd4m:value');
  terror('Inf value', @() Assoc('a ', 'x ', Inf), 'd4m:value');
  terror('position 0', @() Assoc([0 1], 1, 1), 'd4m:key');
  terror('fractional position', @() Assoc(1.5, 1, 1), 'd4m:key');
  terror('huge position', @() Assoc(1e300, 1, 1), 'd4m:key');
  terror('negative position', @() Assoc(-3, 1, 1), 'd4m:key');
  terror('list without separator', @() Assoc('abc', 'x ', 1), 'd4m:sep');
  terror('bad collide string', @() Assoc('a ', 'x ', 1, 'bogus'), 'd4m:badArg');
  terror('bad collide type', @() Assoc('a ', 'x ', 1, 42), 'd4m:badArg');
  terror('sum of strings', @() Assoc('a a ', 'x x ', 'p q ', @sum), 'd4m:valkind');
  terror('collide function fails', @() Assoc('a a ', 'x x ', [1 2], @(a, b) error('boom')), 'd4m:callback');
  terror('collide function returns text', @() Assoc('a a ', 'x x ', [1 2], @(a, b) 'str'), 'd4m:callback');
  terror('cell with a number', @() Assoc({1}, 'x ', 1), 'd4m:badArg');
  terror('struct row', @() Assoc(struct('a', 1), 'x ', 1), 'd4m:badArg');
  terror('complex values', @() Assoc('a ', 'x ', 1 + 2i), 'd4m:badArg');
  terror('char matrix', @() Assoc(['ab '; 'cd '], 'x ', 1), 'd4m:badArg');
  terror('numeric matrix', @() Assoc(ones(2), 1, 1), 'd4m:badArg');
  terror('sparse values', @() Assoc('a ', 'x ', sparse(1)), 'd4m:badArg');
  terror('Assoc as key', @() Assoc(A, 'x ', 1), 'd4m:badArg');

  terror('three indices', @() A('a ', :, 3), 'd4m:badArg');
  terror('one index', @() A('a '), 'd4m:badArg');
  terror('field access', @() A.row, 'd4m:badArg');
  terror('brace index', @() A{1}, 'd4m:badArg');
  terror('position 0 query', @() A(0, :), 'd4m:badArg');
  terror('fractional position query', @() A(1.5, :), 'd4m:badArg');
  terror('NaN position query', @() A(NaN, :), 'd4m:badArg');
  terror('empty query string', @() A('', :), 'd4m:badArg');
  terror('query of wrong type', @() A({1}, :), 'd4m:badArg');
  terror('StartsWith without argument', @() StartsWith(), 'd4m:badArg');
  terror('StartsWith of a number', @() StartsWith(3), 'd4m:badArg');
  terror('bad struct query', @() A(struct('x', 1), :), 'd4m:badArg');
  terror('assignment', @() subsasgn(A, substruct('()', {1, 1}), 3), 'd4m:badArg');

  terror('Assoc + number', @() A + 1, 'd4m:badArg');
  terror('number - Assoc', @() 1 - A, 'd4m:badArg');
  terror('Assoc & text', @() A & 'x', 'd4m:badArg');
  terror('Assoc == Assoc', @() A == A, 'd4m:badArg');
  terror('Assoc == vector', @() A == [1 2], 'd4m:badArg');
  terror('Assoc .* vector', @() A .* [1 2], 'd4m:badArg');
  terror('Assoc ./ 0', @() A ./ 0, 'd4m:value');
  terror('number ./ Assoc', @() 2 ./ A, 'd4m:badArg');
  terror('sum dim 3', @() sum(A, 3), 'd4m:badArg');
  terror('max of two arrays', @() max(A, A), 'd4m:badArg');
  terror('str2num of words', @() str2num(Assoc('a ', 'x ', 'hello ')), 'd4m:value');
  terror('putRow wrong count', @() putRow(A, 'p '), 'd4m:length');
  terror('putAdj wrong size', @() putAdj(A, sparse(3, 3)), 'd4m:badArg');
  terror('putAdj text', @() putAdj(A, 'ab'), 'd4m:badArg');
  terror('NewSep two chars', @() NewSep(A, ',;'), 'd4m:badArg');
  terror('ReadCSV missing file', @() ReadCSV('/nonexistent/d4m/x.csv'), 'd4m:io');
  terror('WriteCSV to a bad path', @() WriteCSV(A, '/nonexistent/d4m/x.csv'), 'd4m:io');

  % The MEX gateway itself: wrong counts, types, freed and foreign handles.
  terror('mex no arguments', @() d4m_mex(), 'd4m:nargin');
  terror('mex numeric command', @() d4m_mex(42), 'd4m:nargin');
  terror('mex unknown command', @() d4m_mex('nope'), 'd4m:badArg');
  terror('mex missing argument', @() d4m_mex('nnz'), 'd4m:nargin');
  terror('mex extra argument', @() d4m_mex('nnz', d4m_id(A), 1), 'd4m:nargin');
  terror('mex made-up handle', @() d4m_mex('nnz', uint64(12345)), 'd4m:badHandle');
  Z = Assoc('a b ', 'x y ', [1 2]);
  for bad = {NaN, Inf, -1, 256, 1e300, 0.5}
    terror(sprintf('mex keys separator %g', bad{1}), @() d4m_mex('keys', d4m_id(Z), 1, bad{1}), 'd4m:badArg');
    terror(sprintf('mex vals separator %g', bad{1}), @() d4m_mex('vals', d4m_id(Z), bad{1}), 'd4m:badArg');
  end
  teq('mex keys separator as a character', d4m_mex('keys', d4m_id(Z), 2, ';'), 'x;y;');
  terror('mex double handle', @() d4m_mex('nnz', double(d4m_id(A))), 'd4m:badHandle');
  terror('mex text handle', @() d4m_mex('transpose', 'abc'), 'd4m:badHandle');
  terror('mex handle vector', @() d4m_mex('nnz', [d4m_id(A) d4m_id(A)]), 'd4m:badHandle');
  id = d4m_mex('build', 'a ', 'x ', 1);
  teq('mex raw build', d4m_mex('nnz', id), 1);
  d4m_mex('free', id);
  terror('mex freed handle', @() d4m_mex('nnz', id), 'd4m:badHandle');
  d4m_mex('free', id);   % freeing twice is harmless
  tcheck('freed handle is not valid', ~d4m_mex('isvalid', id));
  id2 = d4m_mex('build', 'a ', 'x ', 1);   % reuses the slot with a new generation
  terror('mex stale handle of a reused slot', @() d4m_mex('nnz', id), 'd4m:badHandle');
  forged = bitxor(id2, bitshift(uint64(1), 24));
  terror('mex forged generation', @() d4m_mex('nnz', forged), 'd4m:badHandle');
  forged = bitxor(id2, bitshift(uint64(1), 50));
  terror('mex forged tag', @() d4m_mex('nnz', forged), 'd4m:badHandle');
  d4m_mex('free', id2);
  db = DBserver(fullfile(tdir(), 'errdb'), 'rocksdb');
  terror('mex database handle as Assoc', @() d4m_mex('nnz', d4m_id(db)), 'd4m:badHandle');
  terror('mex Assoc handle as table', @() d4m_mex('table_nnz', d4m_id(A)), 'd4m:badHandle');
  clear db;

  % Large and odd inputs.
  n = 2e6;
  B = Assoc(sprintf('r%d,', mod(0:n-1, 1000)), sprintf('c%d,', 0:n-1), 1);
  teq('2e6 triples', nnz(B), n);
  teq('2e6 triples rows', size(B, 1), 1000);
  clear B;
  long = [repmat('k', 1, 1e6) ' '];
  teq('a key of 1e6 bytes', numel(Row(Assoc(long, 'x ', 1))), 1e6 + 1);
  nul = ['a' char(0) 'b '];
  teq('a key holding NUL', Row(Assoc(nul, 'x ', 1)), nul);
  teq('2^53 is the largest position', size(Assoc(2^53, 1, 1), 1), 2^53);
  terror('above 2^53', @() Assoc(2^53 + 2, 1, 1), 'd4m:key');
  teq('int32 values converted', Adj(Assoc('a ', 'x ', int32(7))), sparse(7));
  teq('logical values converted', Adj(Assoc('a ', 'x ', true)), sparse(1));
end

function d = tdir()
  global D4M_T;
  d = D4M_T.tmp;
end
