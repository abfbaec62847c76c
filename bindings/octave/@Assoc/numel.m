function n = numel(A, varargin)
%NUMEL  Rows times columns (as D4M).  With index arguments (Octave asks when
%  indexing) 1: A(...) is one Assoc.
  if nargin > 1
    n = 1;
  else
    s = size(A);
    n = s(1) * s(2);
  end
end
