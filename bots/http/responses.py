"""Response types of the HTTP API, so the OpenAPI document lists every field a client gets back.

A record's type is derived from its model's columns (`store.serialize.shape`, the same place `to_dict` reads), with
the JSON forms `to_dict` writes: ids, money and times as strings. Responses are msgspec structs built from those dicts
without a second validation, so the bytes and the speed stay those of the plain dicts. mypy sees the derived types as
plain structs (they exist only at run time).
"""

from __future__ import annotations

from functools import cache
from typing import TYPE_CHECKING, Any, TypeAlias

import msgspec

from store.access import RESTRICTED_FIELDS
from store.models import (
    Account,
    AuditEntry,
    Campaign,
    CommissionPlan,
    Contact,
    ContactList,
    Deal,
    DealLineItem,
    Lead,
    MassEmail,
    Notification,
    Order,
    Quote,
    WebForm,
)
from store.serialize import shape

MAY_HIDE = frozenset().union(*RESTRICTED_FIELDS.values())  # a field some role may not see is left out for it


@cache
def record_out(model: type) -> type[msgspec.Struct]:
    """A record as `bots.http.resources.record` returns it: its columns and its display name (one type per model)."""
    return shape(model, extra=[("name", str)], may_hide=MAY_HIDE)


if TYPE_CHECKING:
    LeadOut: TypeAlias = msgspec.Struct
    ContactOut: TypeAlias = msgspec.Struct
    AccountOut: TypeAlias = msgspec.Struct
    DealOut: TypeAlias = msgspec.Struct
    QuoteOut: TypeAlias = msgspec.Struct
else:
    LeadOut, ContactOut, AccountOut, DealOut, QuoteOut = (record_out(m) for m in (Lead, Contact, Account, Deal, Quote))


class Conversion(msgspec.Struct):
    """A converted lead and what it became."""

    lead: LeadOut
    contact: ContactOut
    account: AccountOut
    deal: DealOut | None


class Quotes(msgspec.Struct):
    items: list[QuoteOut]


class PipelineRow(msgspec.Struct):
    key: str
    count: int
    amount: str
    weighted_value: str


class PipelineOut(msgspec.Struct):
    """Open deals by stage or owner (amounts as strings), with closed-won in the same window apart."""

    group_by: str
    rows: list[PipelineRow]
    won_count: int
    won_amount: str


class KbHit(msgspec.Struct):
    chunk_id: str
    article_id: str
    title: str
    source: str
    url: str | None
    heading: str | None
    content: str
    score: float
    vector_score: float
    text_score: float
    coverage: float


class KbHits(msgspec.Struct):
    items: list[KbHit]


class KbArticle(msgspec.Struct):
    id: str
    title: str
    visibility: str
    source: str
    updated_at: str


class KbArticles(msgspec.Struct):
    total: int
    items: list[KbArticle]


class TimelineSource(msgspec.Struct):
    type: str
    id: str


class TimelineEntry(msgspec.Struct):
    """One activity on a record's timeline, as the caller may see it (details redacted, subject rendered from them)."""

    id: str
    at: str
    type: str
    action: str
    subject: str
    details: dict[str, Any]
    source: TimelineSource | None


class Timeline(msgspec.Struct):
    items: list[TimelineEntry]


class ReportOut(msgspec.Struct):
    """A sales report: its rows (columns depend on the metric and grouping), the total and how it was computed."""

    metric: str
    start: str
    end: str
    group_by: str
    method: str
    rows: list[dict[str, Any]]
    total: dict[str, Any] | None


# -- lists and campaigns ---------------------------------------------------------------------------------------


class CampaignMetrics(msgspec.Struct):
    """Members by status, leads created, influenced pipeline, won revenue, cost per lead and ROI (money as strings)."""

    members: int
    by_status: dict[str, int]
    leads_created: int
    influenced_deals: int
    influenced_pipeline: str
    won_revenue: str
    budget: str | None
    actual_cost: str | None
    cost_per_lead: str | None
    roi: float | None


if TYPE_CHECKING:
    ListOut: TypeAlias = msgspec.Struct
    CampaignOut: TypeAlias = msgspec.Struct
    CampaignDetail: TypeAlias = msgspec.Struct
    MassEmailOut: TypeAlias = msgspec.Struct
    MassEmailDetail: TypeAlias = msgspec.Struct
    MassEmailSent: TypeAlias = msgspec.Struct
    WebFormOut: TypeAlias = msgspec.Struct
