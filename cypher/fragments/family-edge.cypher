// fragment: family-edge
// The family edge `kin` holds on $as_of (graph.facts' _link_holds): a link from the
// school's records always, a declared one from the day it was declared until the day it
// was rejected. Used inside a path pattern: (()-[kin:IS_RELATIVE_OF]-() WHERE {{family-edge}})*
kin.declared_on IS NULL OR (kin.declared_on <= $as_of AND NOT coalesce(kin.rejected_on <= $as_of, false))
