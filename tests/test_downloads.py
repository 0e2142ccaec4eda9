"""A member of staff checks their own social media download against their school: the
downloads read as the platforms write them, bad ones refused clearly, names matched as
people write them, and the policy's word on each match taken from the rules."""

from __future__ import annotations

import dataclasses
import datetime as dt
import json
import sqlite3

import pytest
from click.testing import CliRunner

from api.cli import main
from graph.audit import os_actor
from graph.download_check import (
    DECLARE_FAMILY,
    NOTHING_NEEDED,
    REMOVE,
    CheckError,
    check_download,
)
from graph.intake.downloads import DownloadError, Relation, read_download
from graph.intake.downloads.archive import MAX_RATIO
from graph.matching import NameIndex
from graph.store.embedded import EmbeddedStore
from tests.download_world import (
    AS_OF,
    facebook_friends,
    facebook_zip,
    instagram_followers,
    instagram_following,
    linkedin_connections,
    school_world,
    tiktok_user_data,
    x_file,
    zipped,
)

ON = dt.date.fromisoformat(AS_OF)


@pytest.fixture
def store(tmp_path):
    with EmbeddedStore(tmp_path / "data") as store:
        store.import_world(school_world())
        yield store


# -- reading the downloads ---------------------------------------------------------------

@pytest.mark.parametrize("path", ["connections/friends/your_friends.json",
                                  "friends_and_followers/friends.json"])
def test_facebook_friends_are_read_from_new_and_older_downloads(path):
    download = read_download(zipped({path: facebook_friends(["Zoë Wiśniewska", "Ella Morgan"])}),
                             file_name="facebook-sjenkins.zip")
    assert download.platforms == ("facebook",)
    assert [(e.name, e.relation) for e in download.entries] == [
        ("Zoë Wiśniewska", Relation.FRIEND), ("Ella Morgan", Relation.FRIEND)]
    assert download.entries[0].since == dt.date(2023, 11, 14)


def test_the_oldest_facebook_shape_and_removed_friends_and_requests_are_read():
    download = read_download(zipped({
        "friends/friends.json": facebook_friends(["Ella Morgan"], key="friends"),
        "friends/removed_friends.json": facebook_friends(["Rachel Morgan"], key="deleted_friends_v2"),
        "friends/sent_friend_requests.json": facebook_friends(["Mia Khan"], key="sent_requests_v2"),
        "friends/received_friend_requests.json": facebook_friends(
            ["Alex Campbell-Reid"], key="received_requests_v2"),
    }), file_name="facebook.zip")
    assert sorted((e.name, str(e.relation)) for e in download.entries) == [
        ("Alex Campbell-Reid", "request_received"), ("Ella Morgan", "friend"),
        ("Mia Khan", "request_sent"), ("Rachel Morgan", "removed")]


def test_mojibake_is_repaired_and_real_accents_are_kept():
    raw = b'{"friends_v2": [{"name": "Zo\\u00c3\\u00ab Ren\\u00c3\\u00a9e", "timestamp": 1}, ' \
          b'{"name": "Ren\\u00e9e Smith", "timestamp": 2}]}'
    download = read_download(zipped({"connections/friends/your_friends.json": raw}),
                             file_name="f.zip")
    assert [e.name for e in download.entries] == ["Zoë Renée", "Renée Smith"]


def test_instagram_followers_and_following_are_read_with_their_handles(tmp_path):
    folder = tmp_path / "instagram-sjenkins-2026"
    (folder / "connections/followers_and_following").mkdir(parents=True)
    (folder / "connections/followers_and_following/followers_1.json").write_bytes(
        instagram_followers(["ella.morgan13", "r_morgan"]))
    (folder / "connections/followers_and_following/following.json").write_bytes(
        instagram_following(["ella.morgan13"]))
    download = read_download(folder)
    assert download.platforms == ("instagram",)
    assert sorted((e.handle, str(e.relation)) for e in download.entries) == [
        ("ella.morgan13", "follower"), ("ella.morgan13", "following"), ("r_morgan", "follower")]


def test_instagram_following_without_a_value_takes_the_username_from_the_title():
    following = json.dumps({"relationships_following": [{"title": "mia_khan", "string_list_data": [
        {"href": "https://www.instagram.com/_u/mia_khan", "timestamp": 1700000000}]}]}).encode()
    download = read_download(zipped({"connections/followers_and_following/following.json": following}),
                             file_name="instagram.zip")
    assert [e.handle for e in download.entries] == ["mia_khan"]


