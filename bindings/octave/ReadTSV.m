function A = ReadTSV(fname)
%READTSV  Read "row<TAB>col<TAB>value" lines into an Assoc.
  if nargin ~= 1 || ~ischar(fname)
    error('d4m:badArg', 'ReadTSV: expects a file name');
  end
  A = Assoc(D4MHandle(d4m_mex('readtsv', fname)), char([10 10 10]));
end
