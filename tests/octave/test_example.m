function test_example()
% Runs example_edges.m (a D4M-style script) and checks its results exactly.
  global D4M_T;
  here = fileparts(mfilename('fullpath'));
  d4m_example_dbdir = fullfile(D4M_T.tmp, 'exampledb');
  old = cd(fullfile(here, 'data'));
  unwind_protect
    example_edges;
  unwind_protect_cleanup
    cd(old);
  end_unwind_protect

  teq('E size', size(E), [5 5]);
  teq('E nnz', nnz(E), 15);
  teq('Ev', Ev, Assoc('B1,B1,B2,B2,O1,O1,O2,O2,G1,G1,', 'V01,V02,V02,V03,V01,V03,V03,V04,V01,V04,', 1));
  teq('Av = sqIn(Ev)', Av, Assoc('V01,V01,V01,V01,V02,V02,V02,V03,V03,V03,V03,V04,V04,V04,', ...
                                 'V01,V02,V03,V04,V01,V02,V03,V01,V02,V03,V04,V01,V03,V04,', ...
                                 [3 1 1 1 1 2 1 1 1 3 1 1 1 2]));
  teq('Ae diagonal', Adj(diag(Ae)), sparse(diag([2 2 2 2 2])));
  teq('VertDeg', VertDeg, Assoc(1, 'V01,V02,V03,V04,', [3 2 3 2]));
  teq('Blue', Row(Blue), 'B1,B2,');
  teq('EvBlue', Row(EvBlue), 'B1,B2,');
  teq('EdgeList V01-V04', Val(EdgeList('V01,', 'V04,')), 'G1;,');
  teq('EdgeList V01-V01', Val(EdgeList('V01,', 'V01,')), 'B1;G1;O1;,');
  teq('V01 from the pair', V01, Assoc('B1,G1,O1,', 'V01,', '1,'));
  teq('Orange', Orange, Assoc('O1,O1,O1,O2,O2,O2,', 'Color,V01,V03,Color,V03,V04,', 'Orange,1,1,Orange,1,1,'));
  teq('Deg with combiner', Deg, Assoc('V01,V02,V03,V04,', 'Degree,', [3 2 3 2]));
  teq('iterator chunks', chunks, [4 4 4 3]);
  teq('table nnz', nnz(Tedge), 15);
end
