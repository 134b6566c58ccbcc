"""Every fixed value set of the CRM, named as in the business spec."""

from __future__ import annotations

from enum import StrEnum


class Role(StrEnum):
    admin = "admin"
    manager = "manager"
    rep = "rep"
    support = "support"
    service = "service"


class Seniority(StrEnum):
    junior = "junior"
    standard = "standard"
    senior = "senior"


class LeadSource(StrEnum):
    website = "website"
    referral = "referral"
    event = "event"
    cold_call = "cold_call"
    social_media = "social_media"


class LeadStatus(StrEnum):
    new = "new"
    contacted = "contacted"
    qualified = "qualified"
    converted = "converted"
    lost = "lost"


class CompanySize(StrEnum):
    s1_10 = "1-10"
    s11_50 = "11-50"
    s51_200 = "51-200"
    s201_1000 = "201-1000"
    s1001_5000 = "1001-5000"
    s5000_plus = "5000+"


class LifecycleStage(StrEnum):
    subscriber = "subscriber"
    lead = "lead"
    opportunity = "opportunity"
    customer = "customer"
    advocate = "advocate"


class CustomerStatus(StrEnum):
    active = "active"
    inactive = "inactive"
    churned = "churned"


class AccountType(StrEnum):
    customer = "customer"
    prospect = "prospect"
    partner = "partner"
    vendor = "vendor"


class AccountTier(StrEnum):
    enterprise = "enterprise"
    mid_market = "mid-market"
    smb = "smb"
    startup = "startup"


class DealStage(StrEnum):
    prospecting = "prospecting"
    qualification = "qualification"
    proposal = "proposal"
    negotiation = "negotiation"
    closed_won = "closed_won"
    closed_lost = "closed_lost"


OPEN_STAGES = (
    DealStage.prospecting,
    DealStage.qualification,
    DealStage.proposal,
    DealStage.negotiation,
)


class DealType(StrEnum):
    new_business = "new_business"
    upsell = "upsell"
    renewal = "renewal"
    cross_sell = "cross_sell"


class Billing(StrEnum):
    """How a product is charged: once, every month or every year."""

    one_time = "one_time"
    monthly = "monthly"
    annual = "annual"


class QuoteStatus(StrEnum):
    draft = "draft"
    sent = "sent"
    accepted = "accepted"


class OrderStatus(StrEnum):
    pending = "pending"
    active = "active"
    fulfilled = "fulfilled"
    cancelled = "cancelled"


class TicketStatus(StrEnum):
    open = "open"
    pending = "pending"
    resolved = "resolved"
    closed = "closed"


class Priority(StrEnum):
    low = "low"
    medium = "medium"
    high = "high"
    urgent = "urgent"


class TicketChannel(StrEnum):
    email = "email"
    phone = "phone"
    chat = "chat"
    widget = "widget"
    web = "web"


class AuthorType(StrEnum):
    customer = "customer"
    agent = "agent"
    assistant = "assistant"


class TaskStatus(StrEnum):
    todo = "todo"
    in_progress = "in_progress"
    done = "done"


class CallDirection(StrEnum):
    inbound = "inbound"
    outbound = "outbound"


class CallOutcome(StrEnum):
    connected = "connected"
    no_answer = "no_answer"
    left_voicemail = "left_voicemail"
    busy = "busy"


class RecordType(StrEnum):
    """Every record an activity, task, note or reference can point at."""

    lead = "lead"
    contact = "contact"
    account = "account"
    deal = "deal"
    ticket = "ticket"
    task = "task"
    meeting = "meeting"
    call = "call"
    note = "note"
    email = "email"
    order = "order"
    user = "user"


class ActivityType(StrEnum):
    email = "email"
    call = "call"
    meeting = "meeting"
    note = "note"
    task = "task"
    deal = "deal"
    ticket = "ticket"
    lead = "lead"
    contact = "contact"
    account = "account"
    order = "order"


class CampaignType(StrEnum):
    email = "email"
    event = "event"
    webinar = "webinar"
    social = "social"
    nurture = "nurture"


class CampaignStatus(StrEnum):
    planned = "planned"
    active = "active"
    paused = "paused"
    completed = "completed"
    aborted = "aborted"


class MemberStatus(StrEnum):
    """Where a campaign member stands, in the order a member moves (bounced and unsubscribed end it)."""

    enrolled = "enrolled"
    sent = "sent"
    delivered = "delivered"
    opened = "opened"
    clicked = "clicked"
    responded = "responded"
    converted = "converted"
    unsubscribed = "unsubscribed"
    bounced = "bounced"


class MassEmailStatus(StrEnum):
    draft = "draft"
    scheduled = "scheduled"  # recipients fixed, a send job queued (now or at `scheduled_at`)
    sending = "sending"
    paused = "paused"
    sent = "sent"


class SendStatus(StrEnum):
    """One recipient of a mass email."""

    pending = "pending"
    sending = "sending"  # claimed before SMTP; a crash leaves it here and it becomes `unknown` (never sent twice)
    sent = "sent"
    bounced = "bounced"  # 5xx: the address is suppressed
    failed = "failed"  # 4xx after every retry
    unknown = "unknown"  # its worker died during the SMTP exchange: not sent again
    skipped = "skipped"  # suppressed after the recipients were fixed


class EmailStatus(StrEnum):
    draft = "draft"
    queued = "queued"  # approved; a job delivers it
    sending = "sending"  # claimed by a delivery job (a crash leaves it here: never sent twice)
    sent = "sent"
    failed = "failed"
    received = "received"


class Visibility(StrEnum):
    public = "public"
    internal = "internal"


class Channel(StrEnum):
    """Where a request came from (audit trail, conversations)."""

    cli = "cli"
    api = "api"
    slack = "slack"
    widget = "widget"
    system = "system"
    mcp = "mcp"
    csv_import = "import"
    console = "console"  # the web console (bots/web), signed in with a session cookie
