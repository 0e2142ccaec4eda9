"""Mutation testing of the rules: mutmut changes graph/rules.py and graph/routing.py one
small edit at a time (a `<` for a `<=`, an `and` for an `or`, a value for None...) and runs
the scenario suite, the rule tests and the embedded store's tests against each change; a
change none of them notices is a survivor, a rule the tests would not catch going wrong. Prints the score and every survivor with its edit.

    python3 bench/mutation.py                    # run mutmut, then report
    python3 bench/mutation.py --report-only      # report the last run (kept in mutants/)
    python3 bench/mutation.py --max-children 4

The configuration ([tool.mutmut] in pyproject.toml) names the files mutated and the tests
run. The Cypher twins are held to the same scenarios by tests/test_neo4j_parity.py. This is
a measurement, not a test: it asserts nothing and takes a quarter of an hour on two cores.
"""

from __future__ import annotations

import argparse
import shutil
import subprocess
import sys
from collections import Counter
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
MUTMUT = [sys.executable, "-m", "mutmut"]


def mutmut(*arguments: str, check: bool = True) -> str:
    done = subprocess.run([*MUTMUT, *arguments], cwd=ROOT, capture_output=True, text=True)
    if check and done.returncode != 0:
        sys.exit(f"mutmut {' '.join(arguments)} failed:\n{done.stdout}\n{done.stderr}")
    return done.stdout


def statuses() -> dict[str, str]:
    """Every mutant's name and what became of it, from the last run."""
    found = {}
    for line in mutmut("results", "--all", "true").splitlines():
        name, _, status = line.strip().rpartition(": ")
        if name:
            found[name] = status
    return found


def edit(name: str) -> str:
    """The lines a mutant changes, as `-old` / `+new`."""
    lines = [line for line in mutmut("show", name, check=False).splitlines()
             if line[:2] in ("- ", "+ ")]
    return "\n".join(f"      {line}" for line in lines[:6])


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--report-only", action="store_true")
    parser.add_argument("--max-children", type=int, default=2)
    arguments = parser.parse_args()
    if shutil.which("mutmut") is None and subprocess.run(
            [*MUTMUT, "--help"], capture_output=True).returncode != 0:
        sys.exit("mutmut is not installed: pip install mutmut")
    if not arguments.report_only:
        shutil.rmtree(ROOT / "mutants", ignore_errors=True)
        subprocess.run([*MUTMUT, "run", "--max-children", str(arguments.max_children)],
                       cwd=ROOT, stdout=subprocess.DEVNULL)
    found = statuses()
    if not found:
        sys.exit("no mutants: run without --report-only first")
    counts = Counter(found.values())
    killed = counts["killed"]
    print(f"mutants: {len(found)}")
    for status, count in counts.most_common():
        print(f"  {status}: {count}")
    print(f"score: {killed}/{len(found)} killed = {100 * killed / len(found):.1f}%")
    survivors = sorted(name for name, status in found.items() if status != "killed")
    if survivors:
        print("\nnot killed:")
        for name in survivors:
            print(f"  {name} ({found[name]})\n{edit(name)}")


if __name__ == "__main__":
    main()
