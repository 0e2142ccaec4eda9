"""A trust admin's import touches only their trust's schools (api/access.py
import_beyond_reach): a zip exchange folder, or a CTF whose school comes from its DfE
number, naming another trust's school or changing another trust's person is refused
whole, in its preview, in the words of a school or person that is not there, and nothing
is written. The world is the scope table's (tests/test_scope_table.py): S1 and S2 are the
trust's, S3 another trust's, the trust admin is S1's.
"""

from __future__ import annotations

import datetime as dt
import io
import re
import zipfile
from dataclasses import replace

from graph.intake.exchange import write_folder
from graph.intake.identity import IdentityTable
from graph.model import Membership, Role, School, World
from tests.ctf_factory import FakePupil, ctf_xml, make_upn
from tests.test_account_scope import three, whole_register_admin  # noqa: F401 (a fixture)

NEWCOMER = FakePupil(make_upn(7), "Newly", "Arrived")


def zipped(world: World, folder) -> bytes:
    write_folder(world, folder)
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        for file in sorted(folder.iterdir()):
            archive.write(file, file.name)
    return buffer.getvalue()


def a_new_pupil_at(three, school_id: str, name: str) -> World:
    """A folder adding pupil NEW at `school_id` (unknown schools made up as new)."""
    known = three.register.store.export_world().schools
    school = known.get(school_id) or School(school_id, f"School {school_id}", None, "ninestiles")
    pupil = replace(three.register.store.person("P1"), person_id="NEW", given_name=name)
    return World(schools={school_id: school}, people={"NEW": pupil},
                 memberships=[Membership("NEW", school_id, Role.PUPIL, None,
                                         dt.date(2025, 9, 1), None)])


def import_zip(three, who, world, tmp_path, name, **form):
    body = zipped(world, tmp_path / name)
    return (three.post(who, "/api/imports", params=form, files={"file": ("f.zip", body)}),
            three.post(who, "/admin/import", data={"action": "preview"},
                       files={"file": ("f.zip", body)}))


def test_a_folder_naming_another_trusts_school_is_refused_as_no_school(three, tmp_path):
    before = three.register.store.export_world()
    for how in ({}, {"preview": "true"}):
        outside = import_zip(three, "admin", a_new_pupil_at(three, "S3", "Ona"), tmp_path,
                             f"s3{how}", **how)
        nowhere = import_zip(three, "admin", a_new_pupil_at(three, "S9", "Ona"), tmp_path,
                             f"s9{how}", **how)
        for refused, alike in zip(outside, nowhere):
            assert refused.status_code == 422, refused.text
            assert "there is no school &#39;S3&#39; in the register" in refused.text \
                or "there is no school 'S3' in the register" in refused.text
            assert refused.text.replace("S3", "S9") == alike.text
    assert three.register.store.person("NEW") is None
    assert three.register.store.export_world().schools == before.schools, "nothing written"
    own = import_zip(three, "admin", a_new_pupil_at(three, "S2", "Ona"), tmp_path, "s2")
    assert [r.status_code for r in own] == [200, 200], "the trust's other school imports"
    assert three.register.store.person("NEW").given_name == "Ona"
    register = whole_register_admin(three)
    anywhere = import_zip(three, register, a_new_pupil_at(three, "S3", "Ola"), tmp_path, "r")
    assert [r.status_code for r in anywhere] == [200, 200], "the whole register's admin may"


def test_a_folder_changing_another_trusts_person_is_refused(three, tmp_path):
    """A folder of people only names no school, yet would rewrite the person it names."""
    stranger = three.register.store.person("CT1")
    renamed = World(people={"CT1": replace(stranger, family_name="Changed")})
    api, page = import_zip(three, "admin", renamed, tmp_path, "ct1")
    for refused in (api, page):
        assert refused.status_code == 422
        assert "no person" in refused.text and "Changed" not in refused.text
    assert three.register.store.person("CT1") == stranger
    ours = World(people={"BT1": replace(three.register.store.person("BT1"),
                                        family_name="Changed")})
    assert [r.status_code for r in import_zip(three, "admin", ours, tmp_path, "bt1")] \
        == [200, 200]
    assert three.register.store.person("BT1").family_name == "Changed"


def test_a_ctf_whose_dfe_number_is_another_trusts_school_is_refused(three):
    """No school chosen: the register knows the file's destination 823/5003 as S3."""
    with IdentityTable(three.register.data_dir) as identity:
        identity.remember_school_number("823/5003", "S3")
        identity.remember_school_number("823/5002", "S2")

    def preview(dest, action="preview", **chosen):
        return three.post("admin", "/admin/import", data={"action": action, **chosen}, files={
            "file": ("in.xml", ctf_xml([NEWCOMER], dest=dest), "text/xml")})

    for action in ("preview", "import"):
        refused = preview(("823", "5003"), action)
        assert refused.status_code == 422, refused.text
        assert "S3" not in refused.text, "another trust's school is not named"
        unknown = preview(("823", "5999"), action)  # a number no school has
        assert refused.text == unknown.text.replace("823/5999", "823/5003")
        assert "823/5003" in refused.text
    assert three.register.store.person(f"UPN:{NEWCOMER.upn}") is None, "nothing written"
    # The trust's own school chosen: S3's number is read as a number no school has, and
    # the file is S1's, as an unknown number's would be; S3 keeps its number.
    mine, unknown = preview(("823", "5003"), school="S1"), preview(("823", "5999"), school="S1")
    assert mine.status_code == 200 and "S3" not in mine.text
    kept_as = re.compile(r"[0-9a-f]{64}\.xml")  # each preview kept aside under its own name
    assert kept_as.sub("", mine.text) == kept_as.sub("", unknown.text).replace("823/5999",
                                                                                "823/5003")
    assert preview(("823", "5003"), "import", school="S1").status_code == 200
    with IdentityTable(three.register.data_dir) as identity:
        assert identity.school_numbers()["823/5003"] == "S3", "never taken from S3"
    three.register.store.erase_person(f"UPN:{NEWCOMER.upn}")
    assert preview(("823", "5002"), "import").status_code == 200
    assert three.register.store.person(f"UPN:{NEWCOMER.upn}") is not None, "the trust's own"
