function A = subsasgn(A, s, v)
%SUBSASGN  Not supported: an Assoc is built, not assigned into.
  error('d4m:badArg', 'Assoc: assignment into an Assoc is not supported; build a new one (Assoc, +, putVal)');
end
