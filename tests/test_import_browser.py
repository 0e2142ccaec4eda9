"""Import in the page, in Chromium, as a trust admin (issue 28 item 1): an MIS export whose
columns are mapped in the page, previewed, imported and undone; the school chosen by name;
a refused file that still leaves the last import to undo; a large import whose progress
the page shows until its result. No hash or internal id is ever shown."""

from __future__ import annotations

import re

from api.pages import import_steps
from tests.ctf_factory import make_upn
from tests.test_browser import Person, browser, served  # noqa: F401 (fixtures)

HEADER = ("Adno,UPN,Legal Forename,Legal Surname,Date of Birth,Sex,Entry Date,"
          "Contact 1 Forename,Contact 1 Surname,Contact 1 Relationship")


def export(path, *rows, born="14/05/2013"):
    path.write_text("\n".join([HEADER] + [
        f"A{n},{make_upn(n)},{given},{family},{born},F,03/09/2024,Sarah,{family},Mother"
        for n, given, family in rows]) + "\n")
    return path


def upload(page, path, action: str) -> None:
    page.get_by_label("Exchange folder as a zip").set_input_files(path)
    page.locator("#school").select_option(label="Meadowbank Academy")
    page.get_by_label("MIS the export comes from").select_option(label="SIMS")
    page.get_by_role("button", name=action).click()


def no_internal_ids(page) -> None:
    shown = page.inner_text("main")
    assert not re.search(r"\b[0-9a-f]{12,64}\b", shown), "no hash or import number"


def test_a_trust_admin_imports_an_mis_export_from_the_page_alone(browser, served, tmp_path,  # noqa: F811
                                                                  monkeypatch):
    base, register = served
    admin = Person(browser, base, tmp_path / "shots")
    page = admin.page
    admin.sign_in("trust.admin")
    pupils = export(tmp_path / "pupils.csv", (1, "Ada", "Lovelace"), (2, "Alan", "Turing"))
    upload(page, pupils, "Preview the changes")

    mapping = page.get_by_role("region", name="Which field is in each column of pupils.csv?")
    assert "for Meadowbank Academy" in mapping.inner_text()
    assert page.get_by_label("Legal Surname").input_value() == "family_name", "recognised"
    assert page.get_by_label("Entry Date").input_value() == "", "not recognised: left to choose"
    assert page.get_by_label("Who the rows are").input_value() == "pupil"
    admin.shot("import-mapping")
    no_internal_ids(page)
    page.get_by_label("Entry Date").select_option(label="Start date")
    page.get_by_role("button", name="Confirm this mapping and preview the import").click()

    preview = page.get_by_role("region", name=re.compile("Preview of pupils.csv"))
    assert "nothing has changed yet" in preview.inner_text()
    assert re.search(r"People added\s+4", preview.inner_text())
    assert register.store.person(f"UPN:{make_upn(1)}") is None
    no_internal_ids(page)
    page.get_by_role("button", name="Import these changes").click()
    assert "pupils.csv was imported." in page.inner_text("main")
    assert register.store.person(f"UPN:{make_upn(1)}") is not None

    # A file with a mistake is refused whole; the last import is still there to undo.
    upload(page, export(tmp_path / "broken.csv", (3, "Grace", "Hopper"), born="31/02/2013"),
           "Preview the changes")
    assert "broken.csv was rejected: nothing was imported" in \
        page.get_by_role("alert").first.inner_text()
    undo = page.get_by_role("region", name="Undo the last import")
    assert "The last import was pupils.csv, on " in undo.inner_text()
    no_internal_ids(page)
    page.get_by_role("button", name="Undo the import of pupils.csv").click()
    assert page.get_by_role("status").inner_text().startswith("The last import is undone")
    assert register.store.person(f"UPN:{make_upn(1)}") is None
    assert "There is no import to undo." in page.inner_text("main")

    # A large import: the page shows how far it has got, then its result.
    monkeypatch.setattr(import_steps, "BACKGROUND_BYTES", 0)
    upload(page, pupils, "Import now")
    page.wait_for_url(re.compile(r"finished="), timeout=20_000)
    assert "pupils.csv was imported." in page.inner_text("main")
    assert register.store.person(f"UPN:{make_upn(2)}") is not None
    no_internal_ids(page)
    admin.close()
