function deleteForce(T)
%DELETEFORCE  Delete the table (with its transpose and degree tables) and all
%  its triples.  Every open handle of the table stops working.
  d4m_mex('table_drop', T.id);
end
