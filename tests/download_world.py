"""A school whose people have real-looking (invented) names, and downloads in exactly the
shapes the platforms write, for the tests of checking a download."""

from __future__ import annotations

import dataclasses
import html
import io
import json
import zipfile

from tests.builder import school_with_leaders

AS_OF = "2026-12-01"

NAMES = {
    "T1": ("Sarah", "Jenkins"),        # the teacher who checks her download
    "P1": ("Ella", "Morgan"),          # current pupil
    "M1": ("Rachel", "Morgan"),        # Ella's mother
    "X1": ("Zoë", "Wiśniewska"),       # ex-pupil, 17
    "P2": ("Alexander", "Campbell-Reid"),  # current pupil
    "P3": ("Oliver James", "Jenkins"),  # pupil, T1's nephew in the school's records
    "P4": ("Mia", "Khan"),             # pupil T1 has declared a family friendship with
    "A1": ("Ella", "Fitzgerald"),      # an adult of the school who is no pupil or parent
}


def school_world():
    builder = (
        school_with_leaders("ninestiles", "S1")
        .pupil("P1", born="2013-05-05")
        .family("M1", "parent", "P1")
        .pupil("X1", born="2009-06-01", start="2020-09-01", end="2025-07-20")
        .pupil("P2", born="2012-01-01")
        .pupil("P3", born="2012-02-02")
        .family("T1", "other_relative", "P3")
        .pupil("P4", born="2012-03-03")
        .declare("T1", "P4", "family_friend", declaration_id="D-friend")
        .staff("A1", "S1")
    )
    world = builder.build()
    for person_id, (given, family) in NAMES.items():
        person = world.people[person_id]
        world.people[person_id] = dataclasses.replace(person, given_name=given, family_name=family)
    world.schools["S1"] = dataclasses.replace(world.schools["S1"], name="Oakfield Academy")
    return world


def mojibake(text: str) -> str:
    """How Meta writes non-ASCII text: each UTF-8 byte as a Latin-1 character."""
    return text.encode("utf-8").decode("latin-1")


def facebook_friends(names: list[str], key: str = "friends_v2") -> bytes:
    return json.dumps({key: [{"name": mojibake(n), "timestamp": 1700000000 + i}
                             for i, n in enumerate(names)]}).encode()


def instagram_followers(handles: list[str]) -> bytes:
    return json.dumps([{"title": "", "media_list_data": [], "string_list_data": [
        {"href": f"https://www.instagram.com/{h}", "value": h, "timestamp": 1700000000}]}
        for h in handles]).encode()


def instagram_following(handles: list[str]) -> bytes:
    return json.dumps({"relationships_following": [{"title": "", "media_list_data": [],
                                                    "string_list_data": [
        {"href": f"https://www.instagram.com/{h}", "value": h, "timestamp": 1700000000}]}
        for h in handles]}).encode()


LINKEDIN_NOTES = ('Notes:\n"When exporting your connection data, you may notice that some of '
                  'the email addresses are missing."\n\n')


def linkedin_connections(rows: list[tuple[str, str, str]]) -> bytes:
    lines = ["First Name,Last Name,URL,Email Address,Company,Position,Connected On"]
    lines += [f"{first},{last},https://www.linkedin.com/in/{first.lower()},{email},"
              f"\"Acme, Ltd\",Teacher,18 Sep 2026" for first, last, email in rows]
    return (LINKEDIN_NOTES + "\n".join(lines) + "\n").encode()


def tiktok_user_data(followers: list[str], following: list[str], section: str = "Your Activity",
                     old: bool = False) -> bytes:
    fans, follows = (("Follower List", "Following List") if old else ("Follower", "Following"))
    return json.dumps({section: {
        fans: {"FansList": [{"Date": "2026-01-02 10:00:00", "UserName": u} for u in followers]},
        follows: {"Following": [{"Date": "2026-01-02 10:00:00", "UserName": u}
                                for u in following]}}}).encode()


def x_file(kind: str, ids: list[str]) -> bytes:
    rows = [{kind: {"accountId": i, "userLink": f"https://twitter.com/intent/user?user_id={i}"}}
            for i in ids]
    return f"window.YTD.{kind}.part0 = {json.dumps(rows, indent=2)}".encode()


