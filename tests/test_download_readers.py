"""Every file of friends, followers, follows and requests the platforms write, in their
default formats as well as JSON, each entry keeping its kind; every entry read or skipped
counted per file; and a file that cannot be read says what to ask for instead."""

from __future__ import annotations

import datetime as dt
import json

import pytest

from graph.download_check import REMOVE, check_download
from graph.intake.downloads import DownloadError, Relation, read_download
from graph.store.embedded import EmbeddedStore
from tests.download_world import (
    AS_OF,
    facebook_html,
    facebook_list,
    instagram_html,
    instagram_list,
    linkedin_connections,
    linkedin_invitations,
    school_world,
    tiktok_txt,
    zipped,
)

ON = dt.date.fromisoformat(AS_OF)


@pytest.fixture
def store(tmp_path):
    with EmbeddedStore(tmp_path / "data") as store:
        store.import_world(school_world())
        yield store


def kinds(download) -> list[tuple[str, str]]:
    return sorted((e.name or e.handle, str(e.relation)) for e in download.entries)


def counted(download) -> dict[str, tuple[int, dict]]:
    return {c.file: (c.read, c.skipped) for c in download.counts}


# -- Facebook ------------------------------------------------------------------------------

FACEBOOK_FILES = {
    "connections/friends/your_friends": ("friends_v2", "Ella Morgan"),
    "connections/friends/removed_friends": ("deleted_friends_v2", "Tom Brown"),
    "connections/friends/sent_friend_requests": ("sent_requests_v2", "Mia Khan"),
    "connections/friends/received_friend_requests": ("received_requests_v2", "Zoë Wiśniewska"),
    "connections/followers/people_who_followed_you": ("followers_v3", "Alexander Campbell-Reid"),
    "connections/followers/who_you've_followed": ("following_v3", "Rachel Morgan"),
}
FACEBOOK_KINDS = [("Alexander Campbell-Reid", "follower"), ("Ella Morgan", "friend"),
                  ("Mia Khan", "request_sent"), ("Rachel Morgan", "following"),
                  ("Tom Brown", "removed"), ("Zoë Wiśniewska", "request_received")]


def test_every_facebook_connection_file_is_read_with_its_kind():
    download = read_download(zipped({f"{path}.json": facebook_list(key, [name])
                                     for path, (key, name) in FACEBOOK_FILES.items()}),
                             file_name="facebook-sjenkins.zip")
    assert kinds(download) == FACEBOOK_KINDS
    assert counted(download)["connections/followers/people_who_followed_you.json"] == (1, {})


def test_facebook_followers_and_following_in_their_v2_shapes_too():
    download = read_download(zipped({
        "connections/followers/people_who_followed_you.json": facebook_list("followers_v2",
                                                                            ["Ella Morgan"]),
        "connections/followers/who_you_follow.json": facebook_list("following_v2",
                                                                   ["Mia Khan"])}),
        file_name="facebook.zip")
    assert kinds(download) == [("Ella Morgan", "follower"), ("Mia Khan", "following")]


def test_facebook_html_download_is_read_as_its_json_would_be():
    download = read_download(zipped({f"{path}.html": facebook_html("Your friends", [name])
                                     for path, (_key, name) in FACEBOOK_FILES.items()}),
                             file_name="facebook-sjenkins.zip")
    assert kinds(download) == FACEBOOK_KINDS
    assert {e.since for e in download.entries} == {dt.date(2023, 11, 14)}


def test_a_facebook_html_page_with_no_list_asks_for_json():
    page = b"<html><body><p>Something else entirely</p></body></html>"
    with pytest.raises(DownloadError) as refused:
        read_download(zipped({"connections/friends/your_friends.html": page}),
                      file_name="facebook-sjenkins.zip")
    assert "looks like a download from Facebook" in str(refused.value)
    assert "Download your information" in str(refused.value)
    assert "Format: JSON" in str(refused.value)


# -- Instagram -----------------------------------------------------------------------------

INSTAGRAM_FILES = {
    "followers_1": (None, "ellamorgan"),
    "following": ("relationships_following", "mia.khan"),
    "close_friends": ("relationships_close_friends", "rachel_morgan"),
    "pending_follow_requests": ("relationships_follow_requests_sent", "zoe.w"),
    "follow_requests_you've_received": ("relationships_follow_requests_received", "alex_cr"),
    "recently_unfollowed_profiles": ("relationships_unfollowed_users", "tom.b"),
}
INSTAGRAM_KINDS = [("alex_cr", "request_received"), ("ellamorgan", "follower"),
                   ("mia.khan", "following"), ("rachel_morgan", "close_friend"),
                   ("tom.b", "removed"), ("zoe.w", "request_sent")]


