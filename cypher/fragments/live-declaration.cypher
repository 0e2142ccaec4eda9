// fragment: live-declaration
// The Declaration `declaration` stands on $as_of: made by then, and not rejected by then
// (pending or accepted; Declaration.status_on in graph/model.py). A rejection by the person
// it names never takes effect (no one decides about themselves); the declarer's own is their
// withdrawal of it, which does (Declaration.self_decided).
(declaration.declared_on <= $as_of AND NOT coalesce(declaration.status = 'rejected' AND declaration.decided_on <= $as_of AND NOT EXISTS { (declaration)-[:ABOUT]->(:Person {person_id: declaration.decided_by}) }, false))
