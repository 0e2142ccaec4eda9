"""Who someone is to the service: accounts and their roles, passwords, sessions and the
session cookie (`accounts`, `cookies`), one-time codes and password resets
(`local_sign_in`), the trust's identity provider and its links to accounts (`oidc`,
`routes`), the sealed secrets (`sealing`), what people not signed in leave in the audit
trail (`anonymous`), and the pages (`sign_in_page`, `security_pages`, `admin_pages`).

The rest of the service takes the names below from here. They are the bottom layer: the
register (api/service.py) holds the accounts, so this module imports nothing above it.
The sign-in flows and pages sit above the register; the app installs them with
`api.identity.security_pages.install`, and the command line with
`api.identity.local_sign_in.install`.
"""

from api.identity.accounts import (
    DECIDER_ROLES,
    REVIEWER_ROLES,
    SCHOOL_ROLES,
    Account,
    AccountBook,
    AccountNoLongerFits,
    AccountRole,
    PasswordsTurnedOff,
    SecondFactorNeeded,
    SecondFactorWrong,
    Session,
    SessionKind,
    SignInError,
    SignInFailed,
    SignInLocked,
    SignInSlowed,
    UsernameTaken,
    csrf_matches,
    verify_password,
)
from api.identity.cookies import COOKIE_NAME

__all__ = ["COOKIE_NAME", "DECIDER_ROLES", "REVIEWER_ROLES", "SCHOOL_ROLES", "Account",
           "AccountBook", "AccountNoLongerFits", "AccountRole", "PasswordsTurnedOff",
           "SecondFactorNeeded", "SecondFactorWrong", "Session", "SessionKind", "SignInError",
           "SignInFailed", "SignInLocked", "SignInSlowed", "UsernameTaken", "csrf_matches",
           "verify_password"]
