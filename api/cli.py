"""The review service's commands (`serve`, `demo`, `add-account`, `audit`, `reevaluate`,
`notify`),
joined to the register's own commands of `graph/cli.py` into the one `relreg` entry point."""

from __future__ import annotations

import contextlib
import datetime as dt
import sys
from dataclasses import dataclass
from pathlib import Path

import click

import graph.cli
from graph.cli import (
    _date,
    _print_table,
    _service_data_dir,
    data_option,
    main,
    open_store,
    store_option,
)
from graph.words import Names


@main.command()
@click.option("--people", default=3000, show_default=True, help="Size of the demo trust.")
@data_option
def demo(people, data):
    """Seed a demo trust into an empty store and show what the register finds in it."""
    from api.demo import NotTheDemo, seed_demo_trust
    from graph.store.embedded import EmbeddedStore

    with EmbeddedStore(data) as store:
        try:
            seeded = seed_demo_trust(store, store.data_dir, people)
        except NotTheDemo:
            seeded = False
        if seeded:
            click.echo(f"seeded a demo trust of {len(store.facts.world.people)} people into "
                       f"{store.data_dir} (the exchange files are in {store.data_dir / 'demo-trust'})")
        else:
            click.echo(f"{store.data_dir} already holds a register: showing it as it is")
        today = dt.date.today()
        _print_table(store.findings(today), today, Names.of_store(store))
    click.echo("next: relreg serve, relreg detect --format json, relreg export FOLDER")


@main.command()
@click.option("--demo", is_flag=True,
              help="Seed a demo trust into an empty store and print one sign-in per role.")
@click.option("--host", default="127.0.0.1", show_default=True, help="Address to listen on.")
@click.option("--port", default=8000, show_default=True, type=click.IntRange(0, 65535),
              help="Port to listen on.")
@store_option
@data_option
def serve(demo, host, port, store, data):
    """Start the review service: the API under /api, its docs at /docs. Cases, accounts and
    the audit trail live in service.sqlite3 in the data directory."""
    # The port first: a busy one is a plain error before anything is written or announced.
    listening = _listening_socket(host, port)
    try:
        _serve(listening, demo, host, store, data)
    finally:
        listening.close()


def _listening_socket(host: str, port: int):
    """The service's socket, bound (not yet listening): uvicorn is handed it."""
    import errno
    import socket

    def refuse(message: str):
        click.echo(f"Error: {message}", err=True)
        sys.exit(2)

    try:
        family, kind, proto, _, address = socket.getaddrinfo(
            host, port, type=socket.SOCK_STREAM, flags=socket.AI_PASSIVE)[0]
    except socket.gaierror:
        refuse(f"{host} is not an address of this machine: choose another with --host")
    listening = socket.socket(family, kind, proto)
    listening.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    try:
        listening.bind(address)
    except OSError as error:
        listening.close()
        if error.errno == errno.EADDRINUSE:
            refuse(f"port {port} is already in use: choose another with --port")
        if error.errno == errno.EACCES:
            refuse(f"port {port} needs more privileges than this user has: choose one above "
                   f"1023 with --port")
        refuse(f"cannot listen on {host} port {port} ({error.strerror}): choose another "
               f"with --host or --port")
    listening.set_inheritable(True)
    return listening