def zipped(files: dict[str, bytes]) -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        for name, data in files.items():
            archive.writestr(name, data)
    return buffer.getvalue()


def facebook_zip(names: list[str]) -> bytes:
    return zipped({"connections/friends/your_friends.json": facebook_friends(names),
                   "personal_information/profile_information/profile_information.json": b"{}"})




# -- every connection file, in the shapes public readers of these downloads quote ---------

def facebook_list(key: str, names: list[str]) -> bytes:
    """Any of Facebook's JSON lists of people: friends_v2, followers_v3, following_v3,
    sent_requests_v2, received_requests_v2, deleted_friends_v2."""
    return json.dumps({key: [{"name": mojibake(n), "timestamp": 1700000000 + i}
                             for i, n in enumerate(names)]}).encode()


def facebook_html(title: str, names: list[str]) -> bytes:
    """A page of Facebook's HTML download: one `_a6-g` block per person, the name in its
    heading and the date in `_a72d`."""
    blocks = "".join(
        f'<div class="pam _3-95 _2ph- _a6-g uiBoxWhite noborder">'
        f'<h2 class="_2ph_ _a6-h _a6-i">{html.escape(n)}</h2>'
        f'<div class="_2ph_ _a6-p"><div></div></div>'
        f'<div class="_3-94 _a6-o"><div class="_a72d">Nov 14, 2023 10:13:20 pm</div></div></div>'
        for n in names)
    return (f'<!DOCTYPE html><html><head><meta charset="utf-8" /><title>{title}</title></head>'
            f'<body class="_5vb_ _2yq _a7o5"><div class="clearfix _ikh"><div class="_4bl9">'
            f'<div class="_li"><div class="_3a6h _a705"><div class="_3-8y _3-95 _a70e">'
            f'<div class="_3b0a"><h1>{title}</h1></div></div></div><div class="_a706" '
            f'role="main">{blocks}</div></div></div></div></body></html>').encode()


def instagram_list(key: str | None, handles: list[str]) -> bytes:
    """One of Instagram's JSON lists: a bare list for followers (key None), else under
    relationships_following, relationships_follow_requests_sent, ..._received,
    relationships_close_friends or relationships_unfollowed_users."""
    rows = [{"title": "", "media_list_data": [], "string_list_data": [
        {"href": f"https://www.instagram.com/{h}", "value": h, "timestamp": 1700000000}]}
        for h in handles]
    return json.dumps(rows if key is None else {key: rows}).encode()


def instagram_html(title: str, handles: list[str]) -> bytes:
    """A page of Instagram's HTML download: one block per account, a link to its profile
    and the date under it, and the page's own links around them."""
    blocks = "".join(
        f'<div class="pam _3-95 _2ph- _a6-g uiBoxWhite noborder"><div class="_a6-p"><div>'
        f'<div><a target="_blank" href="https://www.instagram.com/{h}">{h}</a></div>'
        f'<div>Nov 14, 2023 10:13 pm</div></div></div></div>' for h in handles)
    return (f'<html><head><title>{title}</title></head><body><div role="main">'
            f'<h1>{title}</h1>{blocks}</div><footer><a href="https://www.instagram.com/legal/">'
            f'Instagram</a></footer></body></html>').encode()


def tiktok_txt(handles: list[str], eol: str = "\n") -> bytes:
    """TikTok's TXT list (Follower.txt, Following.txt): blocks of Date and Username."""
    return eol.join(f"Date: 2023-08-{10 + i:02d} 06:18:18 UTC{eol}Username: {h}{eol}"
                    for i, h in enumerate(handles)).encode()


def linkedin_invitations(rows: list[tuple[str, str, str]]) -> bytes:
    """Invitations.csv: (from, to, OUTGOING or INCOMING)."""
    lines = ["From,To,Sent At,Message,Direction,inviterProfileUrl,inviteeProfileUrl"]
    lines += [f'{sender},{to},"1/29/26, 2:37 PM",,{direction},'
              f'https://www.linkedin.com/in/a,https://www.linkedin.com/in/b'
              for sender, to, direction in rows]
    return ("\n".join(lines) + "\n").encode()
