function id = d4m_id(T)
  id = T.id;
end