def _serve(listening, demo, host, store, data):
    import gc
    import logging
    import threading

    import uvicorn

    from graph.sqlite import SERVICE_DATABASE_NAME
    from api.demo import NotTheDemo, demo_sign_ins, seed_demo_trust
    from api.identity.sign_in_page import FIRST_ADMIN_COMMAND, no_account_yet
    from api.main import create_app

    port = listening.getsockname()[1]
    opened = open_store(store, data)
    data_dir = _service_data_dir(opened, data)
    # Before anything is served: the facts load in the background, where a school's missing
    # profile would stop every evaluation without a word on the command line.
    from graph.profiles import missing_profiles

    problems = missing_profiles(opened.schools())
    if problems:
        opened.close()
        raise graph.cli.UserError("\n".join(problems))
    try:
        if demo and seed_demo_trust(opened, data_dir):
            click.echo(f"seeded a demo trust into {data_dir}")
    except NotTheDemo as refused:
        opened.close()
        raise click.ClickException(str(refused)) from None
    from graph.secret_key import SecretKeyError

    try:
        # It answers at once from the cases as they were last brought in line, labelled,
        # while a thread loads the facts and re-evaluates as of today.
        app = create_app(opened, data_dir / SERVICE_DATABASE_NAME, settings=service_settings(),
                         refresh_in_background=True)
    except SecretKeyError as error:  # a missing or wrong key: say so, change nothing
        opened.close()
        raise click.ClickException(str(error)) from None
    from graph.sqlite import open_to_others

    if open_to_others(data_dir):
        click.echo(f"warning: other users of this machine can open {data_dir}, which holds "
                   f"children's personal data; make it private with: chmod 700 {data_dir}",
                   err=True)
    url = f"http://{host}:{port}"
    click.echo(f"relreg review service on {url} (API docs at {url}/docs)")
    if demo:
        click.echo("demo sign-ins (username  password):")
        for role, username, password in demo_sign_ins(app.state.register):
            click.echo(f"  {role:<14} {username:<18} {password}")
    elif no_account_yet(app.state.register):
        where = f" --data {data_dir}" if data else ""
        click.echo(f"no account yet: make the first trust admin with `{FIRST_ADMIN_COMMAND}"
                   f"{where}` (it asks for a password), then sign in at {url}")
    sys.stdout.flush()
    # What the start loads (the code, then the facts, the findings and the cases' state)
    # lives as long as the process: keep the collector from walking it all again on every
    # full collection, a pause in the middle of requests (90-160 ms on the demo trust). What
    # is loaded now, then what the refresh at start loads, once it is done.
    gc.freeze()

    def freeze_what_start_loaded():
        app.state.refresh.join()
        gc.freeze()

    threading.Thread(target=freeze_what_start_loaded, name="freezing-what-start-loaded",
                     daemon=True).start()
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(levelname)s %(name)s %(message)s")
    # No access log: it would hold client addresses and ids. The app logs route templates.
    stop_daily_run = app.state.register.run_daily()
    from api.notify.notifier import start_notifier

    stop_notifier = start_notifier(app.state.register)  # immediate ones, and the daily digest
    try:
        # The app reads proxy headers itself, from RELREG_TRUSTED_PROXIES only.
        uvicorn.Server(uvicorn.Config(app, host=host, port=port, access_log=False,
                                      log_level="info", proxy_headers=False)
                       ).run(sockets=[listening])
    finally:
        stop_notifier.set()
        stop_daily_run.set()
        app.state.register.close()
        opened.close()


@main.command()
@click.option("--as-of", "as_of", callback=_date, metavar="YYYY-MM-DD",
              help="Evaluation date (default today).")
@store_option
@data_option
def reevaluate(as_of, store, data):
    """Raise and resolve cases as time moves on (pupils leave, ex-pupils reach the age
    limit, adults join or leave), and say what changed since the last run and why."""
    from graph.sqlite import SERVICE_DATABASE_NAME, open_service_db

    from api.service import Register
    from api.settings import Settings
    from graph.audit import os_actor

    with open_store(store, data) as opened:
        data_dir = _service_data_dir(opened, data)
        register = Register(opened, open_service_db(data_dir / SERVICE_DATABASE_NAME), Settings(),
                            data_dir, today=lambda: as_of)
        try:
            words = register.names().text
            for line in register.reevaluate(as_of, actor=os_actor()).lines(words):
                click.echo(line)
        finally:
            register.close()


@main.command(name="add-account")
@click.argument("username")
@click.option("--role", required=True,
              type=click.Choice(["staff", "senior_leader", "headteacher", "dsl", "trust_admin",
                                 "auditor"]))
@click.option("--person", "person_id", help="The account's person in the register.")
@click.option("--school", "school_id", help="The account's school.")
@click.option("--email", help="Where its notifications and reset links go; also what links "
                             "it to a sign-in through the trust's provider.")
