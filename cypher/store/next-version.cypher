// query: next-version
// parameters: $ends_import
// returns: version
// Count one more write, in the writing transaction itself: `version` is the count after
// it. Writers queue on this one node, so no two of them get the same number. With
// $ends_import, also take away the mark of an unfinished import (an import run again ends
// it), in the same round trip. What the last write reached (note-reach.cypher) is of the
// write before: it goes.

MERGE (mark:FactsVersion {id: 0})
SET mark.version = coalesce(mark.version, 0) + 1, mark.last_reach = null
WITH mark
CALL () {
  MATCH (unfinished:UnfinishedImport)
  WHERE $ends_import
  DELETE unfinished
}
RETURN mark.version AS version
