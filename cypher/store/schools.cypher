// query: school-profiles
// parameters: none
// returns: school_id, profile
// Each school's profile name or file, for the $profiles parameter of the rules.

MATCH (school:School)
RETURN school.school_id AS school_id, school.profile AS profile
