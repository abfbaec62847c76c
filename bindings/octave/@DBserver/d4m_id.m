function id = d4m_id(DB)
  id = DB.id;
end
