"""The pages in a real browser (Chromium, found by `find_chromium`, driven by Playwright) through the story
of issue 5: a teacher declares a family friendship and a connection; the senior leader sees
the finding, opens the case and decides with a reason; the safeguarding lead opens the
network picture of the pupil and exports it. Screenshots of each page are saved to the
test's own folder; with RELREG_UPDATE_SCREENSHOTS=1 they also replace docs/screenshots/
(shown in the README).

Under CI=true a missing Chromium fails the test: it is never skipped there."""

from __future__ import annotations

import dataclasses
import datetime as dt
import os
import re
import shutil
import socket
import threading
import time
import zipfile
from pathlib import Path

import pytest
import uvicorn

from api.identity import AccountRole
from api.main import create_app
from api.settings import Settings
from api.service import Actor
from graph.intake.exchange import write_folder
from graph.intake.identity import IdentityTable
from graph.model import World
from graph.store.embedded import EmbeddedStore
from tests.builder import WorldBuilder
from tests.pages_world import story_world

CHROMIUM_ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-quic",
                 "--no-first-run", "--disable-background-networking",
                 "--disable-component-update", "--disable-sync"]
ROOT = Path(__file__).resolve().parent.parent
SCREENSHOTS = ROOT / "docs" / "screenshots"
TODAY = dt.date(2026, 11, 23)
TWO_WEEKS_BEFORE = dt.date(2026, 11, 9)
PASSWORD = "a long enough password"
USERS = {  # username -> (role, person, school)
    "priya.shah": (AccountRole.STAFF, "T2", "S1"),
    "liam.brennan": (AccountRole.SENIOR_LEADER, "L1", "S1"),
    "dana.kowalski": (AccountRole.DSL, "D1", "S1"),
    "trust.admin": (AccountRole.TRUST_ADMIN, None, None),
    "audit.officer": (AccountRole.AUDITOR, None, None),
}


CHROMIUM_NAMES = ("chromium", "chromium-browser", "google-chrome", "google-chrome-stable")


def find_chromium() -> str | None:
    """The browser the tests drive: $RELREG_CHROMIUM if set, else the first of the usual
    names on PATH. Playwright never downloads a browser of its own here."""
    wanted = os.environ.get("RELREG_CHROMIUM")
    if wanted:
        return wanted if Path(wanted).is_file() else shutil.which(wanted)
    return next(filter(None, map(shutil.which, CHROMIUM_NAMES)), None)


def _chromium_or_skip() -> str:
    found = find_chromium()
    if found:
        return found
    why = ("no Chromium found (looked for $RELREG_CHROMIUM, then " + ", ".join(CHROMIUM_NAMES)
           + " on PATH): install it with `apt-get install chromium` (Debian) or "
           "`snap install chromium` (Ubuntu), or set RELREG_CHROMIUM to its path")
    if os.environ.get("CI") == "true":
        pytest.fail(why, pytrace=False)
    pytest.skip(why)


def _free_port(host: str = "127.0.0.1") -> int:
    with socket.socket() as probe:
        probe.bind((host, 0))
        return probe.getsockname()[1]


def another_address() -> str | None:
    """An address of this machine that is not loopback (a browser there is "another
    machine" to the service, and http:// to it is not a secure context), if it has one."""
    with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as probe:
        try:
            probe.connect(("203.0.113.1", 9))  # no packet is sent: this only picks a route
            address = probe.getsockname()[0]
        except OSError:
            try:
                address = socket.gethostbyname(socket.gethostname())
            except OSError:
                return None
    return None if address.startswith("127.") else address


@pytest.fixture
def served(tmp_path):
    yield from _serve(tmp_path, "127.0.0.1")


@pytest.fixture
def served_on_the_network(tmp_path):
    address = another_address()
    if address is None:
        why = "this machine has no address but loopback to reach the service from"
        if os.environ.get("CI") == "true":
            pytest.fail(why, pytrace=False)
        pytest.skip(why)
    yield from _serve(tmp_path, address)