@click.password_option(help="Asked for when not given (at least 12 characters).")
@store_option
@data_option
def add_account(username, role, person_id, school_id, email, password, store, data):
    """Make a service account: the first trust admin, who makes the others in the service."""
    from api.access import account_problems
    from api.identity import AccountBook, AccountRole, UsernameTaken
    from api.pages.common import ROLE_NAMES
    from graph.sqlite import SERVICE_DATABASE_NAME, open_service_db
    from graph.sqlite import transaction
    from api.settings import Settings
    from graph.audit import AuditTrail, os_actor

    from api.notify import BadAddress, Contacts, create_tables, normal_address

    if len(password) < 12:
        raise click.BadParameter("at least 12 characters", param_hint="--password")
    if email:
        try:
            email = normal_address(email)
        except BadAddress as error:
            raise click.BadParameter(str(error), param_hint="--email") from None
    role = AccountRole(role)
    with open_store(store, data) as opened:
        problems = account_problems(opened, role, person_id, school_id, dt.date.today())
        if problems:
            options = {"person_id": "--person", "school_id": "--school", "role": "--role"}
            raise click.ClickException("; ".join(
                f"{message} ({options[field]})" for field, message in problems))
        person = opened.person(person_id) if person_id else None
        data_dir = _service_data_dir(opened, data)
    db = open_service_db(data_dir / SERVICE_DATABASE_NAME)
    try:
        accounts, trail = AccountBook(db, Settings()), AuditTrail(db)
        create_tables(db)
        if email and Contacts(db).by_email(email):
            raise click.ClickException(f"another account already has the address {email}")
        with transaction(db):
            account = accounts.create(username, password, role, person_id, school_id)
            trail.record(actor=os_actor(), action="account.create", object_kind="account",
                         object_id=str(account.account_id), role=str(role),
                         subjects=[person_id] if person_id else [])
            if email:
                Contacts(db).set_email(account.account_id, email)
    except UsernameTaken:
        raise click.ClickException(f"the username {username} is taken") from None
    finally:
        db.close()
    click.echo(f"account made: {username}, {ROLE_NAMES[role]}"
               + (f", for {person.name}" if person_id and person else ""))


def service_settings():
    """The RELREG_ settings, or a clear error naming each wrong one."""
    from pydantic import ValidationError

    from api.settings import Settings

    try:
        return Settings()
    except ValidationError as error:
        raise click.ClickException("the settings are wrong: " + "; ".join(
            f"RELREG_{str(e['loc'][0]).upper()}: {e['msg']}" for e in error.errors())) from None


@main.command()
@click.option("--dry-run", is_flag=True, help="Say who would be written to about what; send "
                                              "nothing and record nothing.")
@store_option
@data_option
def notify(dry_run, store, data):
    """Send the e-mail notifications due now: what happened since the last run, and today's
    digest if it has not gone (the service does this by itself as it runs). Mail settings:
    the trust admin's Mail page, or RELREG_SMTP_HOST, _PORT, _SECURITY, _USER, _PASSWORD,
    _FROM (which win)."""
    from api.identity.local_sign_in import install
    from graph.secret_key import SecretKeyError
    from api.notify.notifier import Notifier
    from api.notify import mail_problems, mail_settings
    from api.service import Register
    from graph.sqlite import SERVICE_DATABASE_NAME, open_service_db

    settings = service_settings()
    with open_store(store, data) as opened:
        data_dir = _service_data_dir(opened, data)
        register = Register(opened, open_service_db(data_dir / SERVICE_DATABASE_NAME), settings,
                            data_dir)
        try:
            try:
                install(register)
            except SecretKeyError as error:
                raise click.ClickException(str(error)) from None
            problems = mail_problems(mail_settings(register))  # the environment, then the page
            if problems and not dry_run:
                raise click.ClickException(" ".join(problems) + " (Or try --dry-run.)")
            notifier = Notifier(register)
            report = notifier.run(digest=notifier.digest_due(), dry_run=dry_run)
            usernames = {a.account_id: a.username for a in register.accounts.all()}
        finally:
            register.close()
    for line in report.lines(usernames):
        click.echo(line)
    what = "would write" if dry_run else "wrote"
    click.echo(f"{what} {len(report.composed)} new message(s)"
               f"{' with the daily digest' if report.digest else ''}"
               + ("" if dry_run else f"; sent {report.sent}, {len(report.failed)} not sent "
                                     f"(tried again later; trust admins see them)"))
    if report.failed:
        sys.exit(1)


