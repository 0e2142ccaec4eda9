"""`relreg`: the register's command line."""

from __future__ import annotations

import contextlib
import datetime as dt
import json
import os
import sys
from collections import Counter
from pathlib import Path

import click
from rich.console import Console
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn
from rich.table import Table

from graph.intake.exchange import ExchangeError, read_folder, write_folder
from graph.dates import DateError, parse_date
from graph.facts import FactGraph
from graph.model import Role, World
from graph.profiles import SETTING_NAMES, SHIPPED, ProfileError, load_profile, use_data_folder
from graph.rules import evaluate, findings_json
from graph.store.base import Store, StoreError
from graph.words import Names

err = Console(stderr=True)
# Piped output is read whole (a file, a pager): wide enough that explanations do not fold.
out = Console() if sys.stdout.isatty() else Console(width=200)


@contextlib.contextmanager
def progress_bar(description: str, total: int | None):
    """A progress bar on a terminal; nothing at all when stderr is piped."""
    with Progress(
        TextColumn("{task.description}"), BarColumn(), MofNCompleteColumn(), TimeElapsedColumn(),
        console=err, disable=not err.is_terminal, transient=True,
    ) as bar:
        task = bar.add_task(description, total=total)
        yield lambda n: bar.advance(task, n)


@contextlib.contextmanager
def import_bar(steps: tuple[str, ...]):
    """An import's progress on a terminal: which of its `steps` it is at (and, reading a
    folder, how many people it has read); nothing at all when stderr is piped. Yields
    (stage, advance): `stage(step)` as each step starts, `advance(n)` as people are read."""
    with Progress(
        TextColumn("{task.description}"), BarColumn(), MofNCompleteColumn(), TimeElapsedColumn(),
        console=err, disable=not err.is_terminal, transient=True,
    ) as bar:
        task = bar.add_task(f"import: {steps[0]}", total=len(steps))
        people = None
        started = []

        def stage(step: str) -> None:
            if started:
                bar.advance(task, 1)
            started.append(step)
            bar.update(task, description=f"import: {step}")

        def advance(n: int) -> None:
            nonlocal people
            if people is None:
                people = bar.add_task("people read", total=None)
            bar.advance(people, n)

        yield stage, advance


def _date(_ctx, _param, value: str | None) -> dt.date:
    if value is None:
        return dt.date.today()
    try:
        return parse_date(value)
    except DateError as error:
        raise click.BadParameter(str(error)) from None


def _read(folder: str) -> World:
    with progress_bar(f"reading {folder}", None) as advance:
        try:
            return read_folder(folder, progress=advance)
        except ExchangeError as error:
            _rejected(error, folder)


def open_store(store: str | None, data: str | None) -> Store:
    """The store a command works on: Neo4j when `store` (or RELREG_STORE) is a bolt:// or
    neo4j:// URI, else the embedded store in `data` (or RELREG_DATA, or the default)."""
    store = store or os.environ.get("RELREG_STORE")
    try:
        if store and store.split("://")[0] in {"bolt", "neo4j", "bolt+s", "neo4j+s"}:
            from graph.store.neo4j import Neo4jStore

            opened: Store = Neo4jStore(store)
        else:
            from graph.store.embedded import EmbeddedStore

            opened = EmbeddedStore(data or store)
    except StoreError as error:
        raise click.ClickException(str(error)) from None
    use_data_folder(_service_data_dir(opened, data))  # the schools' own profiles are there
    return opened


store_option = click.option(
    "--store", metavar="URI",
    help="bolt://HOST:PORT or neo4j://HOST:PORT for Neo4j (else RELREG_STORE); "
         "the embedded store otherwise.",
)
data_option = click.option(
    "--data", metavar="DIR", type=click.Path(file_okay=False),
    help="Data directory of the embedded store (else RELREG_DATA, else ~/.local/share/relreg).",
)


