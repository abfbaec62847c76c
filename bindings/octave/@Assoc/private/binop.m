function C = binop(cmd, A, B, opname)
% C = A op B for two Assocs.
  if ~isa(A, 'Assoc') || ~isa(B, 'Assoc')
    error('d4m:badArg', '%s: both operands must be Assoc (got %s and %s)', opname, class(A), class(B));
  end
  id = d4m_mex(cmd, A.id, B.id);
  C = Assoc(D4MHandle(id), A.sep, id);
end
