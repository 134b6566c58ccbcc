"""Sending a message at most once: the steps every SMTP delivery job takes around the server (drafted emails in
`store.services.email_delivery`, inbox replies in `store.inbox.outbound`).

The job locks the message's row and `claim`s it, queued -> sending, in its own transaction, committed before the
SMTP conversation; it is marked sent after. A job that finds the row still `sending` knows an earlier attempt died
between the claim and the mark (whether the server took the message is unknown): the message is marked failed
for a person to check, never sent again. When the server refuses or cannot be reached, `release` puts it back to
queued for the job's retry, or failed at the last attempt. `field` names the row's state column (its enum has
queued, sending and failed).
"""

from __future__ import annotations

import logging
from typing import Any

log = logging.getLogger(__name__)


def claim(row: Any, *, field: str, what: str) -> bool:
    """On a row locked by the caller's transaction: queued -> sending and True (send it now, after committing);
    sending -> failed and False (an earlier attempt died after its claim); anything else, False (nothing to send)."""
    state = getattr(row, field)
    states = type(state)
    if state is states.sending:
        setattr(row, field, states.failed)
        log.error("%s was being sent when its worker stopped; not sent again (check the recipient's inbox)", what)
        return False
    if state is not states.queued:
        return False
    setattr(row, field, states.sending)
    return True


def release(row: Any, *, field: str, last_attempt: bool) -> None:
    """On a claimed row the SMTP server did not take: queued again for the job's retry, or failed at the last attempt."""
    states = type(getattr(row, field))
    setattr(row, field, states.failed if last_attempt else states.queued)
