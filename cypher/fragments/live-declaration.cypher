// fragment: live-declaration
// The Declaration `declaration` stands on $as_of: made by then, and not rejected by then
// (pending or accepted; Declaration.status_on in graph/model.py).
(declaration.declared_on <= $as_of AND NOT coalesce(declaration.status = 'rejected' AND declaration.decided_on <= $as_of, false))
