// query: clear
// parameters: $batch_size
// returns: none
// Delete every node (after store/clear-edges, it has no edges left to delete but those a
// writer drew since), all but the mark of an unfinished import and the count of writes
// (which goes on counting), committing every $batch_size nodes, in one pass over the nodes.
// Run in an auto-commit transaction.

MATCH (node)
WHERE NOT node:UnfinishedImport AND NOT node:FactsVersion
CALL (node) {
  DETACH DELETE node
} IN TRANSACTIONS OF $batch_size ROWS
