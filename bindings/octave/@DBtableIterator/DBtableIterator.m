function Ti = DBtableIterator(T, n)
%DBTABLEITERATOR  Made by Iterator(T, 'elements', n).  The C iterator lives
%  in a D4MHandle shared by all copies of Ti, so A = Ti() advances it.
  s.T = T;
  s.n = n;
  s.st = D4MHandle(uint64(0));
  s.sep = char([10 10 10]);
  Ti = class(s, 'DBtableIterator');
end
