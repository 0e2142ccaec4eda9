"""E-mail: where it goes and how it is sent (`mail`), and the content-free notifications
(`notifier`). The rest of the service takes the names below from here; only the places
that start the notifier (api/cli.py, the admin's sign-in page) import `api.notify.notifier`,
which sits above the register and sign-in.
"""

from api.notify.mail import (
    BadAddress,
    Contact,
    Contacts,
    MailError,
    Mailer,
    Mode,
    create_tables,
    has_control_characters,
    mail_problems,
    mail_settings,
    normal_address,
)

__all__ = ["BadAddress", "Contact", "Contacts", "MailError", "Mailer", "Mode", "create_tables",
           "has_control_characters", "mail_problems", "mail_settings",
           "normal_address"]
