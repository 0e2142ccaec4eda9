// fragment: staff-pupil-overlap
// The pupil membership `taught` overlapped one of the adult's `covered` memberships on
// some day up to $as_of (Membership.overlaps in graph/model.py): a staff/pupil relationship.
any(held IN covered WHERE
      held.start_date <= $as_of AND taught.start_date <= $as_of
      AND held.start_date <= coalesce(held.end_date, $as_of)
      AND held.start_date <= coalesce(taught.end_date, $as_of)
      AND taught.start_date <= coalesce(held.end_date, $as_of)
      AND taught.start_date <= coalesce(taught.end_date, $as_of))
