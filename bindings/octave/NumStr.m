function n = NumStr(s)
%NUMSTR  The number of items of a D4M string list (its last character is the
%  separator): NumStr('a,b,c,') is 3.
  if nargin ~= 1
    error('d4m:nargin', 'NumStr: expects one list');
  end
  n = d4m_mex('numstr', s);
end