else:
    ListOut = shape(ContactList, extra=[("kind", str), ("members", int)])
    CampaignOut = shape(Campaign)
    CampaignDetail = shape(Campaign, extra=[("metrics", CampaignMetrics)], name="CampaignDetail")
    HOURS = {"drip_delay": float | None}  # a drip step's delay, in hours
    MassEmailOut = shape(MassEmail, override=HOURS)
    MassEmailDetail = shape(MassEmail, override=HOURS, extra=[("progress", dict[str, int])], name="MassEmailDetail")
    MassEmailSent = shape(
        MassEmail, override=HOURS, extra=[("recipients", int), ("suppressed", int)], name="MassEmailSent"
    )
    WebFormOut = shape(WebForm)


class Lists(msgspec.Struct):
    total: int
    items: list[ListOut]


class ListFields(msgspec.Struct):
    """The fields a dynamic list's filter may use, with their operators and values."""

    items: list[dict[str, Any]]


class ListPreview(msgspec.Struct):
    count: int
    sample: list[ContactOut]


class ListMembers(msgspec.Struct):
    total: int
    items: list[ContactOut]


class Added(msgspec.Struct):
    added: int


class Removed(msgspec.Struct):
    removed: int


class Campaigns(msgspec.Struct):
    total: int
    items: list[CampaignOut]


class CampaignMember(msgspec.Struct):
    kind: str
    id: str
    name: str
    email: str | None
    status: str
    added_at: str


class CampaignMembers(msgspec.Struct):
    total: int
    items: list[CampaignMember]


class MassEmails(msgspec.Struct):
    items: list[MassEmailOut]


class Audience(msgspec.Struct):
    recipients: int
    suppressed: int


class MassEmailPreview(msgspec.Struct):
    to: str
    subject: str
    html: str
    text: str
    audience: Audience


class TestSent(msgspec.Struct):
    sent_to: str
    subject: str


# -- commissions and notifications -----------------------------------------------------------------------------

if TYPE_CHECKING:
    CommissionPlanOut: TypeAlias = msgspec.Struct
    NotificationOut: TypeAlias = msgspec.Struct
else:
    CommissionPlanOut = shape(CommissionPlan)
    NotificationOut = shape(Notification)


class CommissionPlans(msgspec.Struct):
    items: list[CommissionPlanOut]


class Notifications(msgspec.Struct):
    """The caller's notifications, newest first, and how many are unread."""

    unread: int
    items: list[NotificationOut]


class Marked(msgspec.Struct):
    marked: int


# -- orders and quotes -----------------------------------------------------------------------------------------


class OrderLineOut(msgspec.Struct, kw_only=True):
    """An order line; the prices are left out for a role that may not see them."""

    product_id: str
    quantity: int
    unit_price: str | msgspec.UnsetType = msgspec.UNSET
    amount: str | msgspec.UnsetType = msgspec.UNSET


class OrderRollup(msgspec.Struct, kw_only=True):
    """An account's orders: how many, the amount by currency (cancelled ones left out) and how many by status."""

    account_id: str
    count: int
    amount: dict[str, str] | msgspec.UnsetType = msgspec.UNSET
    by_status: dict[str, int]


if TYPE_CHECKING:
    OrderOut: TypeAlias = msgspec.Struct
    OrderDetail: TypeAlias = msgspec.Struct
else:
    OrderOut = record_out(Order)  # its name is the order number
    OrderDetail = shape(
        Order, extra=[("name", str), ("lines", list[OrderLineOut])], may_hide=MAY_HIDE, name="OrderDetail"
    )


class Orders(msgspec.Struct):
    total: int
    limit: int
    offset: int
    items: list[OrderOut]


class AccountOrders(msgspec.Struct):
    rollup: OrderRollup
    items: list[OrderOut]


class QuoteSent(msgspec.Struct):
    """The email carrying the quote, queued for delivery."""

    email_id: str
    status: str
    to: list[str]


# -- the help-center widget --------------------------------------------------------------------------------------


class WidgetSession(msgspec.Struct):
    session: str


