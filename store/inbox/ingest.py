"""Mail in: one raw message becomes a message in a thread, linked to its contact, ticket or deal, on the timeline.

The same path serves the webhook and IMAP polling, as the system (the caller was authenticated by the inbox's
secret or is the poller). A message already stored (same inbox, same Message-ID) is recognised and nothing is
written twice. Threading: a Message-ID the message answers (In-Reply-To, then References) that we already hold,
else a ticket token `[#1234]` in the subject, else a new thread. Automated mail (auto-replies, bulk, bounces, our
own mail coming back) is stored and threaded but opens no ticket, creates no contact, starts no SLA clock and does
not reopen a thread.
"""

from __future__ import annotations

import re
import uuid
from dataclasses import dataclass

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from store.access import Actor
from store.clock import utcnow
from store.errors import DomainError
from store.inbox import sla
from store.inbox.mime import ParsedMail, parse
from store.intelligence.text import intent, sentiment
from store.jobs.defer import defer
from store.models import (
    Contact,
    Deal,
    Inbox,
    InboxAttachment,
    InboxConversation,
    InboxMessage,
    Ticket,
    TicketMessage,
    User,
)
from store.models.enums import (
    OPEN_STAGES,
    ActivityType,
    AuthorType,
    Priority,
    RecordType,
    Role,
    TicketChannel,
    TicketStatus,
)
from store.models.inbox import ConversationStatus, Direction, InboxKind, MailKind
from store.services.contacts import ContactService
from store.services.tickets import TicketService
from store.services.timeline import record_activity
from store.settings import Settings

TICKET_TOKEN = re.compile(r"\[#(\d{3,9})\]")
_PREFIX = re.compile(r"^\s*((re|fwd?|aw|wg|tr|sv|vs)\s*(\[\d+\])?\s*:\s*)+", re.I)
SYSTEM = Actor.system()


@dataclass
class Ingested:
    """What became of one raw message: `outcome` is new_thread, threaded or duplicate."""

    message: InboxMessage
    conversation: InboxConversation
    outcome: str
    problems: list[str]

    def to_dict(self) -> dict[str, object]:
        return {
            "outcome": self.outcome,
            "message_id": str(self.message.id),
            "conversation_id": str(self.conversation.id),
            "kind": self.message.kind.value,
            "problems": self.problems,
        }


def base_subject(subject: str) -> str:
    """The subject without reply/forward prefixes and ticket tokens."""
    return " ".join(TICKET_TOKEN.sub("", _PREFIX.sub("", subject)).split()) or "(no subject)"


async def ingest(session: AsyncSession, inbox: Inbox, raw: bytes, settings: Settings) -> Ingested:
    """Store one raw RFC 822 message in `inbox` (idempotent by Message-ID); see the module's docstring."""
    mail = parse(raw, max_attachment=settings.inbox_max_attachment_mb * 1024 * 1024)
    existing = await session.scalar(
        select(InboxMessage).where(InboxMessage.inbox_id == inbox.id, InboxMessage.message_id == mail.message_id)
    )
    if existing is not None:
        conversation = await session.get(InboxConversation, existing.conversation_id)
        return Ingested(existing, conversation, "duplicate", ["already stored: the same Message-ID arrived before"])  # type: ignore[arg-type]
    if mail.kind is MailKind.normal and await _ours(session, mail):
        mail.kind = MailKind.loop
        mail.problems.append("loop: this is mail we sent (our address or Message-ID); recorded, not answered")
    now = utcnow()
    conversation, named_ticket = await _thread(session, inbox, mail)
    outcome = "threaded" if conversation is not None else "new_thread"
    contact = await _contact(session, inbox, mail)
    if conversation is None:
        conversation = InboxConversation(
            inbox_id=inbox.id,
            subject=base_subject(mail.subject)[:500],
            customer_email=mail.from_address,
            contact_id=contact.id if contact else None,
            priority=Priority(inbox.rules.get("default_priority", "medium")),
            automated=mail.kind is not MailKind.normal,
            last_message_at=now,
            status=ConversationStatus.open if mail.kind is MailKind.normal else ConversationStatus.closed,
            closed_at=None if mail.kind is MailKind.normal else now,
        )
        session.add(conversation)
        await session.flush()
    message = InboxMessage(
        inbox_id=inbox.id,
        conversation_id=conversation.id,
        direction=Direction.inbound,
        kind=mail.kind,
        message_id=mail.message_id,
        in_reply_to=mail.in_reply_to,
        references=mail.references,
        from_address=mail.from_address,
        from_name=mail.from_name,
        to_addresses=mail.to_addresses,
        cc_addresses=mail.cc_addresses,
        subject=mail.subject,
        text_body=mail.text,
        reply_text=mail.reply_text,
        html_body=mail.html,
        headers=mail.headers,
        raw_mime=raw,
        problems=mail.problems,
        sent_at=now,
    )
    session.add(message)
    await session.flush()
    session.add_all(
        [
            InboxAttachment(
                message_id=message.id,
                filename=a.filename,
                content_type=a.content_type[:200],
                size=a.size,
                content=a.content,
                dropped=a.dropped,
            )
            for a in mail.attachments
        ]
    )
    conversation.last_message_at = now
    if mail.kind is MailKind.normal:
        await _customer_spoke(session, inbox, conversation, contact, mail, settings, named_ticket)
    await session.flush()
    await _on_timeline(session, inbox, conversation, message)
    await defer(
        session,
        "inbox.summarize",
        queueing_lock=f"inbox-summary:{conversation.id}",
        conversation_id=str(conversation.id),
    )
    return Ingested(message, conversation, outcome, mail.problems)


