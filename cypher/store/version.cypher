// query: version
// parameters: none
// returns: version
// How many writes the facts have had (0 for a database no write of this release touched):
// findings worked out at one version hold as long as it stays the same.

OPTIONAL MATCH (mark:FactsVersion {id: 0})
RETURN coalesce(mark.version, 0) AS version
