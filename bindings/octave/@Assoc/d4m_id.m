function id = d4m_id(A)
%D4M_ID  The handle id of A's C object (for the DB classes).
  id = A.id;
end
