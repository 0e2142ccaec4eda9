// query: last-reach
// parameters: none
// returns: version, last_reach
// The count of writes, and whose findings the last of them reached if it noted it
// (note-reach.cypher): null when it did not.

OPTIONAL MATCH (mark:FactsVersion {id: 0})
RETURN coalesce(mark.version, 0) AS version, mark.last_reach AS last_reach
