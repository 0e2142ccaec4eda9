// query: status
// parameters: none
// returns: empty, unfinished_import, version
// Whether the database holds no facts, whether an import began and never finished, and
// how many writes the facts have had (cypher/store/version.cypher).

OPTIONAL MATCH (mark:FactsVersion {id: 0})
RETURN NOT EXISTS { MATCH (node) WHERE NOT node:UnfinishedImport AND NOT node:FactsVersion } AS empty,
       EXISTS { MATCH (:UnfinishedImport) } AS unfinished_import,
       coalesce(mark.version, 0) AS version