def _serve(tmp_path, host: str):
    """The story's school served by uvicorn on a free port of `host`, in a thread. The
    service first runs on 9 November, so that Tom Fairweather's cases are overdue by the
    day of the story."""
    store = EmbeddedStore(tmp_path / "data")
    store.import_world(story_world())
    calendar = {"today": TWO_WEEKS_BEFORE}
    app = create_app(store, tmp_path / "data" / "service.sqlite3", settings=Settings(),
                     today=lambda: calendar["today"])
    calendar["today"] = TODAY
    register = app.state.register
    with register.writing():
        for username, (role, person_id, school_id) in USERS.items():
            register.accounts.create(username, PASSWORD, role, person_id, school_id)
    server = uvicorn.Server(uvicorn.Config(app, host=host, port=_free_port(host),
                                           log_level="warning", access_log=False))
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    deadline = time.monotonic() + 20
    while not server.started:
        assert time.monotonic() < deadline, "the server did not start"
        time.sleep(0.05)
    yield f"http://{host}:{server.config.port}", register
    server.should_exit = True
    thread.join(timeout=10)
    register.close()
    store.close()


@pytest.fixture
def browser():
    chromium = _chromium_or_skip()
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        launched = playwright.chromium.launch(executable_path=chromium, args=CHROMIUM_ARGS)
        yield launched
        launched.close()


class Person:
    """One user in their own browser context, saving a screenshot of each page they see."""

    def __init__(self, browser, base: str, shots: Path):
        self.context = browser.new_context(viewport={"width": 1280, "height": 900},
                                           locale="en-GB", accept_downloads=True)
        self.page = self.context.new_page()
        self.base = base
        self.shots = shots
        # Script errors and content security policy violations; a form answered 422 is
        # also a console error in Chromium, and is not one of these.
        self.console_errors: list[str] = []
        self.page.on("console", lambda m: m.type == "error" and not m.text.startswith(
            "Failed to load resource") and self.console_errors.append(m.text))
        self.page.on("pageerror", lambda error: self.console_errors.append(str(error)))
        self.missing: list[str] = []  # styles, scripts, images... the page asked for in vain
        self.page.on("response", lambda r: r.status >= 400 and r.request.resource_type
                     != "document" and self.missing.append(r.url))
        self.outside_requests: list[str] = []
        self.page.on("request", lambda r: not r.url.startswith((base, "data:"))
                     and self.outside_requests.append(r.url))

    def sign_in(self, username: str) -> None:
        page = self.page
        page.goto(f"{self.base}/")
        page.get_by_label("Username").fill(username)
        page.get_by_label("Password").fill(PASSWORD)
        page.get_by_role("button", name="Sign in").click()
        page.wait_for_load_state()
        assert page.get_by_text(f"Signed in as {username}").is_visible()

    def shot(self, name: str) -> None:
        self.shots.mkdir(parents=True, exist_ok=True)
        self.page.screenshot(path=self.shots / f"{name}.png", full_page=True)
        check_page_basics(self.page)

    def close(self) -> None:
        """Leave, having loaded nothing from outside the app and broken no rule of its
        content security policy (a violation is a console error)."""
        self.context.close()
        assert self.outside_requests == [], "nothing is loaded from outside the app"
        assert self.console_errors == []
        assert self.missing == []


def check_page_basics(page) -> None:
    """What every page must have: landmarks, one h1, a skip link, a label for every field."""
    assert page.locator("header").count() == 1 and page.locator("main").count() == 1
    assert page.locator("h1").count() == 1
    unlabelled = page.evaluate("""() => [...document.querySelectorAll(
        'input:not([type=hidden]), select, textarea')]
        .filter(field => field.labels.length === 0 && !field.getAttribute('aria-label'))
        .map(field => field.name)""")
    assert unlabelled == [], f"fields without a label: {unlabelled}"
    headless_th = page.evaluate("""() => [...document.querySelectorAll('th')]
        .filter(th => !th.getAttribute('scope')).length""")
    assert headless_th == 0, "every table header names its scope"