def test_every_instagram_connection_file_is_read_with_its_kind():
    folder = "connections/followers_and_following/"
    download = read_download(zipped({f"{folder}{name}.json": instagram_list(key, [handle])
                                     for name, (key, handle) in INSTAGRAM_FILES.items()}),
                             file_name="instagram-sjenkins.zip")
    assert kinds(download) == INSTAGRAM_KINDS


def test_instagram_html_download_is_read_and_its_page_links_are_not_people():
    folder = "connections/followers_and_following/"
    download = read_download(zipped({f"{folder}{name}.html": instagram_html(name, [handle])
                                     for name, (_key, handle) in INSTAGRAM_FILES.items()}),
                             file_name="instagram-sjenkins.zip")
    assert kinds(download) == INSTAGRAM_KINDS
    assert "legal" not in {e.handle for e in download.entries}


# -- TikTok --------------------------------------------------------------------------------

@pytest.mark.parametrize("folder,followers,following,eol", [
    ("TikTok_Data/Profile and Settings/", "Follower.txt", "Following.txt", "\r\n"),
    ("Your Activity/", "Follower.txt", "Following.txt", "\n"),
    ("Activity/", "Follower List.txt", "Following List.txt", "\n"),
])
def test_tiktok_txt_download_is_read_from_each_version(folder, followers, following, eol):
    download = read_download(zipped({folder + followers: tiktok_txt(["ellamorgan", "x.y"], eol),
                                     folder + following: tiktok_txt(["mia.khan"], eol)}),
                             file_name="TikTok_Data.zip")
    assert download.platforms == ("tiktok",)
    assert kinds(download) == [("ellamorgan", "follower"), ("mia.khan", "following"),
                               ("x.y", "follower")]
    assert download.entries[0].since == dt.date(2023, 8, 10)


@pytest.mark.parametrize("lists,expected", [
    ({"Follower": {"FansList": None}, "Following": {"Following": None}}, []),
    ({"Follower": None, "Following": None}, []),
    ({"Follower": {"FansList": None}, "Following": {"Following": [{"UserName": "mia.khan"}]}},
     [("mia.khan", "following")]),
])
def test_tiktok_lists_written_as_null_are_read_as_none(lists, expected):
    download = read_download(json.dumps({"Your Activity": lists}).encode(),
                             file_name="user_data_tiktok.json")
    assert kinds(download) == expected
    assert counted(download) == {"user_data_tiktok.json": (len(expected), {})}


def test_a_tiktok_txt_that_is_not_a_list_says_what_to_ask_for():
    with pytest.raises(DownloadError) as refused:
        read_download(zipped({"Your Activity/Follower.txt": b"edited by hand\njust text\n"}),
                      file_name="TikTok_Data.zip")
    assert "looks like a download from TikTok" in str(refused.value)
    assert "Download your data" in str(refused.value)


# -- LinkedIn ------------------------------------------------------------------------------

@pytest.mark.parametrize("encode", [
    lambda text: text.encode("utf-8"),
    lambda text: b"\xef\xbb\xbf" + text.encode("utf-8"),
    lambda text: text.encode("cp1252"),  # as Excel saves it again
])
def test_linkedin_csv_is_read_in_whichever_encoding_it_was_saved(encode):
    text = linkedin_connections([("Renée", "Müller-Lefèvre", ""),
                                 ("Zoë", "O'Brien", "")]).decode()
    download = read_download(encode(text), file_name="Connections.csv")
    assert [e.name for e in download.entries] == ["Renée Müller-Lefèvre", "Zoë O'Brien"]


def test_linkedin_invitations_are_requests_sent_and_received_and_odd_rows_are_counted():
    data = linkedin_invitations([("Sarah Jenkins", "Rachel Morgan", "OUTGOING"),
                                 ("Mia Khan", "Sarah Jenkins", "INCOMING"),
                                 ("Tom Brown", "Sarah Jenkins", "SOMETHING")])
    download = read_download(zipped({"Basic_LinkedInDataExport/Invitations.csv": data}),
                             file_name="Basic_LinkedInDataExport.zip")
    assert kinds(download) == [("Mia Khan", "request_received"),
                               ("Rachel Morgan", "request_sent")]
    assert counted(download)["Basic_LinkedInDataExport/Invitations.csv"] == (
        2, {"unknown kind": 1})


def test_linkedin_rows_with_hidden_names_or_nothing_are_counted_as_skipped():
    csv = linkedin_connections([("Rachel", "Morgan", "")]).decode() + \
        ",,https://www.linkedin.com/in/hidden,,Acme,Teacher,18 Sep 2026\n,,,,,,\n"
    download = read_download(csv.encode(), file_name="Connections.csv")
    assert [e.name for e in download.entries] == ["Rachel Morgan"]
    assert counted(download) == {"Connections.csv": (1, {"hidden name": 1, "empty row": 1})}


