// query: end-import
// parameters: none
// returns: none
// The import finished: take the mark away.

MATCH (mark:UnfinishedImport)
DELETE mark
