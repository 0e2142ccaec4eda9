"""Names matched to the school's people as people really write them (issue 26, item 3): any
order of given and family names, middle names and initials optional, compound names in
parts, credentials and pronouns left out, usernames split into name parts, short forms; and
the strangers whose names merely contain a pupil's never called likely."""

from __future__ import annotations

import datetime as dt

import pytest

from graph.download_check import LIKELY, POSSIBLE, band_of, check_download
from graph.intake.downloads import read_download
from graph.matching import MIN_CONFIDENCE, NameIndex, with_family_bonus
from graph.store.embedded import EmbeddedStore
from tests.download_world import AS_OF, facebook_zip, instagram_followers, school_world, zipped

PEOPLE = [
    ("P1", "Ella", "Morgan"), ("P2", "An", "Nguyen"), ("P3", "Jacob", "Smith"),
    ("P4", "Lisa", "Wood"), ("P5", "Anne-Marie", "Kovacs"), ("P6", "Jacob Benjamin", "Jones"),
    ("P7", "James", "Thomas"), ("P8", "Melissa", "Price"), ("P9", "Mary Jane", "O'Brien"),
    ("P10", "Alexander", "Campbell-Reid"), ("P11", "Thomas", "Hughes"),
]


@pytest.fixture
def index():
    return NameIndex(PEOPLE)


def likely(matches) -> list[str]:
    return [m.person_id for m in matches if band_of(m.confidence) == LIKELY]


def reported(matches) -> list[str]:
    return [m.person_id for m in matches if m.confidence >= MIN_CONFIDENCE]


@pytest.mark.parametrize("written,expected", [
    ("Morgan Ella", "P1"), ("MORGAN Ella", "P1"),   # family name first, as many lists write it
    ("Nguyen An", "P2"), ("Nguyen Van An", "P2"),  # Vietnamese order, a middle name unrecorded
    ("Kovács Anne-Marie", "P5"),                    # Hungarian order
])
def test_a_name_written_family_name_first_is_likely_the_person(index, written, expected):
    assert likely(index.match_name(written)) == [expected]
    assert "written family name first" in index.match_name(written)[0].reasons


def test_family_name_first_when_that_family_name_is_also_a_given_name_is_only_possible(index):
    """'Thomas James' is as likely a stranger called Thomas as James Thomas written backwards."""
    matches = index.match_name("Thomas James")
    assert reported(matches) == ["P7"] and likely(matches) == []
    assert band_of(matches[0].confidence) == POSSIBLE


@pytest.mark.parametrize("written", ["J. B. Jones", "JB Jones", "Jones Jacob B.", "Jones, Jacob Benjamin"])
def test_middle_names_and_initials_are_optional(index, written):
    assert likely(index.match_name(written)) == ["P6"]


@pytest.mark.parametrize("written,expected", [
    ("Annemarie Kovacs", "P5"), ("Maryjane O'Brien", "P9"), ("Alexander Campbellreid", "P10"),
])
def test_compound_and_hyphenated_names_match_in_parts_or_run_together(index, written, expected):
    assert likely(index.match_name(written)) == [expected]


@pytest.mark.parametrize("written", [
    "Ella Morgan (she/her)", "Ella Morgan she/her", "Ella Morgan, MBA, SPHR", "Ella Morgan PhD",
    "Ella Morgan Jr.", "Ella Morgan 🌸 (she/her)",
])
def test_credentials_suffixes_pronouns_and_emoji_are_left_out(index, written):
    matches = index.match_name(written)
    assert [(m.person_id, m.reasons[0]) for m in matches] == [("P1", "exact name")]


@pytest.mark.parametrize("handle,expected", [
    ("The_Real_EllaMorgan2009", "P1"),                         # camel case, fillers, digits
    ("jacob_benjamin_jones", "P6"), ("jacobbenjaminjones", "P6"),  # firstname_middlename_surname
    ("jbjones", "P6"), ("jb.jones", "P6"),                     # initials run together
    ("annemariekovacs", "P5"), ("maryjane_obrien", "P9"),      # compound given names as one word
])
def test_usernames_are_split_into_the_persons_name_parts(index, handle, expected):
    assert likely(index.match_handle(handle)) == [expected]


@pytest.mark.parametrize("how,written,expected", [
    ("name", "Jacob B. Jones", "P6"), ("name", "Jacob Benjamin Jones", "P6"),
    ("name", "Benjamin Jones", "P6"), ("name", "Anne Marie Kovacs", "P5"),
    ("name", "Alexander Campbell Reid", "P10"), ("name", "Dr Ella Morgan", "P1"),
    ("name", "Ella Morgan 🌸✨", "P1"), ("handle", "ella.morgan13", "P1"),
    ("handle", "morgan_ella", "P1"), ("handle", "nguyen.an", "P2"),
    ("handle", "alexcampbellreid", "P10"), ("handle", "tom.hughes", "P11"),
])
def test_what_matched_before_still_matches_as_likely(index, how, written, expected):
    matches = index.match_handle(written) if how == "handle" else index.match_name(written)
    assert likely(matches) == [expected]