def test_linkedin_connections_csv_is_read_past_its_notes(tmp_path):
    path = tmp_path / "Connections.csv"
    path.write_bytes(linkedin_connections([("Rachel", "Morgan", "rachel@example.org"),
                                           ("Tom", "Brown", "")]))
    download = read_download(path)
    assert download.platforms == ("linkedin",)
    rachel = download.entries[0]
    assert (rachel.name, rachel.email, rachel.since) == ("Rachel Morgan", "rachel@example.org",
                                                          dt.date(2026, 9, 18))


@pytest.mark.parametrize("section,old", [("Activity", True), ("Your Activity", False),
                                         ("Profile And Settings", False)])
def test_tiktok_followers_and_following_are_read_from_each_version(section, old):
    data = tiktok_user_data(["ellamorgan"], ["mia.khan"], section=section, old=old)
    download = read_download(zipped({"TikTok_Data/user_data_tiktok.json": data}),
                             file_name="TikTok_Data.zip")
    assert sorted((e.handle, str(e.relation)) for e in download.entries) == [
        ("ellamorgan", "follower"), ("mia.khan", "following")]


def test_x_archives_give_account_numbers_only(store):
    archive = zipped({"data/follower.js": x_file("follower", ["1252851", "18969923"]),
                      "data/following.js": x_file("following", ["824308056351735809"])})
    download = read_download(archive, file_name="twitter-2026.zip")
    assert sorted(e.account_id for e in download.entries) == ["1252851", "18969923",
                                                              "824308056351735809"]
    result = check_download(store, "T1", download, ON)
    assert result.matches == [] and "account numbers only" in result.notes[0]


# -- refusing what is not a download -----------------------------------------------------------

def test_a_file_that_is_no_download_is_refused_naming_the_formats(tmp_path):
    path = tmp_path / "holiday.json"
    path.write_text('{"photos": []}')
    with pytest.raises(DownloadError) as refused:
        read_download(path)
    message = str(refused.value)
    for accepted in ("your_friends.json", "followers_1.json", "Connections.csv",
                     "user_data.json", "follower.js"):
        assert accepted in message


def test_a_zip_with_paths_outside_itself_is_refused():
    with pytest.raises(DownloadError, match="outside it"):
        read_download(zipped({"connections/friends/your_friends.json": facebook_friends(["A B"]),
                              "../../.bashrc": b"echo hi"}), file_name="evil.zip")


def test_a_zip_bomb_is_refused_while_it_streams_whatever_its_directory_says():
    bomb = zipped({"connections/friends/your_friends.json": b" " * (8 * 1024 * 1024)})
    assert len(bomb) * MAX_RATIO < 8 * 1024 * 1024
    with pytest.raises(DownloadError, match="zip bomb"):
        read_download(bomb, file_name="bomb.zip")


def test_a_download_of_another_platform_is_refused():
    with pytest.raises(DownloadError, match="from Facebook, not from Instagram"):
        read_download(facebook_zip(["Ella Morgan"]), file_name="f.zip", platform="instagram")


def test_a_damaged_file_of_a_known_name_is_refused_clearly():
    with pytest.raises(DownloadError, match="is not JSON"):
        read_download(zipped({"connections/friends/your_friends.json": b"{not json"}),
                      file_name="f.zip")


def test_an_unknown_person_or_someone_with_no_school_cannot_check(store):
    download = read_download(facebook_zip(["Ella Morgan"]), file_name="f.zip")
    with pytest.raises(CheckError, match="no person NOBODY"):
        check_download(store, "NOBODY", download, ON)
    with pytest.raises(CheckError, match="no staff or other adult membership"):
        check_download(store, "M1", download, ON)


# -- matching names as people write them ---------------------------------------------------------

@pytest.fixture
def index():
    return NameIndex([("P1", "Ella", "Morgan"), ("P2", "Alexander", "Campbell-Reid"),
                      ("P3", "Zoë", "Wiśniewska"), ("P4", "Mary Jane", "O'Brien"),
                      ("P5", "Thomas", "Smith")])


@pytest.mark.parametrize("written,expected", [
    ("ELLA MORGAN", "P1"), ("Ella Rose Morgan", "P1"), ("Zoe Wisniewska", "P3"),
    ("Alex Campbell-Reid", "P2"), ("Alexander Reid", "P2"), ("Alexander Campbell Reid", "P2"),
    ("Jane O'Brien", "P4"), ("Mary Jane OBrien", "P4"), ("Tom Smith", "P5"),
])
def test_names_match_as_people_write_them(index, written, expected):
    assert [m.person_id for m in index.match_name(written)] == [expected]


