classdef D4MHandle < handle
  % D4MHandle: owns one C object of the d4m MEX module (an Assoc, a
  % database, a table or an iterator), named by a uint64 id.  Octave calls
  % delete() when the last reference to the handle goes away, and delete()
  % frees the C object: so A = A + B in a loop frees each old A at once.
  % Copies of an Assoc share one D4MHandle (the C object is immutable).
  properties (SetAccess = private)
    id = uint64(0);
  end
  methods
    function obj = D4MHandle(id)
      if nargin > 0
        obj.id = id;
      end
    end
    function i = getid(obj)
      i = obj.id;
    end
    function reset(obj, id)
      % Free the current object and hold id instead (iterators).
      old = obj.id;
      obj.id = id;
      if old ~= 0
        d4m_mex('free', old);
      end
    end
    function delete(obj)
      if obj.id ~= 0
        d4m_mex('free', obj.id);
        obj.id = uint64(0);
      end
    end
  end
end