async def _ours(session: AsyncSession, mail: ParsedMail) -> bool:
    """True when the message is one of ours coming back: sent from one of our inbox addresses, or carrying the
    Message-ID of a message we sent."""
    if mail.from_address and await session.scalar(select(Inbox.id).where(Inbox.address == mail.from_address)):
        return True
    return bool(
        await session.scalar(
            select(InboxMessage.id)
            .where(InboxMessage.message_id == mail.message_id, InboxMessage.direction == Direction.outbound)
            .limit(1)
        )
    )


async def _thread(
    session: AsyncSession, inbox: Inbox, mail: ParsedMail
) -> tuple[InboxConversation | None, Ticket | None]:
    """The conversation this message continues: by the Message-IDs it answers, else by a ticket token in its subject
    (a token naming a ticket that has no thread here links the new thread to that ticket: the second value)."""
    ids = mail.thread_ids
    if ids:
        rows = (
            await session.execute(
                select(InboxMessage.message_id, InboxMessage.conversation_id).where(
                    InboxMessage.inbox_id == inbox.id, InboxMessage.message_id.in_(ids)
                )
            )
        ).all()
        by_id = dict(rows)
        for candidate in ids:
            if candidate in by_id:
                return await session.get(InboxConversation, by_id[candidate]), None
    token = TICKET_TOKEN.search(mail.subject)
    if token:
        ticket = await session.scalar(select(Ticket).where(Ticket.number == int(token.group(1))))
        if ticket is not None:
            found = await session.scalar(
                select(InboxConversation)
                .where(InboxConversation.inbox_id == inbox.id, InboxConversation.ticket_id == ticket.id)
                .order_by(InboxConversation.created_at.desc())
                .limit(1)
            )
            if found is not None:
                return found, None
            mail.problems.append(
                f"subject names ticket #{ticket.number}, which has no thread in this inbox: a new thread is linked to it"
            )
            return None, ticket
    return None, None


async def _contact(session: AsyncSession, inbox: Inbox, mail: ParsedMail) -> Contact | None:
    """The sender's contact; for a person's mail (not automated) without one, a new contact marked unverified."""
    if mail.from_address is None:
        return None
    contact = await session.scalar(select(Contact).where(Contact.email == mail.from_address))
    if contact is not None or mail.kind is not MailKind.normal:
        return contact
    words = (mail.from_name or "").replace('"', "").split() or [mail.from_address.split("@")[0]]
    data = {
        "first_name": words[0][:100],
        "last_name": " ".join(words[1:])[:100] or "Unknown",
        "email": mail.from_address,
        "custom_fields": {"verified": False, "source": f"inbox:{inbox.name}"},
    }
    try:
        async with session.begin_nested():
            return await ContactService(session, SYSTEM).create(data)
    except DomainError as err:
        mail.problems.append(f"sender not saved as a contact: {err}")
        return None


