% bench_assoc.m - the ops of d4m-bench-assoc through the Octave bindings.
%
%   octave-cli --no-history --eval "addpath('build/bindings/octave'); \
%       addpath('bench/octave'); bench_assoc(1e6)"
%
% bench_assoc(n, ops, reps, min_time, seed): n triples per array (default
% 1e5); ops a cell of op names (default all); reps runs per op (default 3,
% the minimum is reported); an op is repeated past reps until its runs add up
% to min_time seconds (default 1, at most 1000 runs); seed (default 1).
%
% Workload as d4m-bench-assoc: row 'r<k>', col 'c<k>' with k uniform in
% 1..n/10 (row and column drawn independently), values uniform integers
% 1..100 (string-valued ops: the same numbers printed), lists separated by
% ','; a second array B from another seed.  What is timed is the D4M
% expression, conversions included (the input lists are made before; the
% result is kept until the clock stops and freed after).  Each op prints
% one JSON line; at n = 1e6 the line carries the reference (the D4M toolbox
% on Octave 7.3) and the goal of the bindings.
function bench_assoc(n, ops, reps, min_time, seed)
  if nargin < 1, n = 1e5; end
  if nargin < 2 || isempty(ops)
    ops = {'construct', 'construct_sum', 'construct_strval', 'plus', 'plus_strval', ...
           'transpose', 'mtimes_AAt', 'sqout', 'query_startswith', 'query_range', ...
           'query_5keys', 'sum1', 'find'};
  end
  if ischar(ops), ops = strsplit(ops, ','); end
  if nargin < 3, reps = 3; end
  if nargin < 4, min_time = 1; end
  if nargin < 5, seed = 1; end

  ref = struct('construct', 5.08, 'construct_sum', 1.76, 'construct_strval', 5.26, ...
               'plus', 0.32, 'plus_strval', 0.69, 'transpose', 0.019, 'mtimes_AAt', 1.20, ...
               'sqout', 0.76, 'query_startswith', 0.135, 'query_range', 0.130, ...
               'query_5keys', 0.072, 'sum1', 0.003, 'find', 0.31);
  goal = struct('construct', 15, 'construct_sum', 15, 'construct_strval', 15, ...
                'plus', 5, 'plus_strval', 5, 'transpose', 5, 'mtimes_AAt', 2, ...
                'sqout', 2, 'query_startswith', 5, 'query_range', 5, ...
                'query_5keys', 5, 'sum1', 5, 'find', 5);

  [ra, ca, va, vsa] = workload(n, seed);
  [rb, cb, vb, vsb] = workload(n, seed + 1000);
  A = Assoc(ra, ca, va);
  B = Assoc(rb, cb, vb);
  As = Assoc(ra, ca, vsa);
  Bs = Assoc(rb, cb, vsb);
  At = A.';

  for k = 1:numel(ops)
    op = ops{k};
    switch op
      case 'construct',        f = @() Assoc(ra, ca, va);
      case 'construct_sum',    f = @() Assoc(ra, ca, va, @sum);
      case 'construct_strval', f = @() Assoc(ra, ca, vsa);
      case 'plus',             f = @() A + B;
      case 'plus_strval',      f = @() As + Bs;
      case 'transpose',        f = @() A.';
      case 'mtimes_AAt',       f = @() A * At;
      case 'sqout',            f = @() sqOut(A);
      case 'query_startswith', f = @() A(StartsWith('r1,'), :);
      case 'query_range',      f = @() A('r1,:,r2,', :);
      case 'query_5keys',      f = @() A('r1,r22,r333,r4444,r5,', :);
      case 'sum1',             f = @() sum(A, 1);
      case 'find',             f = @() find3(A);
      otherwise
        error('bench_assoc: unknown op %s', op);
    end
    best = inf; runs = 0; total = 0; cnt = 0;
    while runs < reps || (total < min_time && runs < 1000)
      t0 = tic;
      out = f();
      t = toc(t0);
      if isa(out, 'Assoc'), cnt = nnz(out); else, cnt = out; end
      clear out;
      best = min(best, t);
      total = total + t;
      runs = runs + 1;
    end
    la = loadavg();
    line = sprintf('{"bench":"octave-assoc","op":"%s","n":%d,"reps":%d,"seconds":%.6f,"nnz":%d,"loadavg_1m":%.2f,"goal_speedup":%g', ...
                   op, n, runs, best, cnt, la, goal.(op));
    if n == 1e6
      sp = ref.(op) / best;
      line = [line sprintf(',"reference_seconds":%g,"speedup":%.1f,"goal_met":%s', ...
                           ref.(op), sp, tf(sp >= goal.(op)))];
    end
    printf('%s}\n', line);
    fflush(stdout);
  end
end

function n = find3(A)
  [r, c, v] = find(A);
  n = numel(v);
end

function [r, c, v, vs] = workload(n, seed)
  rand('twister', seed);
  m = max(1, floor(n / 10));
  kr = floor(rand(n, 1) * m) + 1;
  kc = floor(rand(n, 1) * m) + 1;
  v = floor(rand(n, 1) * 100) + 1;
  r = sprintf('r%d,', kr);
  c = sprintf('c%d,', kc);
  vs = sprintf('%d,', v);
end

function la = loadavg()
  la = -1;
  fid = fopen('/proc/loadavg', 'r');
  if fid >= 0
    la = fscanf(fid, '%f', 1);
    fclose(fid);
  end
end

function s = tf(b)
  if b, s = 'true'; else, s = 'false'; end
end
