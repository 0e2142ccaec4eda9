"""The README's first lines are the two commands a new user types: keep them true."""

import re
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def readme_commands() -> list[str]:
    head = (ROOT / "README.md").read_text().split("---")[0]
    return re.findall(r"^    (\S.*)$", head, flags=re.MULTILINE)


def test_readme_starts_with_a_run_and_a_test_command():
    run, test = readme_commands()
    assert "relreg" in run
    assert "pytest" in test


def test_ci_runs_the_readme_test_command():
    _, test = readme_commands()
    assert test in (ROOT / ".ci" / "run").read_text().splitlines()


def test_readme_run_command_shows_findings(tmp_path):
    run, _ = readme_commands()
    relreg_part = run.split("&&")[-1].split()
    assert relreg_part[0] == "relreg"
    result = subprocess.run(
        [sys.executable, "-m", "graph.cli", *relreg_part[1:], "--data", str(tmp_path)],
        capture_output=True, text=True, check=True,
    )
    assert "seeded a demo trust" in result.stdout
    assert re.search(r"\d+ finding\(s\) as of", result.stdout)
    assert "pupil-contact" in result.stdout