@dataclass(frozen=True)
class _CommandLine:
    """The actor of a command that changes the facts through the register (api/service.py
    Actor's `name` and `client`): the operating-system user who ran it."""

    name: str
    client: None = None


@contextlib.contextmanager
def _import_through_register(target, data, record: dict):
    """`relreg import`'s way through the register (graph/cli.py through_service), where the
    service has brought cases in line in this data folder: the import is written, audited
    and followed by the cases as the import page's is (Register.change_facts), so the cases
    it opens are noted as that import's and the queue shows them under it. Otherwise the
    service raises them at its next start: left to that sync they could not be told from
    what the day itself changed, and noting them here is the one path the page uses too.
    A data folder the service never brought in line (a first import) has no queue yet:
    the store's own import is all it needs (None), and stays as quick as it was."""
    from api.service import Register
    from graph.audit import os_actor
    from graph.sqlite import SERVICE_DATABASE_NAME, open_service_db

    data_dir = _service_data_dir(target, data)
    if not (data_dir / SERVICE_DATABASE_NAME).exists():
        yield None
        return
    register = Register(target, open_service_db(data_dir / SERVICE_DATABASE_NAME),
                        service_settings(), data_dir)
    try:
        if register.findings_label().as_of is None:
            yield None
            return
        actor = _CommandLine(os_actor())

        def write(facts, report):
            register.change_facts(
                actor, "import", "import", import_world=facts,
                cause=f"a {report.kind} file was imported from the command line",
                opened_by_import=(report.import_id, report.kind), **record,
                object_id=report.import_id, kind=report.kind, counts=dict(report.changes),
                skipped=len(report.skipped))

        with register.lock:  # what the import reads of the facts stays what it changes
            # The day's own changes first, so that they are not put down to the import.
            register.reevaluate(register.today(), "re-evaluated before an import from the "
                                                  "command line")
            yield write
    finally:
        register.close()


graph.cli.through_service = _import_through_register


@contextlib.contextmanager
def _register(store, data, today=None):
    """The service's register over the store, for a command that works as the service does.
    The secret key is checked as the service's start checks it, before the command changes
    anything: an erasure seals its audit entry with the key, and one sealed with a missing or
    other key would leave a trail that no longer verifies."""
    from api.identity.local_sign_in import install
    from api.service import Register
    from graph.secret_key import SecretKeyError
    from graph.sqlite import SERVICE_DATABASE_NAME, open_service_db

    settings = service_settings()
    with open_store(store, data) as opened:
        data_dir = _service_data_dir(opened, data)
        register = Register(opened, open_service_db(data_dir / SERVICE_DATABASE_NAME),
                            settings, data_dir, **({"today": today} if today else {}))
        try:
            try:
                install(register)
            except SecretKeyError as error:
                raise click.ClickException(str(error)) from None
            yield register
        finally:
            register.close()


@main.command()
@click.argument("person_id", metavar="PERSON")
@click.option("--yes", is_flag=True, help="Erase; without it, only show what would go.")
@store_option
@data_option
def erase(person_id, yes, store, data):
    """Erase a person and every record naming them (UK GDPR Art. 17); without --yes, show
    what would go and change nothing. Refused while a safeguarding hold is on them."""
    from api.privacy import PrivacyError, erase as erase_person, plan_erasure
    from graph.audit import os_actor

    with _register(store, data) as register:
        try:
            plan = plan_erasure(register, person_id)
            if not yes:
                click.echo("would erase:")
                for line in plan.lines():
                    click.echo(line)
                if not plan.held:
                    click.echo("nothing changed: add --yes to erase")
                else:
                    click.echo("nothing changed: the hold must be lifted before erasure")
                return
            erase_person(register, os_actor(), person_id)
        except PrivacyError as error:
            raise click.ClickException(str(error)) from None
    click.echo(f"erased {person_id}:")
    for line in plan.lines()[1:]:
        click.echo(line)


