// query: next-version
// parameters: none
// returns: version
// Count one more write, in the writing transaction itself: `version` is the count after
// it. Writers queue on this one node, so no two of them get the same number.

MERGE (mark:FactsVersion {id: 0})
SET mark.version = coalesce(mark.version, 0) + 1
RETURN mark.version AS version
