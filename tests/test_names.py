"""A name has one normal form (graph/names.py): identity matching, download matching and
erasure's search of free text all compare names through it, so a spelling one of them takes
as the same name, the others take too."""

import pytest

from graph.intake.identity import Identity, IdentityIndex
from graph.matching import EXACT, NameIndex
from graph.mentions import Mentions
from graph.model import Person

# (as the register holds the name, as someone else wrote it)
SPELLINGS = [
    (("Łukasz", "Sørensen"), ("Lukasz", "Sorensen")),   # letters with a stroke
    (("Zoë", "Wiśniewska"), ("ZOE", "WISNIEWSKA")),     # accents and case
    (("Æsa", "Straße"), ("Aesa", "Strasse")),           # ligatures and ß
    (("Zoë", "Wiśniewska"), ("Zoe\u0308", "Wis\u0301niewska")),  # decomposed accents
]


@pytest.mark.parametrize("held, written", SPELLINGS)
def test_each_matcher_takes_a_spelling_the_others_take_as_the_same_name(held, written):
    row = Identity.of(*held, emails=["a@example.invalid"])
    identity = IdentityIndex({"A": Person("A", *held, None)}, [])
    identity.add("A", row)
    assert identity.resolve(Identity.of(*written, emails=["a@example.invalid"])) == "A"
    [download] = NameIndex([("A", *held)]).match_name(" ".join(written))
    assert (download.person_id, download.confidence) == ("A", EXACT)
    assert Mentions([" ".join(held)]).found_in(f"a note about {' '.join(written)}'s mother")
