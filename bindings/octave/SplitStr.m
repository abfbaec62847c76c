function [s1, s2] = SplitStr(s12, sep)
%SPLITSTR  The inverse of CatStr: each item split at its first separator.
%  [s1, s2] = SplitStr('a|x,b|y,', '|') gives 'a,b,' and 'x,y,'.  An item
%  without the separator is an error (d4m:key).
  if nargin ~= 2
    error('d4m:nargin', 'SplitStr: expects a list and a separator, e.g. SplitStr(''a|x,'', ''|'')');
  end
  [s1, s2] = d4m_mex('splitstr', s12, sep);
end
