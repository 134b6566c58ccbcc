"""The inbox's lists for one caller: pages of conversations with every view's count, what waits on someone, a thread
found by what people call it, and which inboxes and conversations the caller works (see `store.inbox.service`)."""

from __future__ import annotations

import re
import time
import uuid
from datetime import UTC, datetime, timedelta
from typing import Any, Literal, NamedTuple

from sqlalchemy import ColumnElement, column, false, func, literal_column, or_, select, table, true, tuple_, update

from store.access import require
from store.clock import utcnow
from store.errors import InvalidInput, NotFound
from store.inbox import sla
from store.models import Account, Contact, Inbox, InboxConversation, InboxMessage, Ticket, User
from store.models.enums import Role
from store.models.inbox import ConversationStatus, Direction, MailKind
from store.services.base import Service

Assignee = Literal["me", "none"] | uuid.UUID | None
AGENT_ROLES = (Role.support, Role.manager, Role.admin, Role.rep)


class Page(NamedTuple):
    """One page of a conversation list: its rows, how many match in all, every view's count, and the `after`
    cursor of the next page (None on the last)."""

    items: list[InboxConversation]
    total: int
    counts: dict[str, int]
    after: str | None


EPOCH = datetime(1970, 1, 1, tzinfo=UTC)
Group = tuple[ConversationStatus, bool, bool, str, int]  # status, unassigned, the caller's, SLA state, how many
# View counts read every conversation of the inboxes (an index-only scan, ~50 ms at 50,000 on a loaded machine), so a
# process reuses them for a few seconds while no conversation row changed: the key holds the change counter a trigger
# moves on every insert, update and delete (and the table's file, new after a TRUNCATE), the caller, the inboxes and
# the SLA clock's 5-second slot. A change committed while the counts were being read can show up to COUNTS_REUSE late.
COUNTS_REUSE = timedelta(seconds=5)
_COUNTED: dict[tuple[Any, ...], tuple[float, list[Group]]] = {}
_CHANGES = select(
    column("last_value"), func.pg_relation_filenode(literal_column("'inbox_conversations'::regclass"))
).select_from(table("inbox_conversations_changes"))


def _after(conversation: InboxConversation) -> str:
    """The cursor of the page after this row: its last activity in whole microseconds since 1970, and its id."""
    return f"{(conversation.last_message_at - EPOCH) // timedelta(microseconds=1)}_{conversation.id}"


def _cursor(after: str) -> tuple[datetime, uuid.UUID]:
    """(last_message_at, id) from a page's `after` cursor."""
    micros, _, ident = after.partition("_")
    try:
        return EPOCH + timedelta(microseconds=int(micros)), uuid.UUID(ident)
    except (ValueError, OverflowError):
        raise InvalidInput("after", "not a cursor this list gave (pass the previous page's 'after')") from None