@pytest.mark.parametrize("written", ["Ella", "Ella Smith", "Sarah Morgan", "Elena Morgan", "Tom"])
def test_a_first_name_alone_or_another_person_never_matches(index, written):
    assert index.match_name(written) == []


def test_usernames_that_spell_the_name_match_and_a_first_name_handle_does_not(index):
    assert [m.person_id for m in index.match_handle("ella.morgan13")] == ["P1"]
    assert [m.person_id for m in index.match_handle("morgan_ella")] == ["P1"]
    assert index.match_handle("ella2013") == []


# -- the check, and what the policy says ------------------------------------------------------------

def _by_person(result):
    return {m.person_id: m for m in result.matches}


def test_each_match_says_who_why_how_sure_and_what_the_policy_says(store):
    download = read_download(facebook_zip([
        "Ella Morgan", "Rachel Morgan", "Zoë Wiśniewska", "Alex Campbell-Reid", "Oliver Jenkins",
        "Mia Khan", "Ella", "Ella Fitzgerald", "Tom Brown"]), file_name="f.zip")
    result = check_download(store, "T1", download, ON)
    found = _by_person(result)
    assert result.entries_read == 9
    assert set(found) == {"P1", "M1", "X1", "P2", "P3", "P4"}, "no staff, no first name alone"
    ella = found["P1"]
    assert (ella.known_as, ella.policy.suggested, ella.policy.rule) == (
        "pupil at Oakfield Academy", REMOVE, "pupil-contact")
    assert ella.policy.clauses == ("ninestiles 8.3",)
    assert "exact name" in ella.reasons and "their family is in your download too" in ella.reasons
    assert found["M1"].known_as == "parent of Ella Morgan"
    assert found["M1"].policy.rule == "parent-contact"
    assert found["X1"].policy.rule == "ex-pupil-contact"
    assert found["P2"].confidence < ella.confidence
    assert "short form" in found["P2"].reasons[0]
    assert found["P4"].policy.suggested == NOTHING_NEEDED
    assert "awaits" in found["P4"].policy.says
    # family in the school's records needs no declaration under this profile
    assert (found["P3"].policy.suggested, found["P3"].policy.clauses) == (NOTHING_NEEDED, ())


def test_the_suggestion_follows_the_profile_and_nothing_is_stored(tmp_path):
    world = school_world()
    world.schools["S1"] = dataclasses.replace(world.schools["S1"], profile="mowbray")
    with EmbeddedStore(tmp_path / "mowbray") as store:
        store.import_world(world)
        before = store.export_world()
        download = read_download(facebook_zip(["Oliver Jenkins"]), file_name="f.zip")
        match = check_download(store, "T1", download, ON).matches[0]
        assert (match.policy.suggested, match.policy.rule) == (DECLARE_FAMILY, "declaration-required")
        assert match.policy.clauses
        assert store.export_world() == before
        with EmbeddedStore(tmp_path / "mowbray") as reopened:
            assert reopened.findings(ON) == store.findings(ON)
            assert not any(c.startswith("hypothetical") for c in reopened.export_world().connections)


def test_where_no_declaration_excuses_contact_the_advice_offers_none(tmp_path):
    """great-chart: "Staff are not permitted to follow or engage with current or prior
    pupils/students of the school on any personal social media network account", with no
    family or friend exception: the check must not tell a teacher that declaring a
    friendship would do, even for a pupil they have declared one with."""
    world = school_world()
    world.schools["S1"] = dataclasses.replace(world.schools["S1"], profile="great-chart")
    with EmbeddedStore(tmp_path / "great-chart") as store:
        store.import_world(world)
        download = read_download(facebook_zip(["Ella Morgan", "Mia Khan"]), file_name="f.zip")
        found = _by_person(check_download(store, "T1", download, ON))
    for pupil in ("P1", "P4"):
        policy = found[pupil].policy
        assert (policy.suggested, policy.rule) == (REMOVE, "pupil-contact"), pupil
        assert "declare" not in policy.says, policy.says
        assert "whatever relationship" in policy.says


def test_an_ex_pupil_who_has_turned_18_needs_nothing(store):
    download = read_download(facebook_zip(["Zoë Wiśniewska"]), file_name="f.zip")
    later = check_download(store, "T1", download, dt.date(2027, 6, 2)).matches[0]
    assert later.policy.suggested == NOTHING_NEEDED


