// query: remove-connection
// parameters: $connection_id
// returns: removed
// Forget one connection; `removed` says whether there was one.

OPTIONAL MATCH ()-[connection:CONNECTS_WITH {connection_id: $connection_id}]->()
DELETE connection
RETURN connection IS NOT NULL AS removed
