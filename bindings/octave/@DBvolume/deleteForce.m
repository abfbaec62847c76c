function deleteForce(V)
%DELETEFORCE  Delete the volume's table and everything in it.  Every open
%  handle of the table (volumes, DBtables) stops working.
  d4m_mex('vol_drop', V.id);
end
