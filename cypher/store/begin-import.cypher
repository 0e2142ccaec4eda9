// query: begin-import
// parameters: $started_at
// returns: none
// Mark the database as being imported into; the mark goes only when the import finishes,
// so a crash in the middle leaves it for the next reader to see.

MERGE (mark:UnfinishedImport)
SET mark.started_at = $started_at
