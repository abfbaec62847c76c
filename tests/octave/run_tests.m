function nfail = run_tests(builddir)
% run_tests(builddir): every tests/octave/test_*.m, each a function taking a
% test context t (see tcheck/terror).  Prints "N passed, M failed" last and
% returns M (CTest runs: exit(run_tests(...))).
  if nargin < 1
    builddir = '';
  end
  global D4M_T;
  D4M_T = struct('pass', 0, 'fail', 0, 'builddir', builddir, ...
                 'tmp', tempname(), 'suite', '');
  mkdir(D4M_T.tmp);
  here = fileparts(mfilename('fullpath'));
  files = dir(fullfile(here, 'test_*.m'));
  names = sort({files.name});
  for k = 1:numel(names)
    [~, fn] = fileparts(names{k});
    D4M_T.suite = fn;
    try
      feval(fn);
    catch err
      D4M_T.fail = D4M_T.fail + 1;
      printf('FAIL %s: uncaught error %s: %s\n', fn, err.identifier, err.message);
      for s = err.stack(:)'
        printf('    at %s line %d\n', s.name, s.line);
      end
    end
  end
  live = d4m_mex('nlive');
  try
    confirm_recursive_rmdir(false);
  catch
  end
  rmdir(D4M_T.tmp, 's');
  printf('(%d C objects still live at the end)\n', live);
  printf('%d passed, %d failed\n', D4M_T.pass, D4M_T.fail);
  nfail = D4M_T.fail;
end
