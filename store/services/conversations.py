"""Conversations with the assistant: history, ownership and pending approvals."""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from typing import Any, cast

import psycopg
from sqlalchemy import Table, insert, select, text, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import make_transient_to_detached

from store.access import Actor
from store.clock import utcnow
from store.db import psycopg_connection
from store.errors import NotFound, from_integrity
from store.models import Conversation, ConversationMessage, PendingAction
from store.services.base import Service

_BLANK: dict[str, Any] = {"content": None, "tool_calls": None, "tool_call_id": None, "name": None, "citations": None}


_COLUMNS = cast(Table, Conversation.__table__).columns


def _fill(conversation: Conversation) -> None:
    """Set every column of a new conversation now, the server's defaults too: its id is known before its INSERT."""
    now = utcnow()
    defaults: dict[str, Any] = {"id": uuid.uuid4(), "tokens_used": 0, "created_at": now, "updated_at": now}
    for column in _COLUMNS:
        if getattr(conversation, column.key) is None:
            setattr(conversation, column.key, defaults.get(column.key))


class ConversationService(Service):
    """A caller's conversations; another caller's conversation does not exist for them."""

    def __init__(self, session: AsyncSession, actor: Actor) -> None:
        super().__init__(session, actor)
        self._created: set[uuid.UUID] = set()  # opened new by this service and written nothing since: no rows to read
        # new conversations whose INSERT is held back (see `open`), kept by the session: every service on it sees them
        self._unsaved: dict[uuid.UUID, Conversation] = session.info.setdefault("unsaved_conversations", {})

    async def open(
        self, conversation_id: uuid.UUID | str | None, *, external_ref: str | None = None, title: str | None = None
    ) -> Conversation:
        """The caller's conversation with that id (or external reference), or a new one. A new conversation without
        a reference is INSERTed with the turn's first write (`append`, `propose`), in the same round trip: a turn
        always writes its messages, and a reference is unique, so that one is inserted (and checked) at once."""
        if conversation_id is not None:
            return await self.get(conversation_id)
        if external_ref is not None:
            found = await self.session.scalar(select(Conversation).where(Conversation.external_ref == external_ref))
            if found is not None:
                self._own(found)
                return found
        conversation = Conversation(
            user_id=self.actor.user_id,
            customer_session=self.actor.customer_session,
            channel=self.actor.channel,
            external_ref=external_ref,
            title=title,
        )
        if external_ref is None:
            _fill(conversation)
            self._unsaved[conversation.id] = conversation
        else:  # a reference is unique: a concurrent first use is a conflict, in a savepoint
            self.session.add(conversation)
            await self.flush()
        self._created.add(conversation.id)
        return conversation

    async def _save(self, conversation: Conversation) -> None:
        """INSERT a conversation `open` held back, by one compiled statement (what the turn changed on it included),
        then hand the row to the session as stored: the unit of work's flush cost a chat turn ~1 ms of CPU."""
        if self._unsaved.pop(conversation.id, None) is None:
            return
        values = {column.key: getattr(conversation, column.key) for column in _COLUMNS}
        try:
            await self.session.execute(insert(cast(Table, Conversation.__table__)), [values])
        except IntegrityError as err:
            raise from_integrity(err) from None
        make_transient_to_detached(conversation)
        self.session.add(conversation)

    async def get(self, conversation_id: uuid.UUID | str) -> Conversation:
        conversation = await self.load(Conversation, conversation_id, field="conversation_id")
        self._own(conversation)
        return conversation

    async def history(self, conversation: Conversation, *, limit: int = 60) -> list[ConversationMessage]:
        """The newest `limit` messages, oldest first."""
        if conversation.id in self._created:
            return []
        rows = await self.session.scalars(
            select(ConversationMessage)
            .where(ConversationMessage.conversation_id == conversation.id)
            .order_by(ConversationMessage.seq.desc())
            .limit(limit)
        )
        return list(reversed(list(rows)))

    async def append(
        self, conversation: Conversation, messages: Sequence[dict[str, Any]], *, durable: bool = True
    ) -> None:
        """Persist messages (dicts with role, content, tool_calls, tool_call_id, name, citations) in order, in one
        batch, with the records the session holds back (a turn's audit entries): one round trip for all of them, as
        psycopg's pipeline mode sends the statements without waiting for each one's answer. `durable=False` for a
        transaction that changed no CRM record (a model turn: its transcript, the audit of its reads, its proposals):
        its commit does not wait for the WAL flush, so a database crash may lose its last fraction of a second, never
        leaving it half-written (PostgreSQL's `synchronous_commit`; the mass-email claims do the same)."""
        if not messages:
            return
        self._created.discard(conversation.id)
        rows = [
            {"conversation_id": conversation.id, "created_at": utcnow(), **_BLANK, **message} for message in messages
        ]
        try:
            if self.session.dirty or self.session.deleted:  # an update's row count is checked, known only once answered
                await self.session.flush()
            async with (await psycopg_connection(self.session)).pipeline():
                if not durable:
                    await self.session.execute(text("SET LOCAL synchronous_commit TO off"))
                await self._save(conversation)
                await self.session.flush()
                # the table's insert, the same keys in every row: one statement compiled once, and None is SQL NULL
                await self.session.execute(insert(cast(Table, ConversationMessage.__table__)), rows)
        except IntegrityError as err:
            raise from_integrity(err) from None
        except psycopg.errors.IntegrityError as err:  # raised by the pipeline's end, as the driver reports it
            raise from_integrity(IntegrityError(None, None, err)) from None

    async def propose(self, conversation: Conversation, **fields: Any) -> PendingAction:
        self._created.discard(conversation.id)
        await self._save(conversation)
        action = PendingAction(conversation_id=conversation.id, **fields)
        self.session.add(action)
        await self.flush()
        return action

    async def pending(self, conversation: Conversation) -> list[PendingAction]:
        if conversation.id in self._created:
            return []
        rows = await self.session.scalars(
            select(PendingAction)
            .where(PendingAction.conversation_id == conversation.id, PendingAction.status == "pending")
            .order_by(PendingAction.created_at)
        )
        return list(rows)

    async def claim(self, action_id: uuid.UUID, status: str) -> bool:
        """Atomically move a pending action to `status`; False when someone decided it already."""
        claimed = await self.session.execute(
            update(PendingAction)
            .where(PendingAction.id == action_id, PendingAction.status == "pending")
            .values(status=status, decided_at=utcnow())
            .returning(PendingAction.id)
        )
        return claimed.first() is not None

    async def action(self, conversation: Conversation, action_id: uuid.UUID | str) -> PendingAction:
        action = await self.load(PendingAction, action_id, field="approval_id")
        if action.conversation_id != conversation.id:
            raise NotFound("approval_id", f"no approval {action_id} in this conversation")
        return action

    def _own(self, conversation: Conversation) -> None:
        mine = (conversation.user_id is not None and conversation.user_id == self.actor.user_id) or (
            conversation.customer_session is not None and conversation.customer_session == self.actor.customer_session
        )
        if not mine:
            raise NotFound("conversation_id", "no such conversation")
