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


def test_readme_run_command_starts_the_register_with_demo_sign_ins(tmp_path):
    """The README's first command, as typed (less the install), with a data directory and
    port of the test's own: the service answers and prints a sign-in per role."""
    import time

    from tests.test_api_serve import free_port, http, stop

    run, _ = readme_commands()
    relreg_part = run.split("&&")[-1].split()
    assert relreg_part[0] == "relreg"
    port = free_port()
    server = subprocess.Popen(
        [sys.executable, "-m", "api.cli", *relreg_part[1:], "--data", str(tmp_path), "--port", str(port)],
        cwd=ROOT, stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True)
    try:
        printed = []
        for line in server.stdout:
            printed.append(line)
            if line.split()[:1] == ["auditor"] or len(printed) > 30:
                break
        status = None
        for _ in range(100):
            try:
                status = http("GET", f"http://127.0.0.1:{port}/api/health")[0]
                break
            except OSError:
                time.sleep(0.1)
        assert status == 200
        text = "".join(printed)
        assert "seeded a demo trust" in text
        for role in ("staff", "senior_leader", "headteacher", "dsl", "trust_admin", "auditor"):
            assert re.search(rf"^\s+{role}\s+\S+\s+\S+$", text, flags=re.MULTILINE), role
    finally:
        stop(server)


def test_every_setting_is_in_the_readme_settings_table():
    """One place for every setting: each field of api.settings.Settings, as its variable."""
    from api.settings import Settings

    section = (ROOT / "README.md").read_text().split("## Settings", 1)[1].split("\n## ", 1)[0]
    rows = [line for line in section.splitlines() if line.startswith("| `")]
    listed = {name for row in rows for name in re.findall(r"`(RELREG_\w+)`", row.split("|")[1])}
    prefix = Settings.model_config["env_prefix"]
    missing = [prefix + name.upper() for name in Settings.model_fields
               if prefix + name.upper() not in listed]
    assert missing == []


def test_nothing_in_the_repository_points_outside_it():
    """The rules and the exchange format are documented in docs/, not in files a user of the
    repository does not have."""
    files = subprocess.run(["git", "ls-files"], cwd=ROOT, capture_output=True, text=True,
                           check=True).stdout.split()
    outside = ["../" + "shared", "EXCHANGE" + ".md", "RULES" + ".md", "STYLE" + ".md"]
    pointing = [f"{name}: {word}" for name in files if (ROOT / name).is_file()
                and not name.endswith((".png", ".jar", ".zip"))
                for word in outside if word in (ROOT / name).read_text(errors="replace")]
    assert pointing == []


def test_every_test_the_docs_name_exists():
    """The README's data-protection table and docs/ name the test that holds each promise:
    a renamed or deleted test must not leave a promise pointing at nothing."""
    texts = [ROOT / "README.md", *sorted((ROOT / "docs").glob("*.md"))]
    named = {(file, test) for path in texts
             for file, test in re.findall(r"(test_\w+\.py)::(test_\w+)", path.read_text())}
    assert len(named) > 20
    missing = sorted(f"{file}::{test}" for file, test in named
                     if not re.search(rf"^(async )?def {test}\(", (ROOT / "tests" / file).read_text()
                                      if (ROOT / "tests" / file).exists() else "", re.MULTILINE))
    assert missing == []