class UserError(click.ClickException):
    """A problem the user can put right, in one line: exit code 2."""

    exit_code = 2


class _Commands(click.Group):
    def invoke(self, ctx):
        try:
            return super().invoke(ctx)
        except ProfileError as error:  # a school's profile file not in this data folder
            raise UserError(str(error)) from None


@click.group(cls=_Commands, context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(package_name="relationship-register", prog_name="relreg")
def main():
    """The relationship register: staff's relationships with pupils, ex-pupils and parents,
    checked against the school's social media policy."""
    from graph.sqlite import PRIVATE_UMASK

    os.umask(PRIVATE_UMASK)  # whatever it writes holds personal data: its owner's only


@main.command()
@click.option("--out", "out_dir", required=True, type=click.Path(file_okay=False),
              help="Folder to write the exchange files into.")
@click.option("--schools", default=4, show_default=True, help="Number of schools (at least).")
@click.option("--people", default=5000, show_default=True, help="Approximate number of people.")
@click.option("--seed", "seed_value", default=1, show_default=True, help="Random seed.")
def seed(out_dir, schools, people, seed_value):
    """Write a realistic synthetic trust as an exchange folder."""
    from seed.generator import TooFewPeople, generate_trust

    with progress_bar("seeding people", people) as advance:
        state = {"done": 0}

        def report(done: int):
            advance(done - state["done"])
            state["done"] = done

        try:
            counts = generate_trust(out_dir, schools=schools, people=people, seed=seed_value,
                                    progress=report)
        except TooFewPeople as too_few:
            raise click.UsageError(f"{too_few} (--people, --schools)") from None
    for name, count in counts.items():
        click.echo(f"{name}: {count}")


def _rejected(error: ExchangeError, what: str) -> None:
    for problem in error.problems:
        click.echo(problem, err=True)
    click.echo(f"rejected: {len(error.problems)} problem(s) in {what}; nothing was stored", err=True)
    sys.exit(1)


def _service_data_dir(target: Store, data: str | None) -> Path:
    """Where the register keeps what is not a fact (identifiers, mappings, reviews)."""
    from graph.store.embedded import default_data_dir

    return Path(getattr(target, "data_dir", None) or data or default_data_dir())


@contextlib.contextmanager
def audited(target: Store, data: str | None, action: str, object_kind: str, **record):
    """Audit a command's change to the facts in the service's trail, with the operating-
    system user as the actor: the entry is there if and only if the change was made."""
    from graph.audit import AuditTrail, audited_change, os_actor
    from graph.sqlite import SERVICE_DATABASE_NAME, open_service_db, transaction

    db = open_service_db(_service_data_dir(target, data) / SERVICE_DATABASE_NAME)
    try:
        trail = AuditTrail(db)
        with transaction(db):  # what a killed command changed but did not audit
            trail.reconcile(target.applied)
        with audited_change(trail, target, actor=os_actor(), action=action,
                            object_kind=object_kind, **record) as learned:
            yield learned
    finally:
        db.close()


# Where the review service has brought cases in line in the data folder, an import goes
# through its register as the import page's does, so that the cases it opens are noted as
# that import's (the queue's "by import" view). api/cli.py sets this, as graph/ never
# imports api/: a context manager of (store, data, record) yielding the `write` of
# import_path, which also audits the import with `record`, or None where the store's own
# import and the audit entry below are what is needed.
through_service = None


@main.command(name="import")
@click.argument("path", type=click.Path(exists=True))
@click.option("--school", "school_id", metavar="SCHOOL_ID",
              help="The register's school a common transfer file or MIS export is for.")
@click.option("--source", metavar="NAME",
              help="The MIS a .csv export comes from: its confirmed column mapping is used.")
@click.option("--dry-run", is_flag=True,
              help="Show every change the import would make, and change nothing.")
@click.option("--skip-bad", is_flag=True,
              help="Leave out the records with problems (each reported) instead of refusing the file.")
@click.option("--full-roll", is_flag=True,
              help="The MIS export lists the whole roll: end the memberships of people it leaves out.")
@click.option("--confirm-ending", is_flag=True,
              help="With --full-roll: yes, end more than a tenth of a school's roll.")
@store_option
@data_option
def import_(path, school_id, source, dry_run, skip_bad, full_roll, confirm_ending, store, data):
    """Load an exchange folder, a DfE common transfer file (.xml) or an MIS export (.csv)
    into the store, all or nothing; --dry-run shows what would change first."""
    from graph.intake.importing import STAGES, import_path

    steps = STAGES[:2] if dry_run else STAGES
    record = {"file": Path(path).name, "school_id": school_id, "source": source}
    with open_store(store, data) as target, import_bar(steps) as (stage, advance):
        def run(write=None):
            return import_path(target, path, school_id=school_id, source=source,
                               data_dir=_service_data_dir(target, data), dry_run=dry_run,
                               skip_bad=skip_bad, full_roll=full_roll,
                               confirm_ending=confirm_ending, progress=advance,
                               list_changes=dry_run,  # an import prints counts alone
                               stage=stage, write=write)

        service = through_service(target, data, record) if through_service and not dry_run \
            else contextlib.nullcontext()
        try:
            with service as write:
                report = run(write) if dry_run or write is not None else None
            if report is None:
                # The change and its entry stand or fall together.
                with audited(target, data, "import", "import", **record) as learned:
                    report = run()
                    learned.update(object_id=report.import_id, kind=report.kind,
                                   counts=dict(report.changes), skipped=len(report.skipped))
        except ExchangeError as error:
            _rejected(error, path)
    for line in report.lines():
        click.echo(line)


@main.command(name="undo-import")
@click.option("--school", "school_id", metavar="SCHOOL_ID",
              help="Undo the last import of this school (default: the last import of all).")
@store_option
@data_option
def undo_import(school_id, store, data):
    """Undo the last import: the facts it wrote go, the ones it replaced come back."""
    from graph.intake.importing import plan_undo, undo_last_import

    with open_store(store, data) as target:
        try:
            with audited(target, data, "import.undo", "import", school_id=school_id) as learned:
                folder = _service_data_dir(target, data)
                plan = plan_undo(target, folder, school_id)
                done = undo_last_import(target, folder, school_id,
                                        expected=plan.import_id if plan else None)
                learned.update(object_id=plan.import_id)  # the trail's, never printed
        except ExchangeError as error:
            _rejected(error, "the import log")
    click.echo(done)


@main.command()
@click.argument("export_file", type=click.Path(exists=True, dir_okay=False))
@click.option("--source", required=True, metavar="NAME", help="The MIS the export comes from.")
@click.option("--role", type=click.Choice([r.value for r in Role] + ["contact"]),
              help="Every row's role, where no column gives it; `contact` for an export of "
                   "pupils' contacts, one row per contact.")
@click.option("--pupils-source", metavar="NAME",
              help="With --role contact: the source whose ids (admission numbers) name the pupils.")
@click.option("--school", "school_id", metavar="SCHOOL_ID", help="Every row's school, where no column gives it.")
@click.option("--set", "settings", multiple=True, metavar="FIELD=HEADING",
              help="Take FIELD from the column HEADING (repeat for each correction).")
@click.option("--confirm", is_flag=True, help="Save the mapping as confirmed, for every later export.")
@click.option("--by", "confirmed_by", metavar="NAME", help="Who confirms the mapping (with --confirm).")
@data_option
def mapping(export_file, source, role, pupils_source, school_id, settings, confirm, confirmed_by,
            data):
    """Propose the column mapping of an MIS export, and save it once a trust admin has
    checked it (--confirm --by NAME)."""
    from graph.intake.mis import MISError, mapping_toml, propose_mapping, save_mapping
    from graph.store.embedded import default_data_dir

    try:
        proposed = propose_mapping(export_file, source, role=role, school_id=school_id)
    except MISError as error:
        _rejected(error, export_file)
    proposed.pupils_source = pupils_source
    for setting in settings:
        field_name, _, heading = setting.partition("=")
        if not heading:
            raise click.BadParameter(f"{setting!r} is not FIELD=HEADING", param_hint="--set")
        proposed.columns[field_name.strip()] = [heading.strip()]
    if not confirm:
        click.echo(mapping_toml(proposed), nl=False)
        click.echo("# check it, then save it with --confirm --by NAME", err=True)
        return
    if not confirmed_by:
        raise click.UsageError("--confirm needs --by NAME: who checked the mapping")
    try:
        save_mapping(proposed, Path(data) if data else default_data_dir(), confirmed_by)
    except MISError as error:
        _rejected(error, export_file)
    click.echo(f"saved the confirmed mapping of {source}: its exports are read with it from "
               "now on (`relreg import FILE --source " + source + "`)")


@main.group()
def people():
    """One person per human: proposals of the same person, merges and their undoing."""


def _audit(data_dir: Path, action: str, object_id: str | None, subjects: list[str],
           object_kind: str = "person", **details) -> None:
    """Write what a command did about people in the review service's audit trail."""
    from graph.sqlite import SERVICE_DATABASE_NAME, open_service_db, transaction
    from graph.audit import AuditTrail, os_actor

    db = open_service_db(data_dir / SERVICE_DATABASE_NAME)
    try:
        trail = AuditTrail(db)  # creates its tables: not inside the transaction
        with transaction(db):
            trail.record(actor=os_actor(), action=action, object_kind=object_kind,
                         object_id=object_id, subjects=subjects, **details)
    finally:
        db.close()


def _identity_table(data: str | None):
    from graph.intake.identity import IdentityTable
    from graph.store.embedded import default_data_dir

    return IdentityTable(Path(data) if data else default_data_dir())


@people.command(name="proposals")
@data_option
def people_proposals(data):
    """People who may be one human, for a person to confirm or reject: the two ids to give
    `relreg people merge` or `reject`, why, and who they are by name."""
    proposals = _identity_table(data).pending_proposals()
    if not proposals:
        return
    with open_store(None, data) as source:
        names = Names.of_store(source, preferred=_preferred_names(source, data).get)
        for proposal in proposals:
            click.echo(f"{proposal.person_id} {proposal.other_id}: {proposal.reason} "
                       f"({names.person(proposal.person_id)} and "
                       f"{names.person(proposal.other_id)})")


@people.command(name="merge")
@click.argument("kept_id")
@click.argument("absorbed_id")
@click.option("--by", "merged_by", required=True, metavar="NAME", help="Who decided the merge.")
@click.option("--reason", default="", help="Why they are one human.")
@store_option
@data_option
def people_merge(kept_id, absorbed_id, merged_by, reason, store, data):
    """Make ABSORBED_ID one person with KEPT_ID; `relreg people undo` puts it back."""
    from graph.intake.identity import merge_people

    with open_store(store, data) as target:
        try:
            with audited(target, data, "person.merge", "person",
                         subjects=[kept_id, absorbed_id], merged_by=merged_by, reason=reason):
                record = merge_people(target, _identity_table(data), kept_id, absorbed_id,
                                      merged_by=merged_by, reason=reason)
        except StoreError as error:
            raise click.ClickException(str(error)) from None
    click.echo(record.summary())


@people.command(name="reject")
@click.argument("person_id")
@click.argument("other_id")
@data_option
def people_reject(person_id, other_id, data):
    """Two people a person judged to be two humans: never proposed again."""
    _identity_table(data).reject_proposal(person_id, other_id)
    from graph.store.embedded import default_data_dir

    _audit(Path(data) if data else default_data_dir(), "person.merge.reject",
           f"{person_id}|{other_id}", [person_id, other_id])
    click.echo(f"{person_id} and {other_id} are two people")


@people.command(name="undo")
@click.argument("merge_id")
@store_option
@data_option
def people_undo(merge_id, store, data):
    """Put back exactly what a merge changed."""
    from graph.intake.identity import undo_merge

    with open_store(store, data) as target:
        try:
            with audited(target, data, "person.merge.undo", "person", object_id=merge_id):
                record = undo_merge(target, _identity_table(data), merge_id)
        except StoreError as error:
            raise click.ClickException(str(error)) from None
    click.echo(record.summary())


@people.command(name="merges")
@data_option
def people_merges(data):
    """Every merge, undone or not, oldest first."""
    from graph.intake.identity import merges

    for record in merges(_identity_table(data)):
        click.echo(record.summary())


@main.command()
@click.argument("folder", required=False, type=click.Path(exists=True, file_okay=False))
@click.option("--as-of", "as_of", callback=_date, metavar="YYYY-MM-DD",
              help="Evaluation date (default today).")
@click.option("--format", "fmt", type=click.Choice(["json", "table"]), default="table",
              show_default=True)
@click.option("--scratch", is_flag=True,
              help="With FOLDER and --store: replace what the database holds with FOLDER.")
@store_option
@data_option
def detect(folder, as_of, fmt, scratch, store, data):
    """Evaluate FOLDER on its own (nothing stored), or without FOLDER the store."""
    if folder is not None and (store or os.environ.get("RELREG_STORE")):
        world = _read(folder)
        with open_store(store, data) as target:
            if not scratch and not target.is_empty():
                raise click.ClickException(
                    "the database already holds facts: add --scratch to replace them with FOLDER"
                )
            with progress_bar("loading people", len(world.people)) as advance:
                target.replace_world(world, progress=advance)
            with progress_bar("evaluating", None):
                findings = target.findings(as_of)
            _show_findings(findings, as_of, fmt, Names.of_world(world))
    elif folder is not None:
        if scratch:
            raise click.UsageError("--scratch goes with --store")
        world = _read(folder)
        with progress_bar("evaluating", None):
            findings = evaluate(FactGraph(world), as_of)
        _show_findings(findings, as_of, fmt, Names.of_world(world))
    else:
        with open_store(store, data) as source:
            preferred = _preferred_names(source, data)
            # Saved findings of unchanged facts come back at once; else the facts load first.
            with progress_bar("loading the facts and evaluating", None):
                findings = source.findings(as_of)
            _show_findings(findings, as_of, fmt, Names.of_store(source, preferred=preferred.get))


def _preferred_names(target: Store, data: str | None) -> dict[str, tuple[str, str]]:
    """The preferred names the imports kept, if the data folder has any."""
    from graph.intake.identity import IDENTITY_DATABASE, IdentityTable

    folder = _service_data_dir(target, data)
    if not (folder / IDENTITY_DATABASE).exists():
        return {}
    with IdentityTable(folder) as identity:
        return identity.preferred_names()


def _show_findings(findings, as_of: dt.date, fmt: str, names: Names) -> None:
    if fmt == "json":  # ids, never names: the JSON is for other programs
        click.echo(json.dumps(findings_json(findings, as_of), indent=1, ensure_ascii=False))
    else:
        _print_table(findings, as_of, names)


def _print_table(findings, as_of: dt.date, names: Names) -> None:
    """What a leader scans: people by name and role at the school, never by id."""
    by = Counter((f.severity, f.rule) for f in findings)
    out.print(f"[bold]{len(findings)} finding(s) as of {as_of.isoformat()}[/bold]")
    summary = Table("severity", "rule", "findings", box=None)
    for (severity, rule), count in sorted(by.items(), key=lambda item: (item[0][0].rank, item[0][1])):
        summary.add_row(str(severity), rule, str(count))
    out.print(summary)
    table = Table("severity", "rule", "school", "adult", "counterpart", "route to",
                  "explanation", show_lines=False)
    for f in findings:
        rule = f.rule + (" (advisory)" if f.advisory else "")
        adult = names.person_at(f.adult_id, f.school_id, as_of) if f.adult_id \
            else names.text(f.account_id or "")
        counterpart = names.person_at(f.counterpart_id, f.school_id, as_of) \
            if f.counterpart_id else ""
        route = ", ".join(names.person_at(p, f.school_id, as_of) for p in f.route_to)
        table.add_row(str(f.severity), rule, names.school(f.school_id), adult, counterpart,
                      route or "nobody left", names.text(f.explanation))
    out.print(table)


@main.command()
@click.argument("folder", type=click.Path(file_okay=False))
@store_option
@data_option
def export(folder, store, data):
    """Write the store out as an exchange folder that `relreg import` reads back."""
    if Path(folder).exists() and any(Path(folder).iterdir()):
        raise click.ClickException(f"{folder} is not empty: name a new or empty folder")
    with open_store(store, data) as source:
        counts = write_folder(source.export_world(), folder)
    click.echo(", ".join(f"{count} {name}" for name, count in counts.items()))


PASSPHRASE_ENV = "RELREG_BACKUP_PASSPHRASE"


@main.command()
@click.argument("backup_file", metavar="FILE", type=click.Path(dir_okay=False))
@click.option("--encrypt", is_flag=True,
              help=f"Encrypt with a passphrase (asked for, or from {PASSPHRASE_ENV}).")
@data_option
def backup(backup_file, encrypt, data):
    """Write a consistent copy of the data folder to FILE, even while the service runs."""
    from graph.backup import BackupError, backup as write_backup
    from graph.secret_key import SecretKeyError, read_key
    from graph.store.embedded import default_data_dir

    passphrase = None
    if encrypt:
        passphrase = os.environ.get(PASSPHRASE_ENV) or click.prompt(
            "Passphrase", hide_input=True, confirmation_prompt=True)
    try:
        # The key that seals sign-in secrets goes only into an encrypted backup.
        manifest = write_backup(Path(data) if data else default_data_dir(), backup_file,
                                passphrase, read_key() if passphrase else None)
    except (BackupError, SecretKeyError) as error:
        raise click.ClickException(str(error)) from None
    click.echo(f"backed up {len(manifest.files)} file(s) to {backup_file}"
               + (" (encrypted, with the secret key)" if manifest.secret_key
                  else " (encrypted)" if passphrase else "")
               + (f"; audit head {manifest.audit_head}" if manifest.audit_head else ""))


@main.command()
@click.argument("backup_file", metavar="FILE", type=click.Path(exists=True, dir_okay=False))
@data_option
def restore(backup_file, data):
    """Restore a backup into an empty data folder, checking its audit trail."""
    from graph.backup import BackupError, is_sealed, restore as read_backup
    from graph.store.embedded import default_data_dir

    passphrase = None
    if is_sealed(backup_file):
        passphrase = os.environ.get(PASSPHRASE_ENV) or click.prompt("Passphrase", hide_input=True)
    target = Path(data) if data else default_data_dir()
    try:
        manifest = read_backup(backup_file, target, passphrase)
    except BackupError as error:
        raise click.ClickException(str(error)) from None
    click.echo(f"restored {len(manifest.files)} file(s) made on {manifest.made_at} into "
               f"{target}; audit trail checked")


@main.command()
def profiles():
    """List the shipped policy profiles, each value with the clause that states it, or marked
    as the register's default, with the reason, where no clause does."""
    for name in SHIPPED:
        profile = load_profile(name)
        out.print(f"[bold]{name}[/bold]: {profile.title}")
        table = Table("setting", "value", "from", box=None, padding=(0, 2))
        for setting in SETTING_NAMES:
            value = profile.settings[setting].value
            if isinstance(value, list):
                value = ", ".join(value) or "none"
            table.add_row(setting, str(value).lower() if isinstance(value, bool) else str(value),
                          profile.settings[setting].source)
        for rule, clauses in profile.rule_clauses.items():
            if rule == "data-quality":
                for check, cited in profile.checks.items():
                    table.add_row(f"rule {rule}: {check}", "applies", "; ".join(cited))
                continue
            table.add_row(f"rule {rule}", "applies", "; ".join(clauses))
        out.print(table)
        out.print()
    from graph.retention import shipped

    out.print("[bold]retention[/bold]: as shipped; a trust sets its own in retention.toml "
              "in its data folder")
    table = Table("record", "years", "counted from", "source", box=None, padding=(0, 2))
    for period in shipped().values():
        table.add_row(period.kind, str(period.years), period.counted_from, period.source)
    out.print(table)


@main.command(name="check-download")
@click.argument("path", type=click.Path(exists=True))
@click.option("--person", "person_id", required=True, metavar="PERSON_ID",
              help="The member of staff whose download it is.")
@click.option("--platform", type=click.Choice(["facebook", "instagram", "linkedin", "tiktok", "x"]),
              help="The platform the download is from (else found from the files).")
@click.option("--as-of", "as_of", callback=_date, metavar="YYYY-MM-DD",
              help="Evaluation date (default today).")
@click.option("--format", "fmt", type=click.Choice(["json", "table"]), default="table",
              show_default=True)
@store_option
@data_option
def check_download_(path, person_id, platform, as_of, fmt, store, data):
    """Check a social media download (the zip, its folder, or one file of it) against the
    pupils, ex-pupils and parents of the person's schools. Read in memory only: nothing of
    it is stored, and the audit trail records only that a check was made."""
    from graph.download_check import CheckError, check_download, school_emails
    from graph.intake.downloads import DownloadError, read_download

    with open_store(store, data) as source:
        try:
            with progress_bar("reading the download", None) as advance:
                download = read_download(path, platform=platform, progress=advance)
            data_dir = _service_data_dir(source, data)
            result = check_download(source, person_id, download, as_of,
                                    emails=school_emails(data_dir))
        except (DownloadError, CheckError) as error:
            raise click.ClickException(str(error)) from None
        # That a check was made, by whom and how many entries it read: never what it found.
        _audit(data_dir, "download.check", None, [person_id], object_kind="download",
               platforms=list(download.platforms), entries_read=result.entries_read)
    if fmt == "json":
        click.echo(json.dumps(result.to_json(), indent=1, ensure_ascii=False))
    else:
        _print_check(result)


def _print_check(result) -> None:
    from graph.download_check import SUGGESTIONS, platform_names

    skipped = f" and {result.entries_skipped} skipped" if result.entries_skipped else ""
    out.print(f"[bold]{result.entries_read} entries read{skipped} from "
              f"{platform_names(result.platforms)}; "
              f"{len(result.matches)} likely match(es) at your schools as of "
              f"{result.as_of.isoformat()}[/bold]")
    for note in result.notes:
        out.print(note)
    if result.files:
        files = Table("file", "entries read", "skipped, and why")
        for f in result.files:
            skipped = ", ".join(f"{n} ({why})" for why, n in f.skipped.items()) or "none"
            files.add_row(f.file, str(f.read), skipped)
        out.print(files)
    if not result.matches:
        return
    table = Table("in your download", "probably", "known as", "why", "how sure", "suggested",
                  "clause", "the policy says")
    for m in result.matches:
        table.add_row("; ".join(f"{e.label} ({e.relation.words})" for e in m.entries),
                      f"{m.name} ({m.person_id})", m.known_as, "; ".join(m.reasons),
                      f"{m.confidence:.0%}", SUGGESTIONS[m.policy.suggested],
                      "; ".join(m.policy.clauses) or "-",
                      " ".join([m.policy.says, *(step + "." for step in m.actions)]))
    out.print(table)


if __name__ == "__main__":
    main()