def test_the_story_of_a_declaration_a_decision_and_a_network_picture(served, browser, tmp_path):
    base, register = served
    shots = tmp_path / "screenshots"

    # -- a teacher declares a family friendship and a connection ---------------------------
    teacher = Person(browser, base, shots)
    page = teacher.page
    page.goto(f"{base}/my")
    assert page.url.startswith(f"{base}/sign-in"), "pages need signing in"
    teacher.shot("01-sign-in")
    teacher.sign_in("priya.shah")
    page.keyboard.press("Tab")
    assert page.evaluate("document.activeElement.textContent") == "Skip to main content"
    page.keyboard.press("Enter")
    assert page.evaluate("document.activeElement.id") == "main"
    page.get_by_role("navigation", name="Main").get_by_role("link", name="Declare").click()
    page.get_by_label("Name").fill("Morgan")
    page.get_by_role("button", name="Search").click()
    found = page.get_by_role("row", name=re.compile("Sarah Morgan"))
    assert "parent of Ella Morgan" in found.inner_text()
    teacher.shot("02-staff-find-a-person")
    found.get_by_role("link", name=re.compile("Choose")).click()
    page.get_by_role("radio", name="Family friend").check()
    page.get_by_label("Details").fill("Our families have been friends since before Ella "
                                      "was born; Sarah and I sing in the same choir.")
    teacher.shot("03-staff-declare")
    page.get_by_role("button", name="Declare the relationship").click()
    assert page.get_by_role("status").inner_text().startswith("Your declaration is recorded")

    page.goto(f"{base}/my/declare?name=Morgan")
    page.get_by_role("row", name=re.compile("Sarah Morgan")).get_by_role(
        "link", name=re.compile("Choose")).click()
    page.locator("#connection-channel").select_option("facebook")
    page.get_by_role("radio", name="We follow each other").check()
    page.get_by_role("button", name="Declare the connection").click()
    assert page.get_by_role("status").inner_text() == "Your connection is recorded."

    page.get_by_role("radio", name="I have nothing further to declare").check()
    page.get_by_role("button", name="Give my confirmation").click()
    assert "You last gave it on 23 November 2026: nothing further to declare." in \
        page.get_by_role("region", name="Yearly confirmation").inner_text()
    declarations = page.get_by_role("region", name="My declarations").inner_text()
    assert "Sarah Morgan" in declarations and "Family friend" in declarations
    assert "Pending" in declarations
    connections = page.get_by_role("region", name="My connections").inner_text()
    assert "Facebook" in connections and "Relationship declared, awaiting a decision" in connections
    teacher.shot("04-staff-my-relationships")

    # ...and one made by mistake, withdrawn with a reason.
    page.goto(f"{base}/my/declare?name=Jack")
    page.get_by_role("link", name="Choose Jack Morgan").click()
    page.get_by_role("radio", name="Friendship from before").check()
    page.get_by_role("button", name="Declare the relationship").click()
    page.get_by_role("button", name="Withdraw the declaration about Jack Morgan").click()
    assert "Why: fill this in" in page.get_by_role("alert").inner_text()
    page.get_by_label("Why you withdraw it (the declaration about Jack Morgan)").fill("Chosen by mistake: I meant his mother.")
    page.get_by_role("button", name="Withdraw the declaration about Jack Morgan").click()
    assert page.get_by_role("status").inner_text() == "Your declaration is withdrawn."
    assert "Withdrawn" in page.get_by_role("row", name=re.compile("Jack Morgan")).first.inner_text()
    teacher.close()

    # -- the senior leader sees the finding, opens the case and decides with a reason -------
    leader = Person(browser, base, shots)
    page = leader.page
    leader.sign_in("liam.brennan")
    assert page.url == f"{base}/cases"
    rows = page.locator("tbody tr").all_inner_texts()
    assert [("Overdue" in row, row.split("\t")[1].splitlines()[0]) for row in rows] == [
        (True, "Personal contact with a pupil"),
        (True, "Personal contact with a pupil"),
        (False, "Relationship declared, awaiting a decision"),
    ], "overdue first"
    row = page.get_by_role("row", name=re.compile("Relationship declared, awaiting a decision"))
    assert "Priya Shah" in row.inner_text() and "Sarah Morgan" in row.inner_text()
    leader.shot("05-leader-review-queue")
    page.get_by_label("Name of someone in the case").fill("Shah")
    page.get_by_role("button", name="Filter").click()
    assert page.get_by_role("status").first.inner_text().startswith("1 case.")
    with page.expect_download() as waiting:
        page.get_by_role("link", name=re.compile("as a spreadsheet")).click()
    queue_csv = waiting.value.path().read_text(encoding="utf-8-sig")
    assert "Relationship without an accepted declaration,Priya Shah,Sarah Morgan" in queue_csv
    # The declarations waiting for a decision, with the case each goes with.
    page.get_by_role("navigation", name="Main").get_by_role("link", name="Declarations").click()
    waiting_list = page.get_by_role("main").inner_text()
    assert "Priya Shah declared on 23 November 2026: family friend of Sarah Morgan" in \
        waiting_list and "Jack Morgan" not in waiting_list, "withdrawn: not waiting"
    page.get_by_role("link", name="Relationship declared, awaiting a decision").click()
    page.get_by_label("Give the case to").select_option(label="Liam Brennan")
    page.get_by_role("button", name="Assign the case").click()
    assert page.get_by_role("status").inner_text() == "The case is given to the reviewer you chose."
    assert "Assigned to\nLiam Brennan" in page.inner_text("dl.facts")
    assert "Priya Shah is connected with Sarah Morgan (Facebook)" in page.inner_text("main")
    assert "T2" not in page.inner_text("main"), "people by name, never by id"
    clauses = page.get_by_role("region", name="What the policy says").inner_text()
    assert "ninestiles 4.2.1" in clauses and "Social media relationships must be declared " \
        "with other personal relationships" in clauses, "the clause in the policy's own words"
    recused = page.get_by_role("region", name="Who reviews it").inner_text()
    assert re.search(r"Helen Achebe\s+connected", recused), "who was recused and why"
    page.wait_for_selector("#network-picture[data-drawn]")
    page.get_by_label("Reason (required)").fill("Reviewing Priya's declaration.")
    page.get_by_role("button", name="Record the decision").click()
    assert page.get_by_role("status").inner_text().startswith("The case is updated")
    page.get_by_role("radio", name="Accept: transparent and permitted").check()
    page.get_by_role("button", name="Record the decision").click()
    assert "Reason: fill this in" in page.get_by_role("alert").inner_text(), \
        "a decision needs a reason"
    page.get_by_label("Reason (required)").fill(
        "A family friendship from before Priya joined; the connection is with the parent, "
        "not the pupil.")
    page.get_by_label("If you accept: any conditions").fill(
        "No contact with Ella on personal channels.")
    page.get_by_role("button", name="Record the decision").click()
    page.wait_for_selector("#network-picture[data-drawn]")
    history = page.get_by_role("region", name="History").inner_text()
    assert "a connection between Priya Shah and Sarah Morgan declared" in history
    assert not re.search(r"\b[CD]-[0-9a-f]{6,}|\bT2\b|\bM1\b", history), "no ids in the history"
    assert "Liam Brennan (Senior leader): moved to accepted. A family friendship from before " \
        "Priya" in history
    leader.shot("06-leader-case")
    page.get_by_role("link", name="Print view").click()
    assert "Printed on 23 November 2026 by Liam Brennan (Senior leader)" in page.inner_text("main")
    assert page.locator("main form").count() == 0
    page.goto(f"{base}/declarations")
    assert "No declaration is waiting." in page.inner_text("main"), \
        "accepting the case accepted the declaration"
    leader.close()
    [case] = [c for c in register.cases.find(adult_id="T2")]
    assert case.conditions.startswith("No contact with Ella")
    # One decision: the declaration is accepted with the case, and so the finding (an
    # undeclared relationship) no longer fires.
    assert {d.counterpart_id: d.status for d in register.store.declarations_of("T2")} == \
        {"M1": "accepted", "P3": "rejected"}  # Jack Morgan's was withdrawn
    assert case.state == "resolved"

    # -- the safeguarding lead opens the pupil's network picture and exports it ---------------
    lead = Person(browser, base, shots)
    page = lead.page
    lead.sign_in("dana.kowalski")
    page.get_by_label("Name").fill("Ella")
    page.get_by_role("button", name="Search").click()
    page.get_by_role("link", name="See the network of Ella Morgan").click()
    page.wait_for_selector("#network-picture[data-drawn]")
    assert page.locator("#network-picture canvas").count() == 1
    links = page.get_by_role("region", name="Links in the picture").inner_text()
    assert re.search(r"Tom Fairweather and Ella Morgan\s+Facebook.*\s+Prohibited:", links)
    assert re.search(r"Priya Shah and Sarah Morgan\s+Facebook: Priya Shah and Sarah Morgan "
                     r"follow each other\s+None", links), "declared and accepted: no finding"
    assert "Priya Shah declared: family friend of Sarah Morgan (accepted)" in links
    assert "TikTok: Jack Morgan follows Tom Fairweather (inbound-only)" in links
    legend = page.get_by_role("region", name="Legend").inner_text()
    assert "Connection a rule prohibits" in legend and "Pupil" in legend
    page.get_by_label("Declared relationships").focus()  # the picture's last tool
    page.keyboard.press("Tab")
    assert page.evaluate("document.activeElement.getAttribute('aria-label')") == \
        "Network picture", "the picture is reached by keyboard"
    lead.shot("07-dsl-network")
    with page.expect_download() as waiting:
        page.get_by_role("link", name="Export as one HTML file").click()
    exported = tmp_path / "network-export.html"
    waiting.value.save_as(exported)
    lead.close()

    html = exported.read_text(encoding="utf-8")
    assert not re.search(r"<script[^>]*\bsrc=|<link\b|@import|url\(\s*['\"]?https?:", html)
    offline = browser.new_context(offline=True, viewport={"width": 1280, "height": 900},
                                  locale="en-GB")
    opened = offline.new_page()
    requested = []
    opened.on("request", lambda r: requested.append(r.url))
    opened.goto(exported.as_uri())
    opened.wait_for_selector("#network-picture[data-drawn]")
    assert opened.locator("#network-picture canvas").count() == 1
    assert [url for url in requested if not url.startswith(("file:", "data:"))] == []
    assert "Network of Ella Morgan" in opened.inner_text("h1")
    opened.screenshot(path=shots / "08-exported-network.png", full_page=True)
    offline.close()

    views = register.audit.entries(action="person.network.view", limit=1000)
    assert any(e.details["object_id"] == "P1" and e.actor != "register" for e in views)
    assert [e.details["object_id"] for e in
            register.audit.entries(action="person.network.export")] == ["P1"]

    # -- and the trust admin, who uploads a folder with a mistake in it ---------------------
    admin = Person(browser, base, shots)
    page = admin.page
    admin.sign_in("trust.admin")
    folder = tmp_path / "exchange"
    write_folder(WorldBuilder().school("S3", name="Hillside School").staff("T7", "S3")
                 .pupil("P7", "S3").pupil("P8", "S3").build(), folder)
    people = folder / "people.csv"
    people.write_text(people.read_text().replace("2015-03-03", "2015-02-30", 1)
                      .replace("FamilyP8,2015-03-03", "FamilyP8,03/03/2015"))
    with zipfile.ZipFile(tmp_path / "hillside.zip", "w") as archive:
        for file in sorted(folder.iterdir()):
            archive.write(file, file.name)
    page.get_by_label("Exchange folder as a zip").set_input_files(tmp_path / "hillside.zip")
    page.get_by_role("button", name="Import").click()
    problems = page.get_by_role("alert").inner_text()
    assert "hillside.zip was rejected: nothing was imported" in problems
    assert "people.csv:2: date_of_birth: '2015-02-30' is not a date that exists" in problems
    assert "people.csv:3: date_of_birth: '03/03/2015'" in problems
    admin.shot("09-admin-import-problems")
    # Corrected, imported, then taken back after seeing what undoing would do.
    people.write_text(people.read_text().replace("2015-02-30", "2015-03-03")
                      .replace("03/03/2015", "2015-03-03"))
    with zipfile.ZipFile(tmp_path / "hillside.zip", "w") as archive:
        for file in sorted(folder.iterdir()):
            archive.write(file, file.name)
    page.get_by_label("Exchange folder as a zip").set_input_files(tmp_path / "hillside.zip")
    page.get_by_role("button", name="Import now").click()
    assert "hillside.zip was imported." in page.inner_text("main")
    assert register.store.person("T7") is not None
    undo = page.get_by_role("region", name="Undo the last import").inner_text()
    assert re.search(r"People\s+3\s+0", undo), "three people taken back, none put back"
    assert "Given FamilyP7, Given FamilyP8, Given FamilyT7" in undo
    page.get_by_role("button", name=re.compile("Undo the import of")).click()
    assert page.get_by_role("status").inner_text().startswith("The last import is undone")
    assert "There is no import to undo." in page.inner_text("main")

    # Staff accounts for the new term from a CSV: previewed, then made.
    accounts_csv = tmp_path / "new-staff.csv"
    accounts_csv.write_text("username,role,school,name\n"
                            "tom.fairweather,Staff,Meadowbank Academy,Tom Fairweather\n"
                            "ella.morgan,Staff,Meadowbank Academy,Ella Morgan\n")
    page.get_by_role("navigation", name="Main").get_by_role("link", name="Accounts").click()
    page.get_by_label("CSV file of accounts").set_input_files(accounts_csv)
    page.get_by_role("button", name="Preview the accounts").click()
    assert "Person: no current member of staff at Meadowbank Academy has the name Ella Morgan" in \
        page.inner_text("main"), "a pupil is never given a staff account"
    assert page.get_by_role("button", name=re.compile("Make these")).count() == 0
    accounts_csv.write_text("username,role,name\ntom.fairweather,Staff,Tom Fairweather\n")
    page.get_by_label("CSV file of accounts").set_input_files(accounts_csv)
    page.get_by_role("button", name="Preview the accounts").click()
    page.get_by_role("button", name="Make these 1 accounts").click()
    made = page.get_by_role("table", name=re.compile("Accounts made")).inner_text()
    assert "tom.fairweather" in made and "Tom Fairweather" in made
    # ...and a school renamed.
    page.get_by_role("navigation", name="Main").get_by_role("link", name="Schools").click()
    page.get_by_label("Name of Riverside Primary").fill("Riverside Primary Academy")
    page.get_by_role("button", name="Save Riverside Primary").click()
    assert page.get_by_role("status").inner_text() == "The school is saved."
    admin.close()
    assert register.accounts.by_username("tom.fairweather").person_id == "T1"

    # -- the auditor reads who did what ------------------------------------------------------
    auditor = Person(browser, base, shots)
    page = auditor.page
    auditor.sign_in("audit.officer")
    page.get_by_label("What was done").select_option("school.update")
    page.get_by_role("button", name="Filter").click()
    assert "1 entry match" in page.inner_text("main")
    assert "Trust admin" in page.get_by_role("table").inner_text()
    auditor.close()
    assert register.store.person("T7") is None

    if os.environ.get("RELREG_UPDATE_SCREENSHOTS"):
        SCREENSHOTS.mkdir(parents=True, exist_ok=True)
        for shot in sorted(shots.glob("*.png")):
            shutil.copyfile(shot, SCREENSHOTS / shot.name)


