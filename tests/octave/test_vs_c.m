function test_vs_c()
% The bindings and the C library agree on the same inputs: random arrays are
% written as TSV, each op is computed through the bindings and by c_ref.c
% (the C API called directly), and the two TSV outputs must be identical.
  global D4M_T;
  here = fileparts(mfilename('fullpath'));
  bd = D4M_T.builddir;
  if isempty(bd) || ~exist(fullfile(bd, 'libd4m.so'), 'file')
    tcheck('build dir with libd4m.so given to run_tests', false, '%s', bd);
    return;
  end
  exe = fullfile(D4M_T.tmp, 'c_ref');
  cmd = sprintf('cc -O1 -o %s %s -I%s -L%s -ld4m -Wl,-rpath,%s 2>&1', exe, ...
                fullfile(here, 'c_ref.c'), fullfile(here, '..', '..', 'include'), bd, bd);
  [st, out] = system(cmd);
  if ~tcheck('compile c_ref.c', st == 0, '%s', out)
    return;
  end
  fa = fullfile(D4M_T.tmp, 'A.tsv');
  fb = fullfile(D4M_T.tmp, 'B.tsv');
  fo = fullfile(D4M_T.tmp, 'oct.tsv');
  fc = fullfile(D4M_T.tmp, 'c.tsv');
  rand('twister', 7);
  for trial = 1:3
    n = 300 * trial;
    A = Assoc(sprintf('r%d,', randi(40, n, 1)), sprintf('c%d,', randi(30, n, 1)), randi(100, n, 1), @sum);
    B = Assoc(sprintf('r%d,', randi(40, n, 1)), sprintf('c%d,', randi(30, n, 1)), randi(100, n, 1));
    Bt = Assoc(sprintf('c%d,', randi(30, n, 1)), sprintf('k%d,', randi(20, n, 1)), randi(9, n, 1));
    WriteTSV(A, fa);
    ops = {'plus', @() A + B; 'minus', @() A - B; 'and', @() A & B; 'or', @() A | B;
           'times', @() A .* B; 'transpose', @() A.'; 'sqin', @() sqIn(A);
           'sqout', @() sqOut(A); 'sum1', @() sum(A, 1); 'sum2', @() sum(A, 2);
           'max1', @() max(A, [], 1); 'min2', @() min(A, [], 2); 'gt50', @() A > 50;
           'mtimes', @() A * Bt; 'catkeymul', @() CatKeyMul(A, Bt)};
    for k = 1:rows(ops)
      op = ops{k, 1};
      if any(strcmp(op, {'mtimes', 'catkeymul'}))
        WriteTSV(Bt, fb);
      else
        WriteTSV(B, fb);
      end
      R = ops{k, 2}();
      WriteTSV(R, fo);
      [st, out] = system(sprintf('%s %s %s %s %s 2>&1', exe, op, fa, fb, fc));
      same = st == 0 && strcmp(fileread(fo), fileread(fc)) && (nnz(R) == 0 || ~isempty(fileread(fc)));
      tcheck(sprintf('%s agrees with C (trial %d)', op, trial), same, '%s', out);
    end
    for q = {'r1,:,r2,', 'r3* ', 'r10,r20,r5,', 'r15,:,end,'}
      R = A(q{1}, :);
      WriteTSV(R, fo);
      [st, out] = system(sprintf('%s query %s %s %s ''%s'' 2>&1', exe, fa, fa, fc, q{1}));
      tcheck(sprintf('query %s agrees with C (trial %d)', q{1}, trial), ...
             st == 0 && strcmp(fileread(fo), fileread(fc)), '%s', out);
    end
  end
end
