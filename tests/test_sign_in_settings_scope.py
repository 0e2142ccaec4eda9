"""The sign-in settings (the provider, local passwords, the roles needing a one-time
code) are the whole register's: a trust's admin reads them and cannot change them; only
the whole register's admin (a trust admin tied to no school or person) does
(api/identity/admin_pages.py). The world is the scope table's: the trust admin is S1's.
"""

from __future__ import annotations

from api.identity import oidc
from tests.test_account_scope import three, whole_register_admin  # noqa: F401 (a fixture)

CHANGES = [
    ("/admin/sign-in/policy", {"local_passwords": "on", "totp_roles": ["staff"]}),
    ("/admin/sign-in/provider/remove", {}),
    ("/admin/sign-in/provider", {"provider_name": "Elsewhere", "issuer":
                                 "https://elsewhere.example.org", "client_id": "x",
                                 "client_secret": "y", "domains": "elsewhere.example.org"}),
]


def policy(three) -> oidc.SignInPolicy:
    with three.register.lock:
        return oidc.load_policy(three.register)


def test_a_trusts_admin_reads_the_sign_in_settings_and_cannot_change_them(three):
    before = policy(three)
    for url, form in CHANGES:
        refused = three.post("admin", url, data=form, follow_redirects=False)
        assert refused.status_code == 403, (url, refused.text)
        assert "only the register" in refused.text
    assert policy(three) == before, "nothing changed"
    assert not three.register.audit.entries(action="sign_in_settings.change")
    shown = three.get("admin", "/admin/sign-in").text
    assert "How everyone signs in" in shown and "<dd>None</dd>" in shown
    assert 'action="/admin/sign-in/policy"' not in shown
    assert 'action="/admin/sign-in/provider"' not in shown
    register = whole_register_admin(three)
    assert 'action="/admin/sign-in/policy"' in three.get(register, "/admin/sign-in").text
    changed = three.post(register, CHANGES[0][0], data=CHANGES[0][1], follow_redirects=False)
    assert changed.status_code == 303
    assert policy(three).totp_roles == ("staff",)
    assert "<dd>Staff</dd>" in three.get("admin", "/admin/sign-in").text, "read, as changed"
