"""Signed per-recipient links in campaign emails: unsubscribe, open pixel and click redirects.

A token is `<send id>-<extra>-<HMAC>` keyed by NEXA_SECRET_KEY (`Settings.signing_key`) and bound to its
purpose, so one recipient's unsubscribe link cannot be forged from another's, and a click token only
ever leads to the link of that index in the email's own template (never an open redirect).
"""

from __future__ import annotations

import base64
import hashlib
import hmac
from dataclasses import dataclass

from store.errors import NotFound


def _mac(key: bytes, purpose: str, send_id: int, extra: str) -> str:
    digest = hmac.new(key, f"{purpose}:{send_id}:{extra}".encode(), hashlib.sha256).digest()
    return base64.urlsafe_b64encode(digest[:16]).decode().rstrip("=")


def sign(key: bytes, purpose: str, send_id: int, extra: str = "0") -> str:
    return f"{send_id}-{extra}-{_mac(key, purpose, send_id, extra)}"


def verify(key: bytes, purpose: str, token: str) -> tuple[int, str]:
    """(send id, extra) of a valid token; NotFound for anything else."""
    parts = token.split("-", 2)
    if (
        len(parts) == 3
        and parts[0].isdigit()
        and hmac.compare_digest(parts[2], _mac(key, purpose, int(parts[0]), parts[1]))
    ):
        return int(parts[0]), parts[1]
    raise NotFound("token", "this link is not valid (it may have been altered)")


@dataclass(frozen=True)
class Links:
    """The URLs of one recipient's message."""

    base: str
    key: bytes
    send_id: int

    @property
    def unsubscribe(self) -> str:
        return f"{self.base}/u/{sign(self.key, 'u', self.send_id)}"

    @property
    def pixel(self) -> str:
        return f"{self.base}/t/o/{sign(self.key, 'o', self.send_id)}.gif"

    def click(self, index: int) -> str:
        return f"{self.base}/t/c/{sign(self.key, 'c', self.send_id, str(index))}"
