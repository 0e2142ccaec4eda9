"""The staff page for checking a download: private, refusing bad files clearly, and from
match to declaration in one step through the normal paths."""

from __future__ import annotations

import json

from graph.model import Basis, DeclarationStatus
from tests.download_world import facebook_friends, facebook_zip, instagram_followers, zipped
from tests.test_pages import Browser, service, text  # noqa: F401  (the fixture)

FRIENDS = ["Ella Morgan", "Sarah Morgan", "Jack Morgan", "Sam Okoro", "Helen Achebe", "Ella"]


def _check(browser, data: bytes, name: str = "facebook-priya.zip", platform: str = ""):
    return browser.post("/my/download-check", {"platform": platform},
                        files={"download": (name, data, "application/zip")})


def test_staff_find_the_page_and_see_who_in_their_download_is_at_school(service):
    teacher = Browser(service, "T2")
    assert 'href="/my/download-check"' in teacher.get("/my").text
    assert "Private to you" in text(teacher.get("/my/download-check").text)
    shown = _check(teacher, facebook_zip(FRIENDS))
    assert shown.status_code == 200, shown.text
    words = text(shown.text)
    assert "6 entries read from Facebook. 3 of them are probably people at your school" in words
    assert "Ella Morgan pupil at Meadowbank Academy" in words
    assert "Sarah Morgan parent of Ella Morgan and Jack Morgan" in words
    assert "Sam Okoro" not in words, "a pupil of another school is not matched"
    assert "Remove the connection" in words and "Policy clause ninestiles 8.3" in words
    assert "99% sure" in words


def test_a_check_is_audited_as_a_check_only(service):
    teacher = Browser(service, "T2")
    _check(teacher, facebook_zip(FRIENDS))
    [entry] = service.register.audit.entries(action="download.check")
    assert entry.actor == service.accounts["T2"].actor
    assert entry.details["entries_read"] == 6 and entry.details["platforms"] == ["facebook"]
    assert entry.details["subjects"] == ["T2"]
    recorded = json.dumps(entry.details)
    assert "Morgan" not in recorded and "P1" not in recorded and "M1" not in recorded


def test_matches_become_declarations_and_removals_in_one_step(service):
    teacher = Browser(service, "T2")
    _check(teacher, facebook_zip(FRIENDS))
    done = teacher.post("/my/download-check/choices", {
        "choice-M1": "family_friend", "channels-M1": "facebook",
        "choice-P1": "removed", "channels-P1": "facebook",
        "choice-P3": "", "channels-P3": "facebook"})
    assert done.status_code == 200, done.text
    words = text(done.text)
    assert "Sarah Morgan: declared as family friend; a senior leader will review it" in words
    assert "Ella Morgan: recorded that you removed the connection" in words
    assert "Jack Morgan" not in words, "a dismissed match is not remembered"
    [declaration] = [d for d in service.register.store.declarations_of("T2")
                     if d.counterpart_id == "M1"]
    assert (declaration.basis, declaration.status, declaration.declared_on) == (
        Basis.FAMILY_FRIEND, DeclarationStatus.PENDING, service.today)
    assert not [d for d in service.register.store.declarations_of("T2") if d.counterpart_id == "P3"]
    [removed] = service.register.audit.entries(action="connection.removed")
    assert removed.details["subjects"] == ["P1", "T2"]
    [made] = service.register.audit.entries(action="declaration.create")
    assert made.actor == service.accounts["T2"].actor


def test_a_choice_about_someone_outside_the_school_is_refused(service):
    teacher = Browser(service, "T2")
    done = teacher.post("/my/download-check/choices", {"choice-P2": "family_friend"})
    assert "Someone not at your school: not recorded" in text(done.text)
    assert "P2" not in text(done.text), "never an internal id"
    assert not service.register.store.declarations_of("P2")


def test_bad_files_are_refused_with_a_sentence_saying_what_is_accepted(service):
    teacher = Browser(service, "T2")
    not_one = _check(teacher, b"just some text", name="notes.txt")
    assert not_one.status_code == 422
    assert "is not a download of friends or followers" in text(not_one.text)
    assert "Connections.csv" in text(not_one.text)
    wrong = _check(teacher, facebook_zip(FRIENDS), platform="instagram")
    assert wrong.status_code == 422
    assert "is a download from Facebook, not from Instagram" in text(wrong.text)
    evil = _check(teacher, zipped({"../../etc/passwd": b"x"}), name="evil.zip")
    assert evil.status_code == 422 and "outside it" in text(evil.text)
    assert not service.register.audit.entries(action="download.check")


