// query: status
// parameters: none
// returns: empty, unfinished_import
// Whether the database holds no facts, and whether an import began and never finished.

RETURN NOT EXISTS { MATCH (node) WHERE NOT node:UnfinishedImport } AS empty,
       EXISTS { MATCH (:UnfinishedImport) } AS unfinished_import