def test_only_followed_by_a_pupil_is_advisory_and_removed_friends_need_nothing(store):
    download = read_download(zipped({
        "connections/followers_and_following/followers_1.json": instagram_followers(["ella.morgan13"]),
    }), file_name="instagram.zip")
    ella = check_download(store, "T1", download, ON).matches[0]
    assert (ella.person_id, ella.policy.suggested) == ("P1", REMOVE)
    assert "Only they follow you" in ella.policy.says
    removed = read_download(zipped({"connections/friends/removed_friends.json":
                                    facebook_friends(["Ella Morgan"], key="deleted_friends_v2")}),
                            file_name="f.zip")
    assert check_download(store, "T1", removed, ON).matches[0].policy.suggested == NOTHING_NEEDED


def test_an_email_the_school_holds_matches_whatever_the_name(store):
    download = read_download(linkedin_connections([("Rach", "M", "rachel.morgan@example.org")]),
                             file_name="Connections.csv")
    result = check_download(store, "T1", download, ON,
                            emails={"rachel.morgan@example.org": "M1"})
    assert [(m.person_id, m.reasons) for m in result.matches] == [
        ("M1", ("an e-mail address the school holds",))]


# -- the command ---------------------------------------------------------------------------------------

def test_the_command_prints_json_and_audits_only_that_a_check_happened(store, tmp_path):
    path = tmp_path / "facebook-sjenkins.zip"
    path.write_bytes(facebook_zip(["Ella Morgan", "Tom Brown"]))
    data = tmp_path / "data"
    result = CliRunner().invoke(main, ["check-download", str(path), "--person", "T1",
                                       "--as-of", AS_OF, "--format", "json", "--data", str(data)])
    assert result.exit_code == 0, result.output
    printed = json.loads(result.output)
    assert printed["entries_read"] == 2
    assert [(m["person_id"], m["suggested"], m["clause"]) for m in printed["matches"]] == [
        ("P1", "remove", "ninestiles 8.3")]
    assert 0 < printed["matches"][0]["confidence"] <= 1
    db = sqlite3.connect(data / "service.sqlite3")
    rows = db.execute("SELECT e.actor, e.action, d.details FROM audit_entries e "
                      "JOIN audit_details d ON d.seq = e.seq").fetchall()
    # Like every command-line entry, it names the operating-system user who ran it.
    assert [(actor, action) for actor, action, _ in rows] == [(os_actor(), "download.check")]
    details = json.loads(rows[0][2])
    assert details["entries_read"] == 2 and details["subjects"] == ["T1"]
    assert "Ella" not in rows[0][2] and "P1" not in rows[0][2], "never what it found"


def test_the_command_refuses_clearly_and_stores_nothing(store, tmp_path):
    path = tmp_path / "notes.txt"
    path.write_text("shopping list")
    result = CliRunner().invoke(main, ["check-download", str(path), "--person", "T1",
                                       "--data", str(tmp_path / "data")])
    assert result.exit_code == 1
    assert "is not a download of friends or followers" in result.output
    assert "Traceback" not in result.output
    assert not (tmp_path / "data" / "service.sqlite3").exists() or sqlite3.connect(
        tmp_path / "data" / "service.sqlite3").execute(
        "SELECT COUNT(*) FROM audit_entries").fetchone()[0] == 0


def test_the_table_names_the_match_and_the_suggested_action(store, tmp_path):
    path = tmp_path / "Connections.csv"
    path.write_bytes(linkedin_connections([("Rachel", "Morgan", "")]))
    result = CliRunner().invoke(main, ["check-download", str(path), "--person", "T1",
                                       "--as-of", AS_OF, "--data", str(tmp_path / "data")])
    assert result.exit_code == 0, result.output
    assert "Rachel Morgan (M1)" in result.output and "Remove the connection" in result.output
    assert "ninestiles 8.4" in result.output


@pytest.mark.neo4j
def test_a_check_says_the_same_on_neo4j(store, neo4j_store):
    neo4j_store.replace_world(school_world())
    download = read_download(facebook_zip(["Ella Morgan", "Rachel Morgan", "Zoë Wiśniewska",
                                           "Oliver Jenkins", "Mia Khan"]), file_name="f.zip")
    assert check_download(neo4j_store, "T1", download, ON).to_json() == \
        check_download(store, "T1", download, ON).to_json()


