function id = d4m_id(V)
  id = V.id;
end
