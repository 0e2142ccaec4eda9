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

from graph.exchange import ExchangeError, read_folder, write_folder
from graph.facts import FactGraph
from graph.profiles import SETTING_NAMES, SHIPPED, load_profile
from graph.rules import evaluate, findings_json
from graph.store.base import Store, StoreError

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


def _date(_ctx, _param, value: str | None) -> dt.date:
    if value is None:
        return dt.date.today()
    try:
        return dt.date.fromisoformat(value)
    except ValueError:
        raise click.BadParameter(f"{value!r} is not a date (YYYY-MM-DD)") from None


def _read(folder: str) -> "World":  # noqa: F821
    with progress_bar(f"reading {folder}", None) as advance:
        try:
            return read_folder(folder, progress=advance)
        except ExchangeError as error:
            for problem in error.problems:
                click.echo(problem, err=True)
            click.echo(
                f"rejected: {len(error.problems)} problem(s) in {folder}; nothing was stored",
                err=True,
            )
            sys.exit(1)


def open_store(store: str | None, data: str | None) -> Store:
    """The store a command works on: Neo4j when `store` (or RELREG_STORE) is a bolt:// or
    neo4j:// URI, else the embedded store in `data` (or RELREG_DATA, or the default)."""
    store = store or os.environ.get("RELREG_STORE")
    try:
        if store and store.split("://")[0] in {"bolt", "neo4j", "bolt+s", "neo4j+s"}:
            from graph.store.neo4j import Neo4jStore

            return Neo4jStore(store)
        from graph.store.embedded import EmbeddedStore

        return EmbeddedStore(data or store)
    except StoreError as error:
        raise click.ClickException(str(error)) from None


store_option = click.option(
    "--store", metavar="URI",
    help="bolt://HOST:PORT or neo4j://HOST:PORT for Neo4j (else RELREG_STORE); "
         "the embedded store otherwise.",
)
data_option = click.option(
    "--data", metavar="DIR", type=click.Path(file_okay=False),
    help="Data directory of the embedded store (else RELREG_DATA, else ~/.local/share/relreg).",
)


@click.group(context_settings={"help_option_names": ["-h", "--help"]})
def main():
    """The relationship register: staff's relationships with pupils, ex-pupils and parents,
    checked against the school's social media policy."""


@main.command()
@click.option("--out", "out_dir", required=True, type=click.Path(file_okay=False),
              help="Folder to write the exchange files into.")
@click.option("--schools", default=4, show_default=True, help="Number of schools (at least).")
@click.option("--people", default=5000, show_default=True, help="Approximate number of people.")
@click.option("--seed", "seed_value", default=1, show_default=True, help="Random seed.")
def seed(out_dir, schools, people, seed_value):
    """Write a realistic synthetic trust as an exchange folder."""
    from seed.generator import generate_trust

    with progress_bar("seeding people", people) as advance:
        state = {"done": 0}

        def report(done: int):
            advance(done - state["done"])
            state["done"] = done

        counts = generate_trust(out_dir, schools=schools, people=people, seed=seed_value,
                                progress=report)
    for name, count in counts.items():
        click.echo(f"{name}: {count}")


@main.command()
@click.option("--people", default=3000, show_default=True, help="Size of the demo trust.")
@data_option
def demo(people, data):
    """Seed a demo trust into an empty store and show what the register finds in it."""
    from seed.generator import generate_trust
    from graph.store.embedded import EmbeddedStore

    with EmbeddedStore(data) as store:
        if store.is_empty():
            folder = store.data_dir / "demo-trust"
            generate_trust(folder, schools=4, people=people, seed=1, as_of=dt.date.today())
            store.import_world(_read(str(folder)))
            click.echo(f"seeded a demo trust of {len(store.facts.world.people)} people into "
                       f"{store.data_dir} (the exchange files are in {folder})")
        else:
            click.echo(f"{store.data_dir} already holds a register: showing it as it is")
        findings = store.findings(dt.date.today())
    _print_table(findings, dt.date.today())
    click.echo("next: relreg detect --format json, relreg export FOLDER, relreg profiles")


@main.command(name="import")
@click.argument("folder", type=click.Path(exists=True, file_okay=False))
@store_option
@data_option
def import_(folder, store, data):
    """Load an exchange folder into the store, all or nothing."""
    world = _read(folder)
    with open_store(store, data) as target:
        with progress_bar("storing people", len(world.people)) as advance:
            target.import_world(world, progress=advance)
    counts = ", ".join(f"{count} {name}" for name, count in world.counts().items())
    click.echo(f"imported {counts}")


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
            findings = target.findings(as_of)
    elif folder is not None:
        if scratch:
            raise click.UsageError("--scratch goes with --store")
        findings = evaluate(FactGraph(_read(folder)), as_of)
    else:
        with open_store(store, data) as source:
            findings = source.findings(as_of)
    if fmt == "json":
        click.echo(json.dumps(findings_json(findings, as_of), indent=1, ensure_ascii=False))
    else:
        _print_table(findings, as_of)


def _print_table(findings, as_of: dt.date) -> None:
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
        table.add_row(str(f.severity), rule, f.school_id, f.adult_id or f.account_id or "",
                      f.counterpart_id or "", ", ".join(f.route_to) or "nobody left",
                      f.explanation)
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


@main.command()
def profiles():
    """List the shipped policy profiles, each value with the clause it comes from."""
    for name in SHIPPED:
        profile = load_profile(name)
        out.print(f"[bold]{name}[/bold]: {profile.title}")
        table = Table("setting", "value", "clause", box=None, padding=(0, 2))
        for setting in SETTING_NAMES:
            value = profile.settings[setting].value
            if isinstance(value, list):
                value = ", ".join(value)
            table.add_row(setting, str(value).lower() if isinstance(value, bool) else str(value),
                          profile.settings[setting].clause)
        for rule, clauses in profile.rule_clauses.items():
            table.add_row(f"rule {rule}", "applies", "; ".join(clauses))
        out.print(table)
        out.print()


if __name__ == "__main__":
    main()
