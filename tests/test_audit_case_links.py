"""The auditor's case numbers are links (issue 28, item 8): an auditor may open no case
(api/access.py), so a case number in their trail links to the trail filtered to that case,
every entry about it they may read; a case beyond their reach answers exactly as a case
that does not exist. Who may open the case page (a reviewer it is routed to) also gets a
link to the case (api/pages/admin.py case_link)."""

from __future__ import annotations

import re

from tests.test_account_scope import three  # noqa: F401 (a fixture)
from tests.test_audit_page import rows
from tests.test_audit_scope import auditor_of
from tests.test_pages import Browser, service, text  # noqa: F401 (fixtures)

NOBODY_CASE = "F-0000000000000000"


def entries_about(register, finding_id) -> list[int]:
    return sorted((seq for seq, object_id in register.db.execute(
        "SELECT e.seq, json_extract(d.details, '$.object_id') FROM audit_entries e JOIN "
        "audit_details d ON d.seq = e.seq WHERE e.object_kind = 'case'")
        if object_id == finding_id), reverse=True)


def test_a_case_number_links_to_every_entry_about_that_case(service):
    case_id = service.case_of("pupil-contact", "T1", "P1")["finding_id"]
    leader = Browser(service, "L1")
    leader.post(f"/cases/{case_id}/decide", {"decision": "dismissed", "reason": "known"})
    auditor = Browser(service, "auditor")
    page = auditor.get("/audit", params={"action": "case.raised"}).text
    assert f'href="/audit?case={case_id}"' in page, "the case number is a link"
    assert f'href="/cases/{case_id}"' not in page, "an auditor may open no case"

    about = auditor.get(f"/audit?case={case_id}")
    assert about.status_code == 200, about.text
    expected = entries_about(service.register, case_id)
    assert len(expected) >= 3, "raised, then two moves"
    assert rows(about.text) == expected, "every entry about the case, newest first, no other"
    words = text(about.text)
    assert f"Entries about case {case_id}." in words
    assert f"{len(expected)} entries match" in words
    assert re.search(r'href="/audit.csv\?case=' + case_id, about.text)
    exported = auditor.get("/audit.csv", params={"case": case_id}).content.decode("utf-8-sig")
    assert len(exported.strip().splitlines()) == len(expected) + 1


def test_a_case_beyond_an_auditors_trust_answers_as_one_that_does_not_exist(three):
    tied = auditor_of(three, "trust-auditor", "S1")
    outside = three.targets["outside"]["case"]
    own = three.targets["own"]["case"]
    stranger = three.get(tied, "/audit", params={"case": outside})
    nobody = three.get(tied, "/audit", params={"case": NOBODY_CASE})
    assert (stranger.status_code, stranger.text) == (
        nobody.status_code, nobody.text.replace(NOBODY_CASE, outside))
    assert "Case: there is no case" in text(stranger.text)
    assert "0 entries match" in text(stranger.text)
    assert three.register.store.person("CP1").family_name not in stranger.text
    beyond = three.get(tied, "/audit.csv", params={"case": outside})
    missing = three.get(tied, "/audit.csv", params={"case": NOBODY_CASE})
    assert beyond.content == missing.content
    assert len(beyond.content.decode("utf-8-sig").strip().splitlines()) == 1, "a header only"

    inside = three.get(tied, "/audit", params={"case": own})
    assert inside.status_code == 200 and f"Entries about case {own}." in text(inside.text)
    assert rows(inside.text) and "Case: there is no case" not in text(inside.text)
    # The auditor tied to nothing reads the whole register's trail, that case included.
    whole = three.get("auditor", "/audit", params={"case": outside})
    assert rows(whole.text) and rows(whole.text) == entries_about(three.register, outside)


def test_a_case_id_that_is_no_id_is_answered_as_no_case(service):
    auditor = Browser(service, "auditor")
    odd = auditor.get("/audit", params={"case": "' OR 1=1 --"})
    assert odd.status_code == 200
    assert "0 entries match" in text(odd.text) and "Case: there is no case" in text(odd.text)