class Ok(msgspec.Struct):
    ok: bool


class WidgetHistory(msgspec.Struct):
    """This session's visible conversation, and the number of the ticket it was handed off to (if it was)."""

    messages: list[dict[str, Any]]
    ticket_number: int | None


class Handoff(msgspec.Struct):
    ticket_number: int
    message: str


# -- the audit trail ---------------------------------------------------------------------------------------------

if TYPE_CHECKING:
    AuditEntryOut: TypeAlias = msgspec.Struct
else:
    AuditEntryOut = shape(AuditEntry)


class AuditEntries(msgspec.Struct):
    items: list[AuditEntryOut]


# -- a deal's line items -----------------------------------------------------------------------------------------

if TYPE_CHECKING:
    DealLineOut: TypeAlias = msgspec.Struct
    DealWithLines: TypeAlias = msgspec.Struct
else:
    DealLineOut = shape(
        DealLineItem, exclude=frozenset({"total"}), extra=[("amount", str)], may_hide=MAY_HIDE, name="DealLineOut"
    )
    DealWithLines = shape(
        Deal, extra=[("name", str), ("line_items", list[DealLineOut])], may_hide=MAY_HIDE, name="DealWithLines"
    )


# -- CSV imports -------------------------------------------------------------------------------------------------


class ImportStatus(msgspec.Struct):
    """An import: queued, running, done or failed; rows done so far; its report (counts, refused rows) once done."""

    id: str
    resource: str
    filename: str
    status: str
    rows_done: int
    options: dict[str, Any]
    report: dict[str, Any] | None


# -- the shared inbox --------------------------------------------------------------------------------------------


class Inbound(msgspec.Struct):
    """What became of a message posted to an inbox's webhook: new_thread, threaded or duplicate, and what was wrong."""

    outcome: str
    message_id: str
    conversation_id: str
    kind: str
    problems: list[str]


class InboxOut(msgspec.Struct):
    """An inbox the caller works, with the size of each view (unassigned, mine, all, per status, per SLA state)."""

    name: str
    address: str
    team: str | None
    kind: str
    counts: dict[str, int]


class Inboxes(msgspec.Struct):
    items: list[InboxOut]


class ConversationBrief(msgspec.Struct):
    """A conversation as list views show it; `sla` is breached, due_soon, on_track or none."""

    id: str
    inbox: str | None
    subject: str
    status: str
    snoozed_until: str | None
    priority: str
    assignee_id: str | None
    customer_email: str | None
    automated: bool
    last_message_at: str
    first_response_due: str | None
    resolution_due: str | None
    first_response_at: str | None
    sla: str
    summary: str | None
    intent: str | None
    sentiment: str | None


class ConversationPage(msgspec.Struct):
    """One page of conversations, how many match in all, every view's size, and the next page's cursor (null: last)."""

    total: int
    limit: int
    after: str | None
    counts: dict[str, int]
    items: list[ConversationBrief]


class Presence(msgspec.Struct):
    """Another agent viewing or drafting in the thread, since when."""

    user_id: str
    name: str
    state: str
    since: str


class Others(msgspec.Struct):
    others: list[Presence]


class AttachmentOut(msgspec.Struct):
    """An attachment of a message; `dropped` says why its content was not kept (then it cannot be downloaded)."""

    id: str
    filename: str
    content_type: str
    size: int
    dropped: str | None


class ThreadMessage(msgspec.Struct):
    """A message of a thread: sanitized HTML only, never the raw MIME."""

    id: str
    seq: int
    direction: str
    kind: str
    sender: str | None = msgspec.field(name="from")
    from_address: str | None
    author_id: str | None
    at: str
    reply_text: str
    to: list[str]
    cc: list[str]
    subject: str
    text: str
    html: str | None
    problems: list[str]
    state: str
    message_id: str
    attachments: list[AttachmentOut]


class ThreadNote(msgspec.Struct):
    id: str
    author_id: str | None
    body: str
    at: str
    mentions: list[str]


class RecordRef(msgspec.Struct):
    type: str
    id: str
    name: str


class ConversationThread(ConversationBrief):
    """One thread: the conversation, its inbox's address, linked records the caller may read, who else is on it, its
    messages and internal notes."""

    inbox_address: str
    links: list[RecordRef]
    others: list[Presence]
    messages: list[ThreadMessage]
    notes: list[ThreadNote]