def test_a_friend_request_from_a_pupil_is_to_be_declined(store):
    download = read_download(zipped({"connections/friends/received_friend_requests.json":
                                     facebook_friends(["Ella Morgan"], key="received_requests_v2")}),
                             file_name="f.zip")
    [ella] = check_download(store, "T1", download, ON).matches
    assert ella.policy.suggested == REMOVE and "decline the request" in ella.policy.says


# -- renamed files, deep nesting and long fields (issue 25) ----------------------------------

@pytest.mark.parametrize("name, data, platform, relation", [
    # A browser saves a second copy as "name (1).ext"; people shorten names.
    ("your_friends (1).json", facebook_friends(["Ella Morgan"]), "facebook", Relation.FRIEND),
    ("friends.json", facebook_friends(["Ella Morgan"]), "facebook", Relation.FRIEND),
    ("friends.json", facebook_friends(["Ella Morgan"], key="friends"), "facebook", Relation.FRIEND),
    ("removed_friends (1).json", facebook_friends(["Ella Morgan"], key="deleted_friends_v2"),
     "facebook", Relation.REMOVED),
    ("following (1).json", instagram_following(["ella.morgan"]), "instagram", Relation.FOLLOWING),
    ("followers_1 (2).json", instagram_followers(["ella.morgan"]), "instagram", Relation.FOLLOWER),
    ("Connections (1).csv", linkedin_connections([("Ella", "Morgan", "")]), "linkedin",
     Relation.FRIEND),
    ("user_data (1).json", tiktok_user_data(["ella.morgan"], []), "tiktok", Relation.FOLLOWER),
    ("follower (1).js", x_file("follower", ["1234"]), "x", Relation.FOLLOWER),
])
def test_a_file_saved_under_another_name_is_read_by_what_it_holds(name, data, platform,
                                                                   relation):
    download = read_download(data, file_name=name)
    assert download.platforms == (platform,)
    assert [e.relation for e in download.entries] == [relation]


def nested_friends(depth: int) -> bytes:
    """A Facebook friends file whose one friend carries a value nested so that the file
    is `depth` levels deep (the file's object, the list and the friend make three)."""
    inner = depth - 3
    return (b'{"friends_v2": [{"name": "Ella Morgan", "timestamp": 1, "x": '
            + b"[" * inner + b"]" * inner + b"}]}")


def test_json_is_read_to_a_sane_depth_and_refused_deeper_with_a_reason():
    from graph.intake.downloads.common import MAX_JSON_DEPTH

    read = read_download(nested_friends(MAX_JSON_DEPTH), file_name="your_friends.json")
    assert [e.name for e in read.entries] == ["Ella Morgan"]
    for depth in (MAX_JSON_DEPTH + 1, 5000, 200_000):
        with pytest.raises(DownloadError, match=f"more than {MAX_JSON_DEPTH} levels deep"):
            read_download(nested_friends(depth), file_name="your_friends.json")
        in_a_zip = zipped({"connections/friends/your_friends.json": nested_friends(depth)})
        with pytest.raises(DownloadError, match="levels deep"):
            read_download(in_a_zip, file_name="facebook.zip")


def test_a_300_kb_field_in_linkedin_does_not_stop_the_check():
    data = linkedin_connections([("Ella", "Morgan", ""), ("Sam", "Okoro", "")])
    data = data.replace(b",Teacher,", b',"' + b"Head of Year, " * 22_000 + b'",', 1)
    assert len(data) > 300_000
    download = read_download(data, file_name="Connections.csv")
    assert [e.name for e in download.entries] == ["Ella Morgan", "Sam Okoro"]
    assert download.entries[1].since == dt.date(2026, 9, 18)


def test_linkedin_quoted_fields_keep_their_commas_quotes_and_lines():
    data = (b'First Name,Last Name,Email Address,Connected On\r\n'
            b'"Ella ""Ellie""","Morgan, Jr",ella@example.org,18 Sep 2026\r\n'
            b'"Sam\nJames",Okoro,,"01 Oct 2025"\r\n'
            b'Jo "JJ",Lee,,\r\n')
    download = read_download(data, file_name="Connections.csv")
    assert [(e.name, e.email, e.since) for e in download.entries] == [
        ('Ella "Ellie" Morgan, Jr', "ella@example.org", dt.date(2026, 9, 18)),
        ("Sam\nJames Okoro", "", dt.date(2025, 10, 1)),
        ('Jo "JJ" Lee', "", None)]