class InboxViews(Service):
    """Lists and lookups of the inboxes a caller works (the base of `InboxService`)."""

    async def conversations(
        self,
        *,
        inbox: str | None = None,
        status: ConversationStatus | None = None,
        assignee: Assignee = None,
        sla_state: str | None = None,
        q: str | None = None,
        limit: int = 50,
        after: str | None = None,
    ) -> Page:
        """One page of the caller's inboxes' conversations, most recent activity first, with how many match and
        every view's count (one grouped pass gives both); `after` is the previous page's `after` (keyset paging).

        `assignee`: "me", "none" (unassigned) or a user id; `sla_state`: breached, due_soon, on_track or none.
        Snoozed conversations whose time has come are open again.
        """
        require(self.actor, "inbox", "read")
        await self.wake_snoozed()
        c, now = InboxConversation, utcnow()
        ids = await self._inbox_ids(inbox)
        if ids == []:
            return Page([], 0, self._views([]), None)
        conditions = self._filters(status=status, assignee=assignee, sla_state=sla_state, q=q, now=now)
        if ids is not None:
            conditions.append(c.inbox_id.in_(ids))
        groups = await self._groups(ids, now)
        page = select(c).where(*conditions)
        if after:
            page = page.where(tuple_(c.last_message_at, c.id) < tuple_(*_cursor(after)))
        rows = list(await self.session.scalars(page.order_by(c.last_message_at.desc(), c.id.desc()).limit(limit + 1)))
        counted = q is None and (assignee in (None, "none", "me") or assignee == self.actor.user_id)
        total = (
            sum(
                n
                for g_status, unassigned, mine, g_sla, n in groups
                if (status is None or g_status == status)
                and (sla_state is None or g_sla == sla_state)
                and (assignee is None or (unassigned if assignee == "none" else mine))
            )
            if counted
            else int(await self.session.scalar(select(func.count()).select_from(c).where(*conditions)) or 0)
        )
        more = len(rows) > limit
        rows = rows[:limit]
        return Page(rows, total, self._views(groups), _after(rows[-1]) if more else None)

    async def counts(self, *, inbox: str | None = None) -> dict[str, int]:
        """How many conversations each view holds: unassigned, mine, all (not closed), per status, per SLA state."""
        require(self.actor, "inbox", "read")
        await self.wake_snoozed()
        ids = await self._inbox_ids(inbox)
        return self._views(await self._groups(ids, utcnow()) if ids != [] else [])

    async def _inbox_ids(self, inbox: str | None) -> list[uuid.UUID] | None:
        """The ids of the inboxes a list covers (the caller's, or the named one if theirs); None: every inbox."""
        if inbox is None and self.actor.sees_everything:
            return None
        stmt = select(Inbox.id).where(self._team_inboxes())
        if inbox:
            stmt = stmt.where(Inbox.name == inbox)
        return list(await self.session.scalars(stmt))

    async def _groups(self, ids: list[uuid.UUID] | None, now: datetime) -> list[Group]:
        """(status, unassigned, mine, SLA state, how many) over the inboxes: one pass that every count is summed from,
        reused for COUNTS_REUSE while no conversation changes (see `_COUNTED`)."""
        changes = tuple((await self.session.execute(_CHANGES)).one())
        key = (None if ids is None else tuple(sorted(ids)), self.actor.user_id, changes, (now - EPOCH) // COUNTS_REUSE)
        kept = _COUNTED.get(key)
        if kept is not None and time.monotonic() - kept[0] < COUNTS_REUSE.total_seconds():
            return kept[1]
        c = InboxConversation
        me = c.assignee_id == self.actor.user_id if self.actor.user_id else false()
        inner = select(
            c.status.label("status"),
            c.assignee_id.is_(None).label("unassigned"),
            func.coalesce(me, false()).label("mine"),
            sla.state_sql(now).label("sla"),
        )
        if ids is not None:
            inner = inner.where(c.inbox_id.in_(ids))
        g = inner.subquery()
        rows = await self.session.execute(
            select(g.c.status, g.c.unassigned, g.c.mine, g.c.sla, func.count()).group_by(
                g.c.status, g.c.unassigned, g.c.mine, g.c.sla
            )
        )
        groups: list[Group] = [tuple(row) for row in rows]
        if len(_COUNTED) > 1000:
            _COUNTED.clear()
        _COUNTED[key] = (time.monotonic(), groups)
        return groups

    @staticmethod
    def _views(groups: list[Group]) -> dict[str, int]:
        views = {
            "unassigned": 0,
            "mine": 0,
            "all": 0,
            **{s.value: 0 for s in ConversationStatus},
            **{f"sla_{s}": 0 for s in sla.SLA_STATES if s != "none"},
        }
        for status, unassigned, mine, state, n in groups:
            views[status.value] += n
            if state != "none":
                views[f"sla_{state}"] += n
            if status is not ConversationStatus.closed:
                views["all"] += n
                views["unassigned"] += n if unassigned else 0
                views["mine"] += n if mine else 0
        return views

    async def waiting_on(self, user_id: uuid.UUID | None = None, *, limit: int = 20) -> list[InboxConversation]:
        """Open conversations assigned to a user (the caller by default) whose last message is the customer's:
        the ones waiting on that person, oldest due first."""
        require(self.actor, "inbox", "read")
        user_id = user_id or self.actor.user_id
        last_direction = (
            select(InboxMessage.direction)
            .where(InboxMessage.conversation_id == InboxConversation.id, InboxMessage.kind == MailKind.normal)
            .order_by(InboxMessage.seq.desc())
            .limit(1)
            .scalar_subquery()
        )
        stmt = (
            select(InboxConversation)
            .join(Inbox, Inbox.id == InboxConversation.inbox_id)
            .where(
                self._team_inboxes(),
                InboxConversation.assignee_id == user_id,
                InboxConversation.status == ConversationStatus.open,
                last_direction == Direction.inbound,
            )
            .order_by(InboxConversation.resolution_due.asc().nulls_last())
            .limit(limit)
        )
        return list(await self.session.scalars(stmt))

    async def find(self, words: str, *, limit: int = 5) -> list[InboxConversation]:
        """Conversations matching words of their subject, sender, contact or account name (open ones first)."""
        require(self.actor, "inbox", "read")
        pattern = f"%{words.strip()}%"
        stmt = (
            select(InboxConversation)
            .join(Inbox, Inbox.id == InboxConversation.inbox_id)
            .outerjoin(Contact, Contact.id == InboxConversation.contact_id)
            .outerjoin(Account, Account.id == Contact.account_id)
            .where(
                self._team_inboxes(),
                or_(
                    InboxConversation.subject.ilike(pattern),
                    InboxConversation.customer_email.ilike(pattern),
                    (Contact.first_name + " " + Contact.last_name).ilike(pattern),
                    Account.account_name.ilike(pattern),
                ),
            )
            .order_by(
                (InboxConversation.status == ConversationStatus.closed).asc(), InboxConversation.last_message_at.desc()
            )
            .limit(limit)
        )
        return list(await self.session.scalars(stmt))

    async def pick(self, thread: str) -> InboxConversation:
        """One conversation from what a person calls it: its id, its ticket number (1042 or #1042), or words of its
        subject, sender, contact or account (open threads first). Several matches: InvalidInput listing them."""
        text = (thread or "").strip()
        if not text:
            raise InvalidInput(
                "thread", "name the thread: words of its subject, the customer or company, or its ticket number"
            )
        try:
            return await self.get(uuid.UUID(text))
        except ValueError:
            pass
        number = re.fullmatch(r"#?(\d{3,9})", text)
        if number:
            found = list(
                await self.session.scalars(
                    select(InboxConversation)
                    .join(Inbox, Inbox.id == InboxConversation.inbox_id)
                    .join(Ticket, Ticket.id == InboxConversation.ticket_id)
                    .where(self._team_inboxes(), Ticket.number == int(number.group(1)))
                )
            )
        else:
            found = await self.find(text, limit=6)
            found = [c for c in found if c.status is not ConversationStatus.closed] or found
        if not found:
            raise NotFound("thread", f"no thread you work matches '{text}'")
        if len(found) > 1:
            names = "; ".join(f"'{c.subject}' from {c.customer_email or 'unknown'}" for c in found[:5])
            raise InvalidInput("thread", f"'{text}' matches {len(found)} threads ({names}): say which one")
        return found[0]

    async def agent(self, who: str, conversation: InboxConversation) -> User:
        """An active agent of the conversation's inbox team named by email, full name or first name."""
        inbox = await self.session.get_one(Inbox, conversation.inbox_id)
        key = (who or "").strip().lower()
        stmt = select(User).where(User.is_active.is_(True), User.role.in_(AGENT_ROLES))
        if inbox.team is not None:
            stmt = stmt.where(User.team == inbox.team)
        matches = [
            u
            for u in await self.session.scalars(stmt)
            if key in (u.email.lower(), u.name.lower(), u.name.split()[0].lower() if u.name else "")
        ]
        if len(matches) != 1:
            raise InvalidInput(
                "assignee",
                f"{'no' if not matches else 'more than one'} agent of the {inbox.name} inbox is called '{who}'",
            )
        return matches[0]

    async def get(self, conversation_id: uuid.UUID | str, *, lock: bool = False) -> InboxConversation:
        """A conversation of an inbox the caller works (404 otherwise)."""
        require(self.actor, "inbox", "read")
        conversation = await self.load(InboxConversation, conversation_id, field="conversation_id", lock=lock)
        inbox = await self.session.get(Inbox, conversation.inbox_id)
        if not self._works(inbox):
            raise NotFound("conversation_id", f"no conversation with id {conversation.id}")
        return conversation

    async def wake_snoozed(self) -> int:
        """Snoozed conversations whose time has come are open again; how many woke."""
        result = await self.session.execute(
            update(InboxConversation)
            .where(InboxConversation.status == ConversationStatus.snoozed, InboxConversation.snoozed_until <= utcnow())
            .values(status=ConversationStatus.open, snoozed_until=None)
            .execution_options(synchronize_session=False)
        )
        return int(result.rowcount or 0)  # type: ignore[attr-defined]

    # ---------------------------------------------------------------- rules

    def _works(self, inbox: Inbox | None) -> bool:
        return inbox is not None and (
            self.actor.sees_everything or (self.actor.team is not None and inbox.team == self.actor.team)
        )

    def _team_inboxes(self) -> ColumnElement[bool]:
        if self.actor.sees_everything:
            return true()
        return Inbox.team == self.actor.team if self.actor.team else Inbox.id.is_(None)

    def _filters(
        self,
        *,
        status: ConversationStatus | None,
        assignee: Assignee,
        sla_state: str | None,
        q: str | None,
        now: datetime,
    ) -> list[ColumnElement[bool]]:
        c, found = InboxConversation, []
        if status:
            found.append(c.status == status)
        if assignee == "me":
            found.append(c.assignee_id == self.actor.user_id if self.actor.user_id else false())
        elif assignee == "none":
            found.append(c.assignee_id.is_(None))
        elif isinstance(assignee, uuid.UUID):
            found.append(c.assignee_id == assignee)
        elif assignee is not None:
            raise InvalidInput("assignee", "me, none or a user id")
        if sla_state:
            if sla_state not in sla.SLA_STATES:
                raise InvalidInput("sla", f"'{sla_state}' is not one of {', '.join(sla.SLA_STATES)}")
            found.append(sla.state_sql(now) == sla_state)
        if q:
            found.append(or_(c.subject.ilike(f"%{q.strip()}%"), c.customer_email.ilike(f"%{q.strip()}%")))
        return found