def _with_reasons(items, what: str, option: str) -> dict[str, str]:
    """{WHAT: WHY} of options given as WHAT=WHY, each with a reason."""
    given = {}
    for item in items:
        which, _, why = item.partition("=")
        if not why.strip():
            raise click.BadParameter(f"{item!r} is not {what}=WHY", param_hint=option)
        given[which.strip()] = why
    return given


@main.command(name="subject-access")
@click.argument("person_id", metavar="PERSON")
@click.option("--out", "out_dir", required=True, type=click.Path(file_okay=False),
              help="Folder to write subject-access.html and subject-access.json into.")
@click.option("--reveal", multiple=True, metavar="PERSON=WHY",
              help="Show another person by name, and why (repeat for each).")
@click.option("--release", multiple=True, metavar="ITEM=WHY",
              help="Release a withheld item (listed in a first export), and why (repeat).")
@store_option
@data_option
def subject_access_command(person_id, out_dir, reveal, release, store, data):
    """Write everything held about a person, as a page to print and as JSON (UK GDPR
    Art. 15); others are described, not named, unless revealed with a reason, and what
    others wrote about them is withheld unless the school releases it with a reason."""
    import json

    from api.privacy import PrivacyError, subject_access, subject_access_html
    from graph.audit import os_actor

    reasons = _with_reasons(reveal, "PERSON", "--reveal")
    released = _with_reasons(release, "ITEM", "--release")
    out = Path(out_dir)
    if out.exists() and any(out.iterdir()):
        raise click.ClickException(f"{out} is not empty: name a new or empty folder")
    with _register(store, data) as register:
        try:
            report = subject_access(register, os_actor(), person_id, reveal=reasons,
                                    release=released)
        except PrivacyError as error:
            raise click.ClickException(str(error)) from None
    out.mkdir(parents=True, exist_ok=True)
    (out / "subject-access.html").write_text(subject_access_html(report), encoding="utf-8")
    (out / "subject-access.json").write_text(
        json.dumps(report.to_json(), indent=1, ensure_ascii=False), encoding="utf-8")
    click.echo(f"wrote {out / 'subject-access.html'} and {out / 'subject-access.json'}")


@main.command(name="retention")
@click.option("--apply", "apply_", is_flag=True, help="Erase who is due; without it, only list.")
@click.option("--as-of", "as_of", callback=_date, metavar="YYYY-MM-DD",
              help="The day to judge by (default today).")
@store_option
@data_option
def retention_command(apply_, as_of, store, data):
    """List who the retention schedule says is due for erasure, and why; --apply erases
    them as `relreg erase` does. People held for safeguarding are skipped and listed."""
    from api.privacy import PrivacyError, retention
    from graph.audit import os_actor
    from graph.retention import RetentionError

    with _register(store, data, today=lambda: as_of) as register:
        try:
            run = retention(register, os_actor(), as_of, apply=apply_)
        except (PrivacyError, RetentionError) as error:
            raise click.ClickException(str(error)) from None
        # Who is still in the register is named beside the id (the erased have no name).
        names = register.names()
        named = lambda person_id: "" if names.person(person_id) == person_id \
            else f", {names.person(person_id)}"  # noqa: E731
        verb = "erased" if apply_ else "due"
        for d in run.due:
            click.echo(f"{verb}: {d.person_id} ({d.kind}, due {d.due_on}){named(d.person_id)}: "
                       f"{d.why}")
        for d, h in run.held:
            click.echo(f"kept: {d.person_id}{named(d.person_id)} is due ({d.kind}, {d.due_on}) "
                       f"but held for safeguarding since {h.placed_at[:10]}")
    click.echo(f"{len(run.due)} due, {len(run.held)} held as of {as_of}"
               + ("" if apply_ else "; nothing changed: add --apply to erase them"))


