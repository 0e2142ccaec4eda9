// query: clear-edges
// parameters: $batch_size
// returns: none
// Delete every edge, committing every $batch_size edges so that no one transaction holds
// the whole database; store/clear then deletes the nodes. Edges first, because a school's
// node alone has an edge for every membership. One pass over the database (a loop of
// `LIMIT` batches would scan again past everything deleted before). Run in an auto-commit
// transaction.

MATCH ()-[edge]->()
CALL (edge) {
  DELETE edge
} IN TRANSACTIONS OF $batch_size ROWS
