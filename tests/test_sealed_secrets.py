"""Credentials the service keeps in its database (one-time-code secrets, the identity
provider's client secret) are sealed with a key kept outside the data folder: made
owner-only on the first start, carried by sealed backups only, put back by a restore,
and a missing or wrong key stops the start with a clear error instead of losing them."""

from __future__ import annotations

import json
import sqlite3
import stat

import pyotp
import pytest
from cryptography.fernet import Fernet

import api.identity.accounts
from api.identity import local_sign_in, oidc
from api.main import create_app
from api.settings import Settings
from graph.backup import backup, restore
from graph.secret_key import SecretKeyError
from graph.store.embedded import EmbeddedStore
from tests.api_world import FAST_HASHER, ServiceUnderTest

CLIENT_SECRET = "the-client-secret-from-entra"


@pytest.fixture
def key_file(tmp_path, monkeypatch):
    path = tmp_path / "keys" / "secret.key"
    monkeypatch.setenv("RELREG_SECRET_KEY_FILE", str(path))
    monkeypatch.delenv("RELREG_SECRET_KEY", raising=False)
    monkeypatch.setattr(api.identity.accounts, "_hasher", FAST_HASHER)
    return path


def with_secrets(folder) -> tuple[str, int]:
    """A register with a one-time-code secret and a provider's client secret: (the code
    secret, its account's id)."""
    service = ServiceUnderTest(folder)
    register = service.register
    try:
        with register.writing():
            secret, _ = local_sign_in.Totp(register).new_secret(service.accounts["H1"])
            oidc.save_policy(register, oidc.SignInPolicy(
                provider_name="Entra", issuer="https://login.example", client_id="c",
                client_secret=CLIENT_SECRET, allowed_domains=("school.org.uk",)))
        return secret, service.accounts["H1"].account_id
    finally:
        service.close()


def stored(folder) -> tuple[str, str]:
    """(the code secret, the settings) as the database file holds them."""
    db = sqlite3.connect(folder / "data" / "service.sqlite3")
    try:
        return (db.execute("SELECT secret FROM totp_secrets").fetchone()[0],
                db.execute("SELECT settings FROM trust_sign_in").fetchone()[0])
    finally:
        db.close()


def reopen(folder):
    store = EmbeddedStore(folder / "data")
    try:
        app = create_app(store, folder / "data" / "service.sqlite3", settings=Settings())
    except BaseException:
        store.close()
        raise
    return app, store


def opens_with(folder, secret: str, account_id: int) -> None:
    """The register starts, knows the client secret and takes a code from the secret."""
    app, store = reopen(folder)
    register = app.state.register
    try:
        with register.writing():
            assert oidc.load_policy(register).client_secret == CLIENT_SECRET
            assert local_sign_in.Totp(register).pending_secret(account_id) == secret
            assert local_sign_in.Totp(register).check(
                account_id, pyotp.TOTP(secret).at(register.accounts.clock()), confirming=True)
    finally:
        register.close()
        store.close()


def test_secrets_are_sealed_in_the_database_and_the_key_made_owner_only_outside_it(
        tmp_path, key_file):
    secret, account_id = with_secrets(tmp_path)
    totp_column, settings = stored(tmp_path)
    assert secret not in totp_column and totp_column.startswith("sealed:")
    assert CLIENT_SECRET not in settings
    assert key_file.exists() and stat.S_IMODE(key_file.stat().st_mode) == 0o600
    assert (tmp_path / "data") not in key_file.parents
    assert key_file.read_bytes().strip() not in (tmp_path / "data" / "service.sqlite3").read_bytes()
    opens_with(tmp_path, secret, account_id)


def test_a_missing_or_wrong_key_stops_the_start_and_changes_nothing(tmp_path, key_file):
    secret, account_id = with_secrets(tmp_path)
    before = stored(tmp_path)
    right_key = key_file.read_bytes()
    key_file.unlink()
    with pytest.raises(SecretKeyError, match="secret key is missing.*put the key file back"):
        reopen(tmp_path)
    assert not key_file.exists(), "no new key made over sealed secrets"
    key_file.write_bytes(Fernet.generate_key())
    key_file.chmod(0o600)
    with pytest.raises(SecretKeyError, match="is not the one this data folder's secrets"):
        reopen(tmp_path)
    assert stored(tmp_path) == before
    key_file.write_bytes(right_key)
    key_file.chmod(0o644)
    with pytest.raises(SecretKeyError, match="can be read by others"):
        reopen(tmp_path)
    key_file.chmod(0o600)
    opens_with(tmp_path, secret, account_id)


def test_a_key_file_inside_the_data_folder_is_refused(tmp_path, key_file, monkeypatch):
    monkeypatch.setenv("RELREG_SECRET_KEY_FILE", str(tmp_path / "data" / "keys" / "secret.key"))
    with pytest.raises(SecretKeyError, match="inside the data folder"):
        ServiceUnderTest(tmp_path)


def test_the_key_may_come_from_an_environment_variable(tmp_path, key_file, monkeypatch):
    monkeypatch.setenv("RELREG_SECRET_KEY", Fernet.generate_key().decode())
    secret, account_id = with_secrets(tmp_path)
    assert not key_file.exists(), "no file when the key is given"
    opens_with(tmp_path, secret, account_id)
    monkeypatch.delenv("RELREG_SECRET_KEY")
    with pytest.raises(SecretKeyError, match="missing"):
        reopen(tmp_path)


def test_plain_secrets_of_an_older_database_are_sealed_when_it_is_opened(tmp_path, key_file):
    secret, account_id = with_secrets(tmp_path)
    db = sqlite3.connect(tmp_path / "data" / "service.sqlite3")
    with db:  # as an earlier release left them: plain, and no key known
        db.execute("UPDATE totp_secrets SET secret = ?", (secret,))
        settings = json.loads(db.execute("SELECT settings FROM trust_sign_in").fetchone()[0])
        db.execute("UPDATE trust_sign_in SET settings = ?",
                   (json.dumps(settings | {"client_secret": CLIENT_SECRET}),))
        db.execute("DROP TABLE secret_key_check")
    db.close()
    key_file.unlink()
    assert stored(tmp_path)[0] == secret and CLIENT_SECRET in stored(tmp_path)[1]
    opens_with(tmp_path, secret, account_id)
    totp_column, settings = stored(tmp_path)
    assert totp_column.startswith("sealed:") and CLIENT_SECRET not in settings
    assert stat.S_IMODE(key_file.stat().st_mode) == 0o600


def test_a_sealed_backup_carries_the_key_and_its_restore_puts_it_back(tmp_path, key_file):
    secret, account_id = with_secrets(tmp_path)
    key = key_file.read_bytes().strip()
    backup(tmp_path / "data", tmp_path / "plain.backup", secret_key=key)
    assert key not in (tmp_path / "plain.backup").read_bytes(), "never in a plain backup"
    manifest = backup(tmp_path / "data", tmp_path / "sealed.backup", "a passphrase",
                      secret_key=key)
    assert manifest.secret_key
    key_file.unlink()  # a new machine: neither the data folder nor the key
    restore(tmp_path / "sealed.backup", tmp_path / "restored" / "data", "a passphrase")
    assert key_file.read_bytes().strip() == key
    assert stat.S_IMODE(key_file.stat().st_mode) == 0o600
    opens_with(tmp_path / "restored", secret, account_id)
