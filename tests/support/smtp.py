"""A real SMTP server on loopback (aiosmtpd) that keeps what it receives."""

from __future__ import annotations

import asyncio
import socket
import threading
from collections.abc import Iterator
from contextlib import contextmanager

from aiosmtpd.controller import Controller
from aiosmtpd.smtp import Envelope


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


class Inbox:
    """aiosmtpd handler: every accepted message lands in `messages`.

    `refuse` maps recipient addresses to the reply their RCPT gets (e.g. "550 5.1.1 no such user");
    `hold_after` holds the reply to the message after that many accepted ones until `release` is set
    (a worker can be killed mid-exchange); `sessions` counts the connections opened.
    """

    def __init__(self, refuse: dict[str, str] | None = None, hold_after: int | None = None) -> None:
        self.messages: list[Envelope] = []
        self.refuse = refuse or {}
        self.hold_after = hold_after
        self.holding = threading.Event()
        self.release = threading.Event()
        self.sessions = 0

    async def handle_EHLO(self, server, session, envelope, hostname, responses):  # noqa: N802 - aiosmtpd's hook name
        self.sessions += 1
        session.host_name = hostname
        return responses

    async def handle_RCPT(self, server, session, envelope: Envelope, address: str, rcpt_options) -> str:  # noqa: N802
        if address in self.refuse:
            return self.refuse[address]
        envelope.rcpt_tos.append(address)
        return "250 OK"

    async def handle_DATA(self, server, session, envelope: Envelope) -> str:  # noqa: N802 - aiosmtpd's hook name
        if self.hold_after is not None and len(self.messages) == self.hold_after and not self.release.is_set():
            self.holding.set()
            while not self.release.is_set():
                await asyncio.sleep(0.05)
        self.messages.append(envelope)
        return "250 OK"


@contextmanager
def smtp_server(inbox: Inbox | None = None) -> Iterator[tuple[Inbox, str]]:
    """Start a server; yield its inbox and its NEXA_SMTP_URL."""
    inbox = inbox or Inbox()
    controller = Controller(inbox, hostname="127.0.0.1", port=free_port())
    controller.start()
    try:
        yield inbox, f"smtp://127.0.0.1:{controller.port}"
    finally:
        controller.stop()
