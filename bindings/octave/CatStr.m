function s12 = CatStr(s1, sep, s2)
%CATSTR  Item by item concatenation of two D4M string lists with a separator.
%  CatStr('a,b,', '|', 'x;y;') is 'a|x;b|y;': each item ends with the second
%  list's separator.  A list of one item is repeated to the other's length.
  if nargin ~= 3
    error('d4m:nargin', 'CatStr: expects two lists and a separator, e.g. CatStr(''a,'', ''|'', ''x,'')');
  end
  s12 = d4m_mex('catstr', s1, sep, s2);
end