def test_signing_in_from_another_machine_over_plain_http(served_on_the_network, browser,
                                                        tmp_path):
    """The staffroom computer opens the register by the server's network address over
    plain HTTP: the teacher is told the connection is not encrypted and still signs in
    (a Secure cookie would be dropped there), and the trust admin is warned."""
    base, register = served_on_the_network
    teacher = Person(browser, base, tmp_path / "screenshots")
    page = teacher.page
    page.goto(f"{base}/my")
    assert "This connection is not encrypted" in page.inner_text("main")
    teacher.sign_in("priya.shah")
    assert page.url == f"{base}/my"
    assert page.get_by_role("region", name="My declarations").is_visible()
    [cookie] = [c for c in teacher.context.cookies() if c["name"] == "relreg_session"]
    assert cookie["secure"] is False and cookie["httpOnly"] is True
    teacher.close()

    admin = Person(browser, base, tmp_path / "screenshots")
    admin.sign_in("trust.admin")
    assert "Someone signed in over plain HTTP from another machine on 23 November 2026" in \
        admin.page.get_by_role("alert").inner_text()
    admin.page.get_by_role("button", name="I have seen this").click()
    assert admin.page.get_by_role("alert").count() == 0, "seen: it goes"
    admin.close()


def test_the_api_documentation_works_offline(served, browser):
    """/docs and /redoc draw the API's documentation from files the app serves itself."""
    base, _ = served
    context = browser.new_context()
    page = context.new_page()
    outside = []
    page.on("request", lambda r: not r.url.startswith((base, "data:", "blob:"))
            and outside.append((r.resource_type, r.url)))
    page.goto(f"{base}/docs")
    page.wait_for_selector(".swagger-ui .opblock-tag", timeout=20000)
    assert page.get_by_text("/api/cases", exact=False).first.is_visible()
    page.goto(f"{base}/redoc")
    page.wait_for_selector("redoc [role=menuitem], .menu-content", timeout=20000)
    assert "Relationship register" in page.inner_text("body")
    context.close()
    # ReDoc's sidebar shows its maker's logo from their site: an image that, offline, is
    # simply not shown. Nothing the documentation needs comes from outside.
    assert [(kind, url) for kind, url in outside if kind != "image"] == []


