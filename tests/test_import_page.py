"""Import in the page, start to finish (issue 28 item 1), as a trust admin who has never used
the command line: an MIS export whose columns the register has not seen is mapped in the
page (recognised columns pre-filled), the mapping is kept for that school and audited, then
previewed, imported and undone; the school is chosen by name; the last import is named by
its file and the school's time, and is still offered for undo after a refused file; no hash
or internal id is shown; a large import runs in the background while the page shows how far
it has got."""

from __future__ import annotations

import datetime as dt
import html
import re
import time

import pytest
import time_machine

import api.identity.accounts
import tests.api_world
from api.identity import AccountRole, SessionKind
from api.pages import import_steps
from api.pages.import_steps import when
from graph.intake.mis import mapping_path
from tests.api_world import FAST_HASHER, PASSWORD, ServiceUnderTest
from tests.ctf_factory import FakePupil, ctf_xml, make_upn
from tests.pages_world import story_world
from tests.test_scope_table import three  # noqa: F401 (a fixture)

HEADER = ("Adno,UPN,Legal Forename,Legal Surname,Date of Birth,Sex,Entry Date,"
          "Contact 1 Forename,Contact 1 Surname,Contact 1 Relationship,House Colour")
# Summer: London is an hour ahead of UTC, so a time shown in UTC would read 11:05.
IMPORTED_AT = dt.datetime(2026, 7, 1, 10, 5, tzinfo=dt.UTC)


def export(*rows: tuple[int, str, str]) -> bytes:
    lines = [HEADER] + [f"A{n},{make_upn(n)},{given},{family},14/05/2013,F,03/09/2024,"
                        f"Sarah,{family},Mother,Blue" for n, given, family in rows]
    return ("\n".join(lines) + "\n").encode()


@pytest.fixture
def service(tmp_path, monkeypatch):
    monkeypatch.setattr(api.identity.accounts, "_hasher", FAST_HASHER)
    monkeypatch.setattr(tests.api_world, "TODAY", dt.date(2026, 11, 9))
    served = ServiceUnderTest(tmp_path, world=story_world())
    served.today = dt.date(2026, 11, 23)
    yield served
    served.close()


def words(page: str) -> str:
    return " ".join(html.unescape(re.sub(r"<[^>]+>", " ", page)).split())


def hidden(page: str, name: str) -> str:
    return html.unescape(re.search(rf'name="{name}" value="([^"]*)"', page).group(1))


def chosen_fields(page: str) -> dict[str, str]:
    """Each column of the mapping step, with the field selected for it ("" for none)."""
    found = {}
    for heading, options in re.findall(r'<label for="column-\d+">([^<]*)</label></th>\s*'
                                       r'<td><select[^>]*>(.*?)</select>', page, re.S):
        picked = re.search(r'<option value="([^"]*)" selected>', options)
        found[html.unescape(heading)] = picked.group(1) if picked else ""
    return found


def no_internal_ids(page: str) -> None:
    shown = words(page)
    assert not re.search(r"\b[0-9a-f]{12,64}\b", shown), "no hash or import number in text"
    assert ".toml" not in shown and "pending-imports" not in shown


def map_and_preview(service, name: str, body: bytes, school: str, columns: dict[str, str]):
    first = service.post("admin", "/admin/import", data={
        "action": "preview", "school": school, "source": "sims"},
        files={"file": (name, body, "text/csv")})
    assert first.status_code == 200, first.text
    recognised = chosen_fields(first.text)
    chosen = [columns.get(heading, field) for heading, field in recognised.items()]
    return first, recognised, service.post("admin", "/admin/import", data={
        "action": "map", "pending": hidden(first.text, "pending"), "file_name": name,
        "school": school, "source": "sims", "role": "pupil", "columns": chosen})


