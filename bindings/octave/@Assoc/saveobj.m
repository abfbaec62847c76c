function s = saveobj(A)
%SAVEOBJ  save stores the triples (lists with a separator no key uses) and
%  rebuilds the C object on load.
  [r, c, v, sep] = d4m_mex('triples', A.id);
  s = struct('d4m_assoc', 1, 'row', r, 'col', c, 'val', v, 'listsep', sep, 'sep', A.sep);
end