def test_a_leader_who_has_left_is_refused_and_the_trust_admin_sees_why(served, browser,
                                                                       tmp_path):
    """Liam Brennan leaves the school: his open page refuses him with what to do, he cannot
    sign in again, and the trust admin's accounts page lists his account as refused."""
    base, register = served
    leader = Person(browser, base, tmp_path / "screenshots")
    page = leader.page
    leader.sign_in("liam.brennan")
    assert page.url == f"{base}/cases"
    [membership] = register.store.memberships_of("L1")
    left = World(memberships=[dataclasses.replace(membership, end_date=dt.date(2026, 11, 20))])
    register.change_facts(Actor(None), "membership.end", "membership", upsert=left,
                          cause="Liam Brennan left")
    page.reload()
    words = page.inner_text("main")
    assert "can no longer be used" in words and "Liam Brennan is not a current member of " \
        "staff at Meadowbank Academy" in words and "Ask a trust admin" in words
    page.get_by_role("button", name="Sign out").click()
    page.get_by_label("Username").fill("liam.brennan")
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Sign in").click()
    assert "can no longer be used" in page.get_by_role("alert").inner_text()
    leader.console_errors.clear()  # a 403 page is a console error in Chromium
    leader.close()

    admin = Person(browser, base, tmp_path / "screenshots")
    admin.sign_in("trust.admin")
    admin.page.get_by_role("navigation", name="Main").get_by_role("link", name="Accounts").click()
    assert "1 account(s) no longer fit" in admin.page.get_by_role("alert").inner_text()
    row = admin.page.get_by_role("row", name=re.compile("liam.brennan")).inner_text()
    assert "Refused" in row and "Change the role or disable the account" in row
    admin.close()


def test_preferred_names_are_shown_and_found(served, browser, tmp_path):
    """Ella goes by Ellie: a teacher finds her by either name and sees both."""
    base, register = served
    with IdentityTable(register.data_dir) as identity:
        identity.add_preferred_names({"P1": ("Ellie", "")})
    teacher = Person(browser, base, tmp_path / "screenshots")
    page = teacher.page
    teacher.sign_in("priya.shah")
    page.goto(f"{base}/my/declare?name=Ellie")
    assert page.get_by_role("row", name=re.compile(r"^Ella \(Ellie\) Morgan pupil")).count() == 1
    assert "parent of Ella (Ellie) Morgan" in page.get_by_role(
        "row", name=re.compile("^Sarah Morgan")).inner_text()
    teacher.close()
