"""A real SMTP server on loopback (aiosmtpd) that keeps every message it is sent."""

from __future__ import annotations

import email
from email.message import EmailMessage
from email.policy import default as default_policy

from aiosmtpd.controller import Controller

from tests.helpers.environment import free_port


class Collector:
    """An aiosmtpd handler that keeps every message and can refuse chosen recipients."""

    def __init__(self) -> None:
        self.raw: list[bytes] = []
        self.refuse: set[str] = set()

    async def handle_RCPT(self, server, session, envelope, address, rcpt_options):  # noqa: N802
        if address in self.refuse:
            return "550 5.1.1 Mailbox unavailable"
        envelope.rcpt_tos.append(address)
        return "250 OK"

    async def handle_DATA(self, server, session, envelope):  # noqa: N802
        self.raw.append(bytes(envelope.content))
        return "250 Message accepted for delivery"


class MailServer:
    def __init__(self) -> None:
        self.port = free_port()
        self.handler = Collector()
        self.controller: Controller | None = None

    def start(self) -> None:
        # A new controller on the same port, as a mail server restarted after an outage.
        self.controller = Controller(self.handler, hostname="127.0.0.1", port=self.port)
        self.controller.start()

    def stop(self) -> None:
        if self.controller is not None:
            self.controller.stop()
            self.controller = None

    @property
    def messages(self) -> list[EmailMessage]:
        return [
            email.message_from_bytes(raw, policy=default_policy)  # type: ignore[misc]
            for raw in self.handler.raw
        ]

    def take(self) -> list[EmailMessage]:
        """The messages received since the last take."""
        found = self.messages
        self.handler.raw.clear()
        return found
