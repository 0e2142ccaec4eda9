"""A real SMTP server for the tests (aiosmtpd, on a free port of this machine), and the
story's school served with every account given an e-mail address and the mail settings
pointing at that server."""

from __future__ import annotations

import email
import email.policy
import re
import socket
from dataclasses import dataclass

import pytest
from aiosmtpd.controller import Controller

from api.notify import Contacts
from api.settings import Settings


@dataclass(frozen=True)
class Arrived:
    sender: str
    to: list[str]
    subject: str
    body: str
    raw: str


class _Collect:
    def __init__(self):
        self.arrived: list[Arrived] = []

    async def handle_DATA(self, server, session, envelope):
        raw = envelope.content.decode("utf-8", "replace")
        message = email.message_from_string(raw, policy=email.policy.default)
        self.arrived.append(Arrived(envelope.mail_from, list(envelope.rcpt_tos),
                                    str(message["Subject"]),
                                    message.get_body(("plain",)).get_content(), raw))
        return "250 Message accepted for delivery"


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class MailServer:
    def __init__(self):
        self.port = free_port()
        self._collect = _Collect()
        self._controller = Controller(self._collect, hostname="127.0.0.1", port=self.port)

    @property
    def arrived(self) -> list[Arrived]:
        return self._collect.arrived

    def to(self, address: str) -> list[Arrived]:
        return [m for m in self.arrived if address in m.to]

    def start(self):
        self._controller.start()
        return self

    def stop(self):
        self._controller.stop()


@pytest.fixture
def mail_server():
    server = MailServer().start()
    yield server
    server.stop()


def mail_settings(port: int, **more) -> Settings:
    return Settings(**{"smtp_host": "127.0.0.1", "smtp_port": port, "smtp_security": "none",
                       "smtp_from": "register@trust.example.org",
                       "public_url": "https://register.example.org", **more})


def address_of(name: str) -> str:
    return f"{name.lower()}@ninestiles.example.org"


def give_addresses(served) -> None:
    with served.register.writing():
        contacts = Contacts(served.register.db)
        for name, account in served.accounts.items():
            contacts.set_email(account.account_id, address_of(name))


def personal_words(world) -> set[str]:
    """What must never be in a message: every person's names and id, every connection's
    and finding's id, the channels and the rules' names."""
    words = set()
    for person in world.people.values():
        words |= {person.given_name, person.family_name, person.person_id}
    words |= set(world.connections)
    return {w for w in words if w and len(w) > 1}


def assert_content_free(message: Arrived, world, findings=()) -> None:
    words = set(re.findall(r"[A-Za-z0-9_-]+", message.subject + " " + message.body))
    leaked = personal_words(world) & words
    assert not leaked, f"personal data in a message: {leaked}"
    for finding in findings:
        assert finding.id not in message.raw
    for what in ("pupil", "parent", "Facebook", "TikTok", "follow", "relationship with",
                 "family", "friend"):
        assert what.lower() not in message.body.lower(), what
