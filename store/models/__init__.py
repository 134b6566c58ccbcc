"""SQLAlchemy models of the CRM, one module per area; the main ones re-exported here.

Every module of the package is imported, so a model in a new module is mapped (for Alembic's autogenerate and
`RECORD_TYPES`) without an entry here: import it from its module."""

import importlib
import pkgutil

import sqlalchemy as sa

from store.models.accounts import Account, AccountTeamMember
from store.models.activities import Activity, ActivityLink
from store.models.alerts import PostedAlert
from store.models.audit import AuditEntry
from store.models.base import Base, Entity
from store.models.console import ConsoleSession, SignInFailure
from store.models.contacts import Contact
from store.models.conversations import Conversation, ConversationMessage, PendingAction
from store.models.deals import STAGE_PROBABILITY, Deal, DealLineItem, DealStageChange, DealTeamMember, Product
from store.models.emails import EmailMessage
from store.models.idempotency import IdempotencyKey
from store.models.imports import ImportJob
from store.models.inbox import Inbox, InboxAttachment, InboxConversation, InboxMessage, InboxNote, InboxPresence
from store.models.knowledge import KbArticle, KbChunk, kb_lexemes
from store.models.leads import Lead
from store.models.marketing import Campaign, CampaignMember, ContactList, ContactListMember
from store.models.mass_email import MassEmail, MassEmailSend, Suppression, WebForm
from store.models.orders import Order, OrderLine
from store.models.pipeline import pipeline_summary
from store.models.quotes import Quote
from store.models.rate_limits import RateWindow
from store.models.sales import CommissionLine, CommissionPlan, CustomerSuccessHandoff, Notification, Quota
from store.models.scoring import ScoringModel
from store.models.slack import SlackEvent
from store.models.tickets import Ticket, TicketMessage
from store.models.users import User
from store.models.work import Call, Meeting, MeetingAttendee, Note, Task

for _module in pkgutil.iter_modules(__path__):
    importlib.import_module(f"{__name__}.{_module.name}")


def _record_types() -> dict[str, type[Entity]]:
    found: dict[str, type[Entity]] = {}
    for mapper in Base.registry.mappers:
        model = mapper.class_
        if issubclass(model, Entity):
            if model.record_type in found:
                raise TypeError(
                    f"{model.__name__} and {found[model.record_type].__name__} both say record_type {model.record_type!r}"
                )
            found[model.record_type] = model
    return found


RECORD_TYPES = _record_types()  # record_type -> model: what a reference's type names
# The fields that hold an amount of money (NUMERIC(14,2) columns, `base.money`): read and shown as money.
MONEY_FIELDS = frozenset(
    column.key
    for table in Base.metadata.tables.values()
    for column in table.columns
    if isinstance(column.type, sa.Numeric) and (column.type.precision, column.type.scale) == (14, 2)
)

__all__ = [
    "MONEY_FIELDS",
    "RECORD_TYPES",
    "Account",
    "AccountTeamMember",
    "Activity",
    "ActivityLink",
    "AuditEntry",
    "Base",
    "Call",
    "Campaign",
    "CampaignMember",
    "CommissionLine",
    "CommissionPlan",
    "ConsoleSession",
    "Contact",
    "ContactList",
    "ContactListMember",
    "Conversation",
    "ConversationMessage",
    "CustomerSuccessHandoff",
    "Deal",
    "DealLineItem",
    "DealStageChange",
    "DealTeamMember",
    "EmailMessage",
    "IdempotencyKey",
    "ImportJob",
    "Inbox",
    "InboxAttachment",
    "InboxConversation",
    "InboxMessage",
    "InboxNote",
    "InboxPresence",
    "KbArticle",
    "KbChunk",
    "Lead",
    "MassEmail",
    "MassEmailSend",
    "Meeting",
    "MeetingAttendee",
    "Note",
    "Notification",
    "Order",
    "OrderLine",
    "PendingAction",
    "PostedAlert",
    "Product",
    "Quota",
    "Quote",
    "RateWindow",
    "ScoringModel",
    "SignInFailure",
    "SlackEvent",
    "STAGE_PROBABILITY",
    "Suppression",
    "Task",
    "Ticket",
    "TicketMessage",
    "User",
    "WebForm",
    "kb_lexemes",
    "pipeline_summary",
]