def _who(register):
    """'P000009 (Alex Smith)': the id a command takes, and the name, while there is one."""
    names = register.names()

    def who(person_id: str) -> str:
        name = names.person(person_id)
        return f"{person_id} ({name})" if name != person_id else person_id

    return who


@main.group()
def hold():
    """Safeguarding holds: records kept from erasure while a concern stands."""


@hold.command(name="place")
@click.argument("person_id", metavar="PERSON")
@click.option("--reason", required=True, help="Why the records must be kept.")
@store_option
@data_option
def hold_place(person_id, reason, store, data):
    """Keep a person's records from erasure."""
    from api.privacy import PrivacyError, place_hold
    from graph.audit import os_actor

    with _register(store, data) as register:
        try:
            place_hold(register, os_actor(), person_id, reason)
        except PrivacyError as error:
            raise click.ClickException(str(error)) from None
        click.echo(f"{_who(register)(person_id)} is held: their records cannot be erased "
                   "until the hold is lifted")


@hold.command(name="lift")
@click.argument("person_id", metavar="PERSON")
@click.option("--reason", required=True, help="Why the hold ends.")
@store_option
@data_option
def hold_lift(person_id, reason, store, data):
    """Lift the safeguarding hold placed from the command line (a school's hold is its
    safeguarding lead's to lift)."""
    from api.privacy import PrivacyError, lift_hold
    from graph.audit import os_actor

    with _register(store, data) as register:
        try:
            lift_hold(register, os_actor(), person_id, reason)
        except PrivacyError as error:
            raise click.ClickException(str(error)) from None
        click.echo(f"the hold on {_who(register)(person_id)} is lifted")


@hold.command(name="list")
@store_option
@data_option
def hold_list(store, data):
    """Every safeguarding hold."""
    from api.privacy import holds

    with _register(store, data) as register:
        who = _who(register)
        for h in holds(register):
            whose = f"school {h.school_id}" if h.school_id else "the command line"
            click.echo(f"{who(h.person_id)}  since {h.placed_at[:10]}  by {h.placed_by} "
                       f"({whose}): {h.reason}")


@main.group()
def audit():
    """The review service's audit trail."""


def _service_db(data):
    from graph.sqlite import SERVICE_DATABASE_NAME, open_service_db
    from graph.store.embedded import default_data_dir

    path = Path(data or default_data_dir()) / SERVICE_DATABASE_NAME
    if not path.exists():
        raise click.ClickException(f"no service database at {path}")
    return open_service_db(path)


def _head(_ctx, _param, value):
    from graph.audit import AuditError, Head

    if value is None:
        return None
    try:
        return Head.parse(value)
    except AuditError as error:
        raise click.BadParameter(str(error)) from None


@audit.command(name="verify")
@click.option("--head", callback=_head, metavar="SEQ:HASH",
              help="A head printed earlier by `relreg audit head` (or the service's log): "
                   "fail unless the trail still reaches it.")
@data_option
def audit_verify(head, data):
    """Check the audit trail's hash chain from the first entry; exit 1 if it is broken."""
    from graph.audit import AuditTrail

    db = _service_db(data)
    try:
        result = AuditTrail(db).verify(head)
    finally:
        db.close()
    if not result.ok:
        click.echo(f"audit trail broken: {result.problem} ({result.entries} entries read)",
                   err=True)
        sys.exit(1)
    click.echo(f"audit trail intact: {result.entries} entries, chain verified "
               f"({result.erased} with personal details erased)"
               + (f", reaches the head {head.seq}" if head else ""))


@audit.command(name="head")
@data_option
def audit_head(data):
    """Print the trail's head as SEQ:HASH, to keep off this machine and check against
    later with `relreg audit verify --head`."""
    from graph.audit import AuditTrail

    db = _service_db(data)
    try:
        click.echo(str(AuditTrail(db).head()))
    finally:
        db.close()


if __name__ == "__main__":
    main()
