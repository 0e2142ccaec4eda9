// query: clear
// parameters: $batch_size
// returns: deleted
// Delete up to $batch_size nodes with their edges, all but the mark of an unfinished
// import and the count of writes (which goes on counting); run again until it deletes none, so that no one transaction holds the whole
// database.

MATCH (node)
WHERE NOT node:UnfinishedImport AND NOT node:FactsVersion
WITH node LIMIT $batch_size
DETACH DELETE node
RETURN count(*) AS deleted