def test_a_display_name_of_one_word_is_split_as_a_username_is(index):
    assert likely(index.match_name("EllaMorgan")) == ["P1"]
    assert likely(index.match_name("Ella.Morgan ✨")) == ["P1"]


def test_a_username_with_a_middle_name_the_school_does_not_hold_is_possible(index):
    matches = index.match_handle("ella_rose_morgan")
    assert reported(matches) == ["P1"] and likely(matches) == []
    assert "'rose' in the username is a middle name the school does not hold" in matches[0].reasons


def test_a_stranger_with_a_third_name_and_a_credential_is_not_the_pupil(index):
    """Issue 26: 'Jacob Smith Yang, SPHR' was matched to a pupil 'Jacob Smith' at 85%."""
    for written in ("Jacob Smith Yang, SPHR", "Jacob Smith Yang", "Jacob Smith-Yang"):
        assert likely(index.match_name(written)) == [], written
    assert likely(index.match_handle("jacobsmithyang")) == []


def test_a_name_that_contains_a_parents_name_is_not_theirs(index):
    """Issue 26: 'Melissa Bachman-Wood' was matched to a parent 'Lisa Wood'. Lisa may be
    short for Melissa, never Melissa for Lisa; and Bachman is no name of hers."""
    assert index.match_name("Melissa Bachman-Wood") == []
    assert index.match_name("Melissa Wood") == []
    assert index.match_handle("melissawood") == []
    assert likely(index.match_name("Lisa Price")) == ["P8"], "Lisa, a short form of Melissa"


def test_the_reason_says_which_written_part_is_which_of_the_persons_names(index):
    lisa = index.match_name("Lisa Wood")[0]
    assert "'Lisa' in the download is their given name 'Lisa'" in lisa.reasons
    assert "'Wood' in the download is their family name 'Wood'" in lisa.reasons
    short = index.match_name("Lisa Price")[0]
    assert "'Lisa' in the download is a short form of their given name 'Melissa'" in short.reasons
    tom = index.match_handle("tom.hughes")[0]
    assert tom.person_id == "P11"
    assert "'Tom' in the username is a short form of their given name 'Thomas'" in tom.reasons


def test_the_check_bands_each_match_and_the_stranger_is_not_a_likely_pupil(tmp_path):
    with EmbeddedStore(tmp_path / "data") as store:
        store.import_world(school_world())
        download = read_download(facebook_zip(
            ["Morgan Ella", "Ella Morgan Price, SPHR", "Jenkins Oliver James"]), file_name="f.zip")
        result = check_download(store, "T1", download, dt.date.fromisoformat(AS_OF))
    found = {m.person_id: m for m in result.matches}
    assert set(found) == {"P1", "P3"}
    assert [e.name for e in found["P1"].entries] == ["Morgan Ella"]
    assert found["P1"].band == LIKELY and found["P1"].to_json()["band"] == LIKELY


def test_someone_who_fits_a_name_less_well_or_as_well_as_another_is_only_possible():
    index = NameIndex([("A", "Ella", "Morgan"), ("B", "Ella Rose", "Morgan"),
                       ("C", "Oliver", "Hughes"), ("D", "Oliver", "Hughes")])
    matches = index.match_name("Ella Morgan")
    assert likely(matches) == ["A"] and reported(matches) == ["A", "B"]
    assert "someone else at your school fits this name better" in matches[1].reasons
    namesakes = index.match_name("Oliver Hughes")
    assert likely(namesakes) == [] and reported(namesakes) == ["C", "D"]
    # their family in the download does not lift a namesake back to likely
    assert band_of(with_family_bonus(namesakes[0], 1).confidence) == POSSIBLE


def test_an_entry_only_possibly_theirs_does_not_ride_in_a_likely_match(tmp_path):
    """'@e.morgan' (an initial) is only possibly Ella: listing it under her likely match
    would tell the teacher to remove a stranger's connection."""
    with EmbeddedStore(tmp_path / "data") as store:
        store.import_world(school_world())
        download = read_download(zipped({
            "connections/followers_and_following/followers_1.json":
                instagram_followers(["ella.morgan13", "e.morgan"])}), file_name="i.zip")
        ella = check_download(store, "T1", download, dt.date.fromisoformat(AS_OF)).matches[0]
    assert ella.person_id == "P1" and ella.band == LIKELY
    assert [e.handle for e in ella.entries] == ["ella.morgan13"]