def test_instagram_followers_are_matched_by_username(service):
    teacher = Browser(service, "T2")
    shown = _check(teacher, zipped({"connections/followers_and_following/followers_1.json":
                                    instagram_followers(["jack_morgan14", "someone"])}),
                   name="instagram-priya.zip")
    words = text(shown.text)
    assert "@jack_morgan14 (Instagram, follower)" in words
    assert "Jack Morgan" in words and "the username spells the name" in words


def test_only_staff_and_leaders_of_a_school_may_check(service):
    admin = Browser(service, "admin")
    assert admin.get("/my/download-check").status_code == 403


def test_choices_need_the_csrf_token(service):
    teacher = Browser(service, "T2")
    refused = teacher.post("/my/download-check/choices", {"choice-M1": "family_friend"},
                           csrf=False)
    assert refused.status_code == 403
    assert not service.register.store.declarations_of("M1")


def test_the_limit_the_page_states_is_the_one_it_refuses_by(service, monkeypatch):
    from api.pages.downloads import too_large

    monkeypatch.setattr(service.register.settings, "max_download_bytes", 1024 * 1024)
    teacher = Browser(service, "T2")
    form = teacher.get("/my/download-check")
    assert "It may be up to 1 MB." in text(form.text)
    assert f'data-max-bytes="{1024 * 1024}"' in form.text
    just_over = facebook_friends(["Ella Morgan"]) + b" " * (1024 * 1024)
    refused = _check(teacher, just_over, name="your_friends.json")
    assert refused.status_code == 413
    assert too_large(1024 * 1024) in text(refused.text)
    assert "The file is larger than 1 MB." in text(refused.text)
    taken = _check(teacher, facebook_friends(["Ella Morgan"]) + b" " * 1000_000,
                   name="your_friends.json")
    assert taken.status_code == 200


def test_odd_files_get_an_answer_and_their_names_stay_out_of_the_log(service, caplog):
    import logging

    from tests.download_world import linkedin_connections

    teacher = Browser(service, "T2")
    long_field = linkedin_connections([("Ella", "Morgan", "")]).replace(
        b",Teacher,", b',"' + b"x" * 300_000 + b'",')
    deep = b'{"friends_v2": ' + b"[" * 100_000 + b"]" * 100_000 + b"}"
    with caplog.at_level(logging.DEBUG):
        for name, data, status, said in [
            ("your_friends (1).json", facebook_friends(FRIENDS), 200, "6 entries read from Facebook"),
            ("friends.json", facebook_friends(FRIENDS), 200, "6 entries read from Facebook"),
            ("Connections.csv", long_field, 200, "read from LinkedIn"),
            ("your_friends.json", deep, 422, "more than 100 levels deep"),
        ]:
            answer = _check(teacher, data, name=name)
            assert answer.status_code == status and said in text(answer.text), name
    logged = "\n".join(r.getMessage() + str(r.exc_info or "") for r in caplog.records)
    assert "/my/download-check" in logged, "the requests were logged"
    for name in ("your_friends", "friends.json", "Connections.csv"):
        assert name not in logged


def test_the_page_counts_each_file_and_says_what_to_do_for_each_kind(service):
    from tests.download_world import facebook_html, facebook_list

    teacher = Browser(service, "T2")
    shown = _check(teacher, zipped({
        "connections/friends/sent_friend_requests.html": facebook_html("Sent friend requests",
                                                                        ["Ella Morgan"]),
        "connections/followers/who_you've_followed.json": json.dumps(
            {"following_v3": [{"name": "Sarah Morgan", "timestamp": 1700000000}, {"name": ""}]}
        ).encode(),
        "connections/friends/your_friends.json": facebook_list("friends_v2", ["Sam Okoro"]),
    }))
    assert shown.status_code == 200, shown.text
    words = text(shown.text)
    assert "3 entries read and 1 skipped (see below why) from Facebook" in words
    assert "connections/followers/who_you've_followed.json (Facebook) 1 1 (empty row)" in words
    assert "connections/friends/sent_friend_requests.html (Facebook) 1 none" in words
    assert "Ella Morgan (Facebook, request sent)" in words
    assert "On Facebook: withdraw the request you sent them" in words
    assert "On Facebook: unfollow them" in words