def test_an_mis_export_is_mapped_in_the_page_previewed_imported_and_undone(service):
    body = export((1, "Ada", "Lovelace"), (2, "Alan", "Turing"))
    first = service.post("admin", "/admin/import", data={
        "action": "preview", "school": "S1", "source": "sims"},
        files={"file": ("autumn pupils.csv", body, "text/csv")})
    assert first.status_code == 200
    assert "Which field is in each column of autumn pupils.csv?" in words(first.text)
    recognised = chosen_fields(first.text)
    assert recognised == {
        "Adno": "external_id", "UPN": "upn", "Legal Forename": "given_name",
        "Legal Surname": "family_name", "Date of Birth": "date_of_birth", "Sex": "sex",
        "Entry Date": "", "Contact 1 Forename": "contact1_given_name",
        "Contact 1 Surname": "contact1_family_name",
        "Contact 1 Relationship": "contact1_relationship", "House Colour": ""}
    assert '<option value="pupil" selected>Pupils</option>' in first.text, "a UPN: pupils"
    assert "for Meadowbank Academy" in words(first.text), "the school by its name"
    assert service.store.person(f"UPN:{make_upn(1)}") is None
    no_internal_ids(first.text)

    # Confirmed as recognised, the start date is missing: said in the page, nothing saved.
    pending = hidden(first.text, "pending")
    form = {"action": "map", "pending": pending, "file_name": "autumn pupils.csv",
            "school": "S1", "source": "sims", "role": "pupil"}
    short = service.post("admin", "/admin/import",
                         data={**form, "columns": list(recognised.values())})
    assert short.status_code == 422
    assert "The mapping gives no column for start date, which is required." in words(short.text)
    assert not mapping_path(service.register.data_dir, "sims", "S1").exists()
    no_internal_ids(short.text)

    chosen = [("start_date" if h == "Entry Date" else f) for h, f in recognised.items()]
    preview = service.post("admin", "/admin/import", data={**form, "columns": chosen})
    assert preview.status_code == 200, words(preview.text)
    shown = words(preview.text)
    assert "Preview of autumn pupils.csv: nothing has changed yet" in shown
    assert "People added 4" in shown, "two pupils and their mothers"
    assert service.store.person(f"UPN:{make_upn(1)}") is None, "a preview changes nothing"
    saved = mapping_path(service.register.data_dir, "sims", "S1")
    assert 'start_date = "Entry Date"' in saved.read_text(), "kept for the school"
    [confirmed] = service.register.audit.entries(action="mapping.confirm")
    assert confirmed.actor == service.accounts["admin"].actor
    assert confirmed.details["school_id"] == "S1" and "start_date" in confirmed.details["fields"]
    no_internal_ids(preview.text)

    with time_machine.travel(IMPORTED_AT, tick=False):
        done = service.post("admin", "/admin/import", data={
            "action": "import", "pending": hidden(preview.text, "pending"),
            **{k: hidden(preview.text, k) for k in ("school", "source", "file_name")}})
    assert done.status_code == 200
    assert "autumn pupils.csv was imported." in words(done.text)
    assert service.store.person(f"UPN:{make_upn(2)}").family_name == "Turing"
    page = service.get("admin", "/admin/import").text
    undo = words(page[page.index('id="undo-heading"'):])
    assert "The last import was autumn pupils.csv, on 1 July 2026 at 11:05." in undo
    assert "Undo the import of autumn pupils.csv" in undo
    no_internal_ids(page)

    # The next export of the school is read with the school's mapping: straight to preview.
    again = service.post("admin", "/admin/import", data={
        "action": "preview", "school": "S1", "source": "sims"},
        files={"file": ("spring.csv", export((3, "Grace", "Hopper")), "text/csv")})
    assert "Preview of spring.csv" in words(again.text)
    assert "Which field is in each column" not in words(again.text)
    # Another school of the trust has not confirmed one: its columns are asked for.
    other = service.post("admin", "/admin/import", data={
        "action": "preview", "school": "S2", "source": "sims"},
        files={"file": ("spring.csv", export((3, "Grace", "Hopper")), "text/csv")})
    assert "Which field is in each column of spring.csv?" in words(other.text)
    assert "for Riverside Primary" in words(other.text)

    undone = service.post("admin", "/admin/import/undo",
                          data={"import_id": hidden(page, "import_id")}, follow_redirects=False)
    assert undone.status_code == 303
    assert service.store.person(f"UPN:{make_upn(1)}") is None
    assert "There is no import to undo." in words(service.get("admin", "/admin/import").text)


def test_a_refused_file_still_offers_the_undo_of_the_last_import(service):
    _, _, preview = map_and_preview(service, "pupils.csv", export((1, "Ada", "Lovelace")), "S1",
                                    {"Entry Date": "start_date"})
    service.post("admin", "/admin/import", data={
        "action": "import", "pending": hidden(preview.text, "pending"),
        **{k: hidden(preview.text, k) for k in ("school", "source", "file_name")}})
    bad = export((2, "Alan", "Turing")).replace(b"14/05/2013", b"31/02/2013")
    refused = service.post("admin", "/admin/import", data={
        "action": "preview", "school": "S1", "source": "sims"},
        files={"file": ("broken.csv", bad, "text/csv")})
    assert refused.status_code == 422
    shown = words(refused.text)
    assert "broken.csv was rejected: nothing was imported" in shown
    assert "There is no import to undo" not in shown
    assert "Undo the import of pupils.csv" in shown, "the last import is still there to undo"
    no_internal_ids(refused.text)
    nothing = service.post("admin", "/admin/import", data={"action": "preview"})
    assert nothing.status_code == 422 and "Undo the import of pupils.csv" in words(nothing.text)