class ReplySent(msgspec.Struct):
    """The reply, queued for SMTP."""

    id: str
    message_id: str
    state: str
    subject: str


class Mentioned(msgspec.Struct):
    id: str
    name: str


class NoteAdded(msgspec.Struct):
    id: str
    body: str
    mentioned: list[Mentioned]


class Citation(msgspec.Struct):
    n: int
    type: str
    article_id: str
    title: str
    url: str | None
    snippet: str
    score: float


class SimilarTicket(msgspec.Struct):
    type: str
    ticket_id: str
    number: int
    subject: str
    summary: str | None
    matched: str
    score: float


class ReplySuggestion(msgspec.Struct):
    """A draft reply with [n] markers, what each marker cites, similar resolved tickets; `grounded` false: no article
    answered, the draft only acknowledges."""

    summary: str | None
    intent: str | None
    sentiment: str | None
    reply: str
    citations: list[Citation]
    similar_tickets: list[SimilarTicket]
    grounded: bool


# -- account insights, the handoff list, commission statements ---------------------------------------------------


class HealthFactor(msgspec.Struct):
    factor: str
    value: str
    points: float


class AccountHealth(msgspec.Struct):
    """Health score 0-100, churn risk (low, medium, high), lifetime value (money as a string) and the factors behind it."""

    health_score: int
    churn_risk: str
    lifetime_value: str
    factors: list[HealthFactor]


class ConsolidatedAccount(msgspec.Struct):
    """One account of the tree, `depth` levels below the one asked for."""

    id: str
    account_name: str
    depth: int
    annual_revenue: str | None
    lifetime_value: str
    health_score: int | None
    churn_risk: str | None


class Consolidated(msgspec.Struct, kw_only=True):
    """An account and all its subsidiaries the caller may read, summed (money as strings; deal totals are left out for
    a role that may not see them); `hidden_accounts` counts the ones left out."""

    account_id: str
    account_name: str
    annual_revenue: str
    lifetime_value: str
    total_deal_value: str | msgspec.UnsetType = msgspec.UNSET
    total_closed_won: str | msgspec.UnsetType = msgspec.UNSET
    open_deals: int
    accounts: list[ConsolidatedAccount]
    hidden_accounts: int
    method: str


class TeamMember(msgspec.Struct):
    """A member of an account's team: its owner (role account_owner) first, then the others by name."""

    user_id: str
    name: str
    role: str


class AccountTeam(msgspec.Struct):
    items: list[TeamMember]


class CsHandoff(msgspec.Struct):
    """A won deal handed to customer success: pending or taken."""

    id: str
    deal_id: str
    deal: str
    account_id: str | None
    account: str | None
    status: str
    notes: str
    created_at: str


class CsHandoffs(msgspec.Struct):
    items: list[CsHandoff]


class StatementLine(msgspec.Struct):
    """A commission line: what it was earned on, at which rate, how much, and why (a reversal is negative)."""

    deal_id: str
    deal: str
    base: str
    rate: str
    amount: str
    explanation: str
    reversal: bool
    created_at: str


class CommissionStatement(msgspec.Struct):
    """A rep's commission lines in the period and their total (money as strings)."""

    user_id: str
    rep: str
    start: str
    end: str
    lines: list[StatementLine]
    total: str


# -- chat approvals ----------------------------------------------------------------------------------------------


class PendingWrite(msgspec.Struct):
    """A write waiting for the user's approval (POST /chat/{conversation_id}/approvals/{id})."""

    id: str
    tool: str
    arguments: dict[str, Any]
    summary: str


class ToolCallOut(msgspec.Struct):
    name: str
    arguments: dict[str, Any]
    ok: bool


class TurnOut(msgspec.Struct):
    """A finished turn: the answer, its outcome, the cited passages, writes awaiting approval, the records it touched,
    the tools it called, and a notice (the model fell back to offline, say)."""

    conversation_id: str
    answer: str
    outcome: str
    citations: list[dict[str, Any]]
    pending: list[PendingWrite]
    references: list[dict[str, str]]
    tool_calls: list[ToolCallOut]
    notice: str | None
