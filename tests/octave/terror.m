function ok = terror(name, f, id)
% terror(name, f, id): f() must raise an error whose identifier is id.
  try
    f();
    ok = tcheck(name, false, 'no error (expected %s)', id);
  catch err
    ok = tcheck(name, strcmp(err.identifier, id), 'error %s "%s" (expected %s)', ...
                err.identifier, err.message, id);
  end
end
