function out = ls(DB)
%LS  The table names, a space-separated list (printed when no output is asked).
  names = d4m_mex('db_ls', DB.id, double(' '));
  if nargout == 0
    printf('%s\n', strtrim(names));
  else
    out = names;
  end
end
