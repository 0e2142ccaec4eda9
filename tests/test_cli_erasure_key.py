"""`relreg erase` and `relreg retention --apply` seal the erasure they write into the audit
trail with the secret key. With the key missing or another one, they refuse before anything
is erased, with the sentence the service's start gives, so the trail never holds an erasure
that does not prove itself."""

import os
import subprocess
import sys
from pathlib import Path

from cryptography.fernet import Fernet

ROOT = Path(__file__).resolve().parent.parent


def relreg(key_file, *args):
    env = {**os.environ, "RELREG_SECRET_KEY_FILE": str(key_file)}
    env.pop("RELREG_SECRET_KEY", None)
    return subprocess.run([sys.executable, "-m", "api.cli", *map(str, args)], cwd=ROOT,
                          capture_output=True, text=True, env=env)


def test_erase_and_retention_refuse_without_the_right_key_and_change_nothing(tmp_path):
    from graph.intake.exchange import write_folder
    from tests.scenarios import school

    data, key = tmp_path / "data", tmp_path / "keys" / "secret.key"
    write_folder(school().connect("T1", "P1").build(), tmp_path / "trust")
    assert relreg(key, "import", tmp_path / "trust", "--data", data).returncode == 0
    started = relreg(key, "notify", "--dry-run", "--data", data)  # starts as the service does
    assert started.returncode == 0, started.stderr
    assert key.exists()

    other = tmp_path / "other" / "secret.key"
    other.parent.mkdir()
    other.write_bytes(Fernet.generate_key())
    other.chmod(0o600)
    for wrong, sentence in ((tmp_path / "nowhere" / "secret.key", "secret key is missing"),
                            (other, "is not the one this data folder's secrets")):
        for command in (("erase", "P1", "--yes"), ("retention", "--apply", "--as-of",
                                                    "2090-01-01")):
            refused = relreg(wrong, *command, "--data", data)
            assert refused.returncode == 1, refused.stdout
            assert sentence in refused.stderr and "Traceback" not in refused.stderr
        assert not (tmp_path / "nowhere" / "secret.key").exists(), "no new key made"
        still = relreg(key, "erase", "P1", "--data", data)
        assert still.returncode == 0 and "add --yes" in still.stdout, "P1 is still there"

    verified = relreg(key, "audit", "verify", "--data", data)
    assert verified.returncode == 0, verified.stderr
    done = relreg(key, "erase", "P1", "--yes", "--data", data)
    assert done.returncode == 0, done.stderr
    verified = relreg(key, "audit", "verify", "--data", data)
    assert verified.returncode == 0, verified.stderr