async def _customer_spoke(
    session: AsyncSession,
    inbox: Inbox,
    conversation: InboxConversation,
    contact: Contact | None,
    mail: ParsedMail,
    settings: Settings,
    named_ticket: Ticket | None,
) -> None:
    """A person wrote: the thread is open (reopened if need be), its SLA clocks run, its ticket or deal is linked."""
    now = utcnow()
    reopened = conversation.status is not ConversationStatus.open
    conversation.status, conversation.snoozed_until, conversation.automated = ConversationStatus.open, None, False
    if conversation.contact_id is None and contact is not None:
        conversation.contact_id = contact.id
    conversation.customer_email = conversation.customer_email or mail.from_address
    if conversation.resolution_due is None or (reopened and conversation.closed_at is not None):
        first, resolve = sla.due_times(now, conversation.priority, settings.inbox_sla)
        conversation.first_response_due = conversation.first_response_due or first
        conversation.resolution_due, conversation.closed_at = resolve, None
    texts = list(
        await session.scalars(
            select(InboxMessage.reply_text).where(
                InboxMessage.conversation_id == conversation.id,
                InboxMessage.direction == Direction.inbound,
                InboxMessage.kind == MailKind.normal,
            )
        )
    )
    conversation.intent = intent(" ".join([conversation.subject, *texts[-3:]]))
    conversation.sentiment = sentiment(texts[-3:] or [conversation.subject])
    if inbox.kind is InboxKind.support:
        await _ticket(session, conversation, contact, mail, named_ticket)
        if reopened and conversation.ticket_id is not None:  # the customer wrote again: the ticket is open again too
            ticket = await session.get(Ticket, conversation.ticket_id)
            if ticket is not None and ticket.status is not TicketStatus.open:
                await TicketService(session, SYSTEM).update(ticket.id, {"status": TicketStatus.open})
    elif conversation.deal_id is None and contact is not None:
        conversation.deal_id = await _open_deal(session, contact)
    if conversation.assignee_id is None and inbox.rules.get("round_robin"):
        conversation.assignee_id = await next_agent(session, inbox)


async def _ticket(
    session: AsyncSession,
    conversation: InboxConversation,
    contact: Contact | None,
    mail: ParsedMail,
    named: Ticket | None,
) -> None:
    """Support inboxes: the thread's ticket (opened with the first message), and the message on its thread."""
    body = mail.reply_text or mail.text or "(no text)"
    if conversation.ticket_id is None:
        if named is not None:
            conversation.ticket_id = named.id
        else:
            data = {
                "subject": conversation.subject[:300],
                "channel": TicketChannel.email,
                "priority": conversation.priority,
                "requester_contact_id": contact.id if contact else None,
            }
            ticket = await TicketService(session, SYSTEM).create(data, first_message=body)
            ticket.requester_email = ticket.requester_email or mail.from_address
            # the From address is only claimed: a contact created from it is unverified, and so is the ticket's requester
            ticket.requester_verified = contact is not None and contact.custom_fields.get("verified", True) is not False
            conversation.ticket_id = ticket.id
            return
    session.add(
        TicketMessage(
            ticket_id=conversation.ticket_id,
            author_type=AuthorType.customer,
            author_contact_id=contact.id if contact else None,
            body=body,
        )
    )


async def _open_deal(session: AsyncSession, contact: Contact) -> uuid.UUID | None:
    """Sales inboxes: the contact's open deal (as primary contact, else their account's), the latest first."""
    stmt = select(Deal.id).where(Deal.stage.in_(OPEN_STAGES)).order_by(Deal.updated_at.desc()).limit(1)
    found = await session.scalar(stmt.where(Deal.primary_contact_id == contact.id))
    if found is None and contact.account_id is not None:
        found = await session.scalar(stmt.where(Deal.account_id == contact.account_id))
    return found


async def next_agent(session: AsyncSession, inbox: Inbox) -> uuid.UUID | None:
    """Round robin: the next active support agent or manager of the inbox's team after the last one given a thread."""
    if inbox.team is None:
        return None
    members = list(
        await session.scalars(
            select(User.id)
            .where(User.team == inbox.team, User.is_active.is_(True), User.role.in_([Role.support, Role.manager]))
            .order_by(User.email)
        )
    )
    if not members:
        return None
    after = members.index(inbox.last_assignee_id) + 1 if inbox.last_assignee_id in members else 0
    inbox.last_assignee_id = members[after % len(members)]
    return inbox.last_assignee_id


async def _on_timeline(
    session: AsyncSession, inbox: Inbox, conversation: InboxConversation, message: InboxMessage
) -> None:
    """The message on the timelines of its contact, the contact's account, the ticket and the deal."""
    account_id = (
        await session.scalar(select(Contact.account_id).where(Contact.id == conversation.contact_id))
        if conversation.contact_id
        else None
    )
    sender = message.from_name or message.from_address or "unknown sender"
    what = "Email" if message.kind is MailKind.normal else f"Automated email ({message.kind.value})"
    await record_activity(
        session,
        SYSTEM,
        type=ActivityType.email,
        action="received",
        subject=f"{what} from {sender} to {inbox.address}: {message.subject or '(no subject)'}",
        on=[
            (RecordType.contact, conversation.contact_id),
            (RecordType.account, account_id),
            (RecordType.ticket, conversation.ticket_id),
            (RecordType.deal, conversation.deal_id),
        ],
        details={
            "inbox": inbox.name,
            "conversation_id": str(conversation.id),
            "message_id": str(message.id),
            "kind": message.kind.value,
        },
    )