def test_the_school_is_chosen_by_name_among_the_admins_own(three):  # noqa: F811
    page = three.get("admin", "/admin/import").text
    options = dict(re.findall(r'<option value="(S\d)"[^>]*>([^<]*)</option>',
                              page[page.index('id="school"'):]))
    schools = {s.school_id: s.name for s in three.register.store.schools()}
    assert options == {"S1": schools["S1"], "S2": schools["S2"]}, "the trust's, by name"
    assert schools["S3"] not in page, "another trust's school is not offered"


def test_a_large_import_shows_its_progress_to_its_admin_alone(service, monkeypatch):
    monkeypatch.setattr(import_steps, "BACKGROUND_BYTES", 0)  # every import is "large"
    _, _, preview = map_and_preview(service, "big.csv", export((1, "Ada", "Lovelace")), "S1",
                                    {"Entry Date": "start_date"})
    started = service.post("admin", "/admin/import", data={
        "action": "import", "pending": hidden(preview.text, "pending"),
        **{k: hidden(preview.text, k) for k in ("school", "source", "file_name")}})
    assert started.status_code == 202
    assert "Importing big.csv" in words(started.text)
    assert '<progress id="import-progress"' in started.text
    progress = re.search(r'data-progress="([^"]+)"', started.text).group(1)
    finished = re.search(r'data-finished="([^"]+)"', started.text).group(1)
    no_internal_ids(started.text)

    other = service.register.accounts.create("other-admin", PASSWORD, AccountRole.TRUST_ADMIN,
                                             None, None)
    token, _ = service.register.accounts.start_session(other, SessionKind.BEARER)
    stranger = {"Authorization": f"Bearer {token}"}
    assert service.http.get(progress, headers=stranger).status_code == 404, "not theirs"
    assert service.http.get("/admin/import/progress/nothing-here", headers=stranger)\
        .status_code == 404, "the same answer as no import"

    for _ in range(200):  # the import runs in its own thread
        status = service.get("admin", progress).json()
        assert 0 <= status["step"] < status["steps"] == 4
        if status["done"]:
            break
        time.sleep(0.05)
    assert status["done"]
    assert "big.csv was imported." not in words(service.http.get(finished, headers=stranger).text)
    result = service.get("admin", finished)
    assert "big.csv was imported." in words(result.text)
    assert service.store.person(f"UPN:{make_upn(1)}") is not None
    assert "Undo the import of big.csv" in words(result.text)
    assert service.get("admin", progress).status_code == 404, "shown once, then gone"


def test_a_ctf_is_chosen_for_a_school_by_name_and_named_by_its_file(service):
    pupil = FakePupil(make_upn(9), "Newly", "Arrived")
    body = ctf_xml([pupil])
    done = service.post("admin", "/admin/import", data={"action": "import", "school": "S1"},
                        files={"file": ("from Hillside.xml", body, "text/xml")})
    assert done.status_code == 200 and "from Hillside.xml was imported." in words(done.text)
    assert "Undo the import of from Hillside.xml" in words(done.text)
    no_internal_ids(done.text)


def test_import_times_are_in_the_schools_time():
    assert when("2026-07-01T10:05:00+00:00") == "1 July 2026 at 11:05", "summer time"
    assert when("2026-12-01T10:05:00+00:00") == "1 December 2026 at 10:05"
    assert when("") == ""


def test_an_import_logged_under_its_hash_before_is_not_named_by_it(service):
    """Imports made before the page kept uploads' names were logged under the file's hash."""
    from graph.intake.identity import IdentityTable
    from graph.model import World

    with IdentityTable(service.register.data_dir) as identity:
        identity.log_import("S1", "ctf", "ab" * 32 + ".xml", {"people_added": 0},
                            removed=World(), added=World())
    page = service.get("admin", "/admin/import").text
    assert "The last import was a file uploaded in this page" in words(page)
    no_internal_ids(page)
