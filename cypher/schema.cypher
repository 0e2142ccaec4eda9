// query: schema
// parameters: none
// returns: none
// The register's constraints and indexes, one statement each, all IF NOT EXISTS so that
// running the file again changes nothing. Every key of the exchange format is unique here.

CREATE CONSTRAINT school_id IF NOT EXISTS
FOR (school:School) REQUIRE school.school_id IS UNIQUE;

CREATE CONSTRAINT trust_id IF NOT EXISTS
FOR (trust:Trust) REQUIRE trust.trust_id IS UNIQUE;

CREATE CONSTRAINT person_id IF NOT EXISTS
FOR (person:Person) REQUIRE person.person_id IS UNIQUE;

// A membership has no id of its own: person, school, role and start date identify it.
CREATE CONSTRAINT membership_key IF NOT EXISTS
FOR (membership:Membership)
REQUIRE (membership.person_id, membership.school_id, membership.role, membership.start_date) IS UNIQUE;

CREATE CONSTRAINT connection_id IF NOT EXISTS
FOR ()-[connection:CONNECTS_WITH]-() REQUIRE connection.connection_id IS UNIQUE;

CREATE CONSTRAINT declaration_id IF NOT EXISTS
FOR (declaration:Declaration) REQUIRE declaration.declaration_id IS UNIQUE;

CREATE CONSTRAINT report_id IF NOT EXISTS
FOR (report:ApproachReport) REQUIRE report.report_id IS UNIQUE;

CREATE CONSTRAINT account_id IF NOT EXISTS
FOR (account:SchoolAccount) REQUIRE account.account_id IS UNIQUE;

// The one node that counts the writes (cypher/store/next-version.cypher).
CREATE CONSTRAINT facts_version IF NOT EXISTS
FOR (mark:FactsVersion) REQUIRE mark.id IS UNIQUE;

// The family edge a family_member declaration draws is found again by its declaration.
CREATE INDEX family_edge_declaration IF NOT EXISTS
FOR ()-[edge:IS_RELATIVE_OF]-() ON (edge.declaration_id);

// Who holds a position at a school: the reviewers of a finding.
CREATE INDEX membership_school_position IF NOT EXISTS
FOR (membership:Membership) ON (membership.school_id, membership.position);

// Wait (up to 300 s) until every index is online before the store is used.
CALL db.awaitIndexes(300);