# -- a download that cannot be read ---------------------------------------------------------

def test_a_platforms_download_without_connections_says_what_to_ask_for():
    archive = zipped({"your_facebook_activity/posts/your_posts_1.json": b"[]"})
    with pytest.raises(DownloadError) as refused:
        read_download(archive, file_name="facebook-sjenkins-2026-12-01.zip")
    message = str(refused.value)
    assert "looks like a download from Facebook" in message
    assert "Download your information" in message and "Format: JSON" in message


# -- kinds carried to the advice -------------------------------------------------------------

def test_the_advice_fits_each_kind_of_connection(store):
    download = read_download(zipped({
        "connections/friends/sent_friend_requests.json": facebook_list("sent_requests_v2",
                                                                       ["Ella Morgan"]),
        "connections/followers/who_you've_followed.json": facebook_list("following_v3",
                                                                        ["Alexander Campbell-Reid"]),
        "connections/friends/received_friend_requests.json": facebook_list(
            "received_requests_v2", ["Zoë Wiśniewska"]),
    }), file_name="facebook.zip")
    result = check_download(store, "T1", download, ON)
    by_name = {m.name: m for m in result.matches}
    ella, alexander = by_name["Ella Morgan"], by_name["Alexander Campbell-Reid"]
    assert ella.policy.suggested == REMOVE
    assert ella.actions == ("On Facebook: withdraw the request you sent them",)
    assert "withdraw the request" in ella.policy.says
    assert alexander.actions == ("On Facebook: unfollow them",)
    zoe = by_name["Zoë Wiśniewska"]
    assert zoe.actions == ("On Facebook: decline or ignore the request they sent you",)
    assert "decline" in zoe.policy.says
    matched = result.to_json()["matches"]
    assert {m["name"]: [e["relation"] for e in m["matched"]] for m in matched}["Ella Morgan"] \
        == ["request_sent"]
    assert result.to_json()["files"][0]["read"] == 1


def test_a_friend_is_to_be_removed_as_a_friend(store):
    download = read_download(zipped({"connections/friends/your_friends.json":
                                     facebook_list("friends_v2", ["Ella Morgan"])}),
                             file_name="facebook.zip")
    [ella] = check_download(store, "T1", download, ON).matches
    assert ella.actions == ("On Facebook: remove them as a friend",)


# -- shown in the command's output ----------------------------------------------------------

def test_the_command_shows_each_files_counts_kinds_and_what_to_do(store, tmp_path):
    from click.testing import CliRunner

    from api.cli import main

    csv = linkedin_connections([("Rachel", "Morgan", "")]).decode() + \
        ",,https://www.linkedin.com/in/hidden,,Acme,Teacher,18 Sep 2026\n"
    path = tmp_path / "linkedin.zip"
    path.write_bytes(zipped({"Connections.csv": csv.encode(), "Invitations.csv":
                             linkedin_invitations([("Sarah Jenkins", "Ella Morgan", "OUTGOING")])}))
    result = CliRunner().invoke(main, ["check-download", str(path), "--person", "T1",
                                       "--as-of", AS_OF, "--data", str(tmp_path / "data")],
                                env={"COLUMNS": "400"})
    assert result.exit_code == 0, result.output
    assert "2 entries read and 1 skipped from LinkedIn" in result.output
    assert "1 (hidden name)" in result.output
    assert "Ella Morgan (request sent)" in result.output
    printed = CliRunner().invoke(main, ["check-download", str(path), "--person", "T1",
                                        "--as-of", AS_OF, "--format", "json",
                                        "--data", str(tmp_path / "data")])
    shown = json.loads(printed.output)
    assert {m["name"]: m["what_to_do"] for m in shown["matches"]}["Ella Morgan"] == [
        "On LinkedIn: withdraw the request you sent them"]
    files = {f["file"]: f for f in shown["files"]}
    assert files["Connections.csv"]["skipped"] == {"hidden name": 1}
    assert files["Invitations.csv"]["read"] == 1


def test_a_meta_page_saved_under_another_name_says_which_platform_and_what_to_ask():
    page = instagram_html("Followers", ["ellamorgan"])
    with pytest.raises(DownloadError) as refused:
        read_download(page, file_name="my followers.html")
    assert "looks like a download from Instagram" in str(refused.value)
    assert "Format: JSON" in str(refused.value)


def test_a_tiktok_list_saved_twice_by_the_browser_is_still_read():
    download = read_download(tiktok_txt(["mia.khan"]), file_name="Following (1).txt")
    assert kinds(download) == [("mia.khan", "following")]
