function ok = tcheck(name, cond, varargin)
% tcheck(name, cond): count a passed or failed check; a failure prints name
% and, if given, sprintf(varargin{:}).
  global D4M_T;
  ok = ~isempty(cond) && all(logical(cond(:)));
  if ok
    D4M_T.pass = D4M_T.pass + 1;
  else
    D4M_T.fail = D4M_T.fail + 1;
    msg = '';
    if ~isempty(varargin)
      msg = [': ' sprintf(varargin{:})];
    end
    printf('FAIL %s / %s%s\n', D4M_T.suite, name, msg);
  end
end
