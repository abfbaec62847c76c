function B = wrap(A, id)
% The Assoc of a new C object id, with A's separators.
  B = Assoc(D4MHandle(id), A.sep, id);
end
