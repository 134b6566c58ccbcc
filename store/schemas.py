"""Validated inputs of the services (shared by the API, the tools and the CLI)."""

from __future__ import annotations

import re
import uuid
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal
from typing import Annotated, Any, TypeVar

from pydantic import (
    AfterValidator,
    AwareDatetime,
    BaseModel,
    ConfigDict,
    Field,
    SerializerFunctionWrapHandler,
    ValidationError,
    model_serializer,
    model_validator,
)

from store.errors import from_pydantic
from store.models.enums import (
    AccountTier,
    AccountType,
    Billing,
    CallDirection,
    CallOutcome,
    CampaignStatus,
    CampaignType,
    CompanySize,
    CustomerStatus,
    DealStage,
    DealType,
    LeadSource,
    LifecycleStage,
    Priority,
    RecordType,
    TaskStatus,
    TicketChannel,
    TicketStatus,
)

_EMAIL = re.compile(r"^[^@\s]+@[^@\s]+\.[A-Za-z]{2,}$")


def _email(value: str) -> str:
    if not _EMAIL.match(value):
        raise ValueError(f"'{value}' is not an email address")
    return value.lower()


EmailStr = Annotated[str, Field(max_length=320), AfterValidator(_email)]
Name = Annotated[str, Field(min_length=1, max_length=100)]
LongName = Annotated[str, Field(min_length=1, max_length=200)]
Text = Annotated[str, Field(min_length=1, max_length=20_000)]
Amount = Annotated[Decimal, Field(ge=0, max_digits=14, decimal_places=2)]  # NUMERIC(14,2), the money columns
MAX_AMOUNT = Decimal("999999999999.99")
Percent = Annotated[int, Field(ge=0, le=100)]

EARLIEST, LATEST = date(1900, 1, 1), date(2200, 1, 1)  # every date and instant Nexa accepts lies in [EARLIEST, LATEST)
_WINDOW = f"must lie between {EARLIEST} and {LATEST} (UTC)"


def _instant(value: datetime) -> datetime:
    """An aware datetime inside the window, normalised to UTC (the local part is checked first, with a day to spare
    for the offset: converting a year-1 or year-9999 value to UTC could itself overflow)."""
    local = value.replace(tzinfo=None).date()
    if not EARLIEST - timedelta(days=1) <= local <= LATEST:
        raise ValueError(_WINDOW)
    utc = value.astimezone(UTC)
    if not EARLIEST <= utc.date() < LATEST:
        raise ValueError(_WINDOW)
    return utc


def _day(value: date) -> date:
    if not EARLIEST <= value < LATEST:
        raise ValueError(_WINDOW)
    return value


# The one datetime type of every edge (API bodies and filters, tool arguments, the offline model's date slots through
# the tools): a time zone is required, the value is normalised to UTC and must lie in the window; `Day` is its date.
Instant = Annotated[AwareDatetime, AfterValidator(_instant)]
Day = Annotated[date, AfterValidator(_day)]


class Input(BaseModel):
    """Base of every input: unknown fields are an error, strings are stripped."""

    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)


class Update(Input):
    """Base of the update models: every field optional, and a dump holds only the fields the caller set (a change to
    None included), so a PATCH body or a tool's `changes` leaves the other fields alone."""

    @model_serializer(mode="wrap")
    def _set_only(self, handler: SerializerFunctionWrapHandler) -> dict[str, Any]:
        return {k: v for k, v in handler(self).items() if k in self.model_fields_set}


# Each updatable record declares its fields once, all optional, in `<Record>Fields`: `<Record>Update` is those fields
# (and nothing else, so the tools' `changes` schema, the PATCH body and the service agree), and `<Record>Create`
# inherits them, making required the ones a new record needs and adding the ones only a new record takes.


class ImportedFields(Input):
    """Fields every importable record has: the source system's id and the columns that have no field here."""

    external_id: str | None = Field(None, min_length=1, max_length=100)
    custom_fields: dict[str, Any] | None = None


class Imported(ImportedFields):
    """A new importable record: `custom_fields` starts empty."""

    custom_fields: dict[str, Any] = Field(default_factory=dict)


M = TypeVar("M", bound=Input)


def parse(model: type[M], data: M | dict[str, Any]) -> M:
    """Validate `data` as `model`, raising a domain error that names the field."""
    if isinstance(data, model):
        return data
    try:
        return model.model_validate(data)
    except ValidationError as err:
        raise from_pydantic(err) from None


class LeadFields(ImportedFields):
    first_name: Name | None = None
    last_name: Name | None = None
    email: EmailStr | None = None
    phone: str | None = Field(None, max_length=50)
    company: str | None = Field(None, max_length=200)
    title: str | None = Field(None, max_length=200)
    industry: str | None = Field(None, max_length=100)
    company_size: CompanySize | None = None
    source: LeadSource | None = None
    score: Percent | None = None
    assigned_to_id: uuid.UUID | None = None


class LeadUpdate(LeadFields, Update):
    bant_budget: str | None = Field(None, max_length=500)
    bant_authority: str | None = Field(None, max_length=500)
    bant_need: str | None = Field(None, max_length=500)
    bant_timeline: str | None = Field(None, max_length=500)


class LeadCreate(Imported, LeadFields):
    first_name: Name
    last_name: Name
    email: EmailStr
    source: LeadSource


class Bant(Input):
    """Budget, Authority, Need, Timeline: what qualification records."""

    budget: str | None = Field(None, max_length=500)
    authority: str | None = Field(None, max_length=500)
    need: str | None = Field(None, max_length=500)
    timeline: str | None = Field(None, max_length=500)


class LeadConversion(Input):
    create_deal: bool = True
    deal_name: str | None = Field(None, max_length=300)
    amount: Amount | None = None
    close_date: Day | None = None
    account_id: uuid.UUID | None = None
    override_reason: str | None = Field(None, max_length=1000)


class ContactFields(ImportedFields):
    first_name: Name | None = None
    last_name: Name | None = None
    email: EmailStr | None = None
    phone: str | None = Field(None, max_length=50)
    mobile: str | None = Field(None, max_length=50)
    title: str | None = Field(None, max_length=200)
    department: str | None = Field(None, max_length=100)
    linkedin_url: str | None = Field(None, max_length=300)
    account_id: uuid.UUID | None = None
    reporting_to_id: uuid.UUID | None = None
    owner_id: uuid.UUID | None = None
    lifecycle_stage: LifecycleStage | None = None
    customer_status: CustomerStatus | None = None


class ContactUpdate(ContactFields, Update):
    pass


class ContactCreate(Imported, ContactFields):
    first_name: Name
    last_name: Name
    email: EmailStr
    lifecycle_stage: LifecycleStage = LifecycleStage.lead
    customer_status: CustomerStatus = CustomerStatus.active


class AccountFields(ImportedFields):
    account_name: LongName | None = None
    industry: str | None = Field(None, max_length=100)
    type: AccountType | None = None
    website: str | None = Field(None, max_length=300)
    phone: str | None = Field(None, max_length=50)
    employees: int | None = Field(None, ge=0, le=10_000_000)
    annual_revenue: Amount | None = None
    tier: AccountTier | None = None
    parent_account_id: uuid.UUID | None = None
    billing_address: dict[str, Any] | None = None
    shipping_address: dict[str, Any] | None = None
    health_score: Percent | None = None
    primary_contact_id: uuid.UUID | None = None
    account_owner_id: uuid.UUID | None = None


class AccountUpdate(AccountFields, Update):
    pass


class AccountCreate(Imported, AccountFields):
    account_name: LongName
    type: AccountType = AccountType.prospect


class LineItemInput(Input):
    product_id: uuid.UUID
    quantity: int = Field(1, gt=0, le=1_000_000)
    unit_price: Amount | None = None
    discount_pct: Annotated[Decimal, Field(ge=0, le=100)] = Decimal(0)

    @property
    def total(self) -> Decimal:
        """The line's total at its given price (0 when the product's list price applies)."""
        return (self.quantity * (self.unit_price or 0) * (1 - self.discount_pct / 100)).quantize(Decimal("0.01"))

    @model_validator(mode="after")
    def _fits(self) -> LineItemInput:
        if self.total > MAX_AMOUNT:
            raise ValueError(
                f"quantity: quantity x unit_price is {self.total:,}, more than a deal holds ({MAX_AMOUNT:,})"
            )
        return self


Currency = Annotated[str, Field(pattern=r"^[A-Z]{3}$")]
Sku = Annotated[str, Field(min_length=1, max_length=50)]


class ProductFields(ImportedFields):
    name: LongName | None = None
    sku: Sku | None = None
    unit_price: Amount | None = None
    currency: Currency | None = None
    billing: Billing | None = None
    active: bool | None = None


class ProductUpdate(ProductFields, Update):
    pass


class ProductCreate(Imported, ProductFields):
    name: LongName
    sku: Sku
    unit_price: Amount
    currency: Currency = "USD"
    billing: Billing = Billing.monthly
    active: bool = True


class LineItems(Input):
    """A deal's whole set of lines (replacing the ones it had)."""

    line_items: list[LineItemInput] = Field(max_length=100)

    @model_validator(mode="after")
    def _fits(self) -> LineItems:
        return _within_a_deal(self)


class QuoteTier(Input):
    name: Annotated[str, Field(min_length=1, max_length=100)]
    line_items: list[LineItemInput] = Field(min_length=1, max_length=50)

    @model_validator(mode="after")
    def _fits(self) -> QuoteTier:
        return _within_a_deal(self)


def _within_a_deal(lines: M) -> M:
    """Lines whose total a deal's amount can hold."""
    if sum(line.total for line in lines.line_items) > MAX_AMOUNT:  # type: ignore[attr-defined]
        raise ValueError(f"line_items: the lines add up to more than a deal holds ({MAX_AMOUNT:,})")
    return lines


class QuoteCreate(Input):
    """Up to three pricing tiers (e.g. Good, Better, Best); without tiers, one tier of the deal's own lines."""

    tiers: list[QuoteTier] = Field(default_factory=list, max_length=3)
    valid_until: Day | None = None

    @model_validator(mode="after")
    def _distinct(self) -> QuoteCreate:
        names = [t.name.lower() for t in self.tiers]
        if len(names) != len(set(names)):
            raise ValueError("tiers: each tier needs its own name")
        return self


DealName = Annotated[str, Field(min_length=1, max_length=300)]


class DealFields(ImportedFields):
    """A deal's own fields; its stage moves through `DealService.move_stage` and its lines through `set_line_items`."""

    deal_name: DealName | None = None
    amount: Amount | None = None
    currency: Currency | None = None
    probability: Percent | None = None
    close_date: Day | None = None
    type: DealType | None = None
    lead_source: str | None = Field(None, max_length=50)
    account_id: uuid.UUID | None = None
    primary_contact_id: uuid.UUID | None = None
    owner_id: uuid.UUID | None = None
    competitors: list[str] | None = None
    total_mrr: Amount | None = None
    contract_term: int | None = Field(None, gt=0, le=600, description="months")


class DealUpdate(DealFields, Update):
    pass


class DealCreate(Imported, DealFields):
    deal_name: DealName
    amount: Amount = Decimal(0)
    currency: Currency = "USD"
    stage: DealStage = DealStage.qualification
    type: DealType = DealType.new_business
    competitors: list[str] = Field(default_factory=list)
    line_items: list[LineItemInput] = Field(default_factory=list)

    @model_validator(mode="after")
    def _open_stage(self) -> DealCreate:
        if self.stage in (DealStage.closed_won, DealStage.closed_lost):
            raise ValueError("stage: a deal is created in an open stage; close it with a stage move")
        if sum(line.total for line in self.line_items) > MAX_AMOUNT:
            raise ValueError(f"line_items: the lines add up to more than a deal holds ({MAX_AMOUNT:,})")
        return self


Subject = Annotated[str, Field(min_length=1, max_length=300)]


class TicketFields(ImportedFields):
    subject: Subject | None = None
    description: str | None = Field(None, max_length=20_000)
    priority: Priority | None = None
    product: str | None = Field(None, max_length=100)
    assignee_id: uuid.UUID | None = None


class TicketUpdate(TicketFields, Update):
    status: TicketStatus | None = None


class TicketCreate(Imported, TicketFields):
    subject: Subject
    priority: Priority = Priority.medium
    channel: TicketChannel = TicketChannel.email
    requester_contact_id: uuid.UUID | None = None
    requester_email: EmailStr | None = None
    account_id: uuid.UUID | None = None


class TaskFields(Input):
    title: Subject | None = None
    description: str | None = Field(None, max_length=20_000)
    priority: Priority | None = None
    due_date: Day | None = None
    assignee_id: uuid.UUID | None = None


class TaskUpdate(TaskFields, Update):
    status: TaskStatus | None = None


class TaskCreate(TaskFields):
    title: Subject
    priority: Priority = Priority.medium
    related_type: RecordType | None = None
    related_id: uuid.UUID | None = None


class MeetingCreate(Input):
    title: Annotated[str, Field(min_length=1, max_length=300)]
    start_at: Instant
    end_at: Instant | None = None
    location: str | None = Field(None, max_length=300)
    description: str | None = Field(None, max_length=20_000)
    contact_ids: list[uuid.UUID] = Field(default_factory=list)
    user_ids: list[uuid.UUID] = Field(default_factory=list)
    related_type: RecordType | None = None
    related_id: uuid.UUID | None = None

    @model_validator(mode="after")
    def _ends_after_start(self) -> MeetingCreate:
        if self.end_at is not None and self.end_at <= self.start_at:
            raise ValueError("end_at: must be after start_at")
        return self


class CallCreate(Input):
    direction: CallDirection = CallDirection.outbound
    duration: int = Field(0, ge=0, le=86_400, description="seconds")
    outcome: CallOutcome = CallOutcome.connected
    notes: str | None = Field(None, max_length=20_000)
    call_at: Instant | None = None
    contact_id: uuid.UUID | None = None
    lead_id: uuid.UUID | None = None
    deal_id: uuid.UUID | None = None

    @model_validator(mode="after")
    def _about_someone(self) -> CallCreate:
        if not (self.contact_id or self.lead_id or self.deal_id):
            raise ValueError("contact_id: a call is logged against a contact, a lead or a deal")
        return self


class NoteCreate(Input):
    body: Text
    related_type: RecordType
    related_id: uuid.UUID


class ListFields(Input):
    """A contact list: static without `criteria` (members added by id), dynamic with it (a `store.services.segments` filter)."""

    name: LongName | None = None
    description: str | None = Field(None, max_length=2000)
    criteria: dict[str, Any] | None = None
    owner_id: uuid.UUID | None = None


class ListUpdate(ListFields, Update):
    pass


class ListCreate(ListFields):
    name: LongName


class ListMembersChange(Input):
    contact_ids: list[uuid.UUID] = Field(min_length=1, max_length=1000)


class CampaignFields(Input):
    name: LongName | None = None
    type: CampaignType | None = None
    status: CampaignStatus | None = None
    description: str | None = Field(None, max_length=5000)
    start_date: date | None = None
    end_date: date | None = None
    budget: Amount | None = None
    actual_cost: Amount | None = None
    owner_id: uuid.UUID | None = None


class CampaignUpdate(CampaignFields, Update):
    pass


class CampaignCreate(CampaignFields):
    name: LongName
    type: CampaignType
    status: CampaignStatus = CampaignStatus.planned

    @model_validator(mode="after")
    def _ends_after_start(self) -> CampaignCreate:
        if self.start_date and self.end_date and self.end_date < self.start_date:
            raise ValueError("end_date: must not be before start_date")
        return self


class CampaignMembersChange(Input):
    contact_ids: list[uuid.UUID] = Field(default_factory=list, max_length=1000)
    lead_ids: list[uuid.UUID] = Field(default_factory=list, max_length=1000)

    @model_validator(mode="after")
    def _someone(self) -> CampaignMembersChange:
        if not (self.contact_ids or self.lead_ids):
            raise ValueError("contact_ids: name at least one contact or lead")
        return self


MailSubject = Annotated[str, Field(min_length=1, max_length=500)]
MailBody = Annotated[str, Field(min_length=1, max_length=200_000)]


class MassEmailFields(Input):
    """A campaign email: Jinja templates (HTML body) with merge fields, to a list or (without one) the campaign's members."""

    subject: MailSubject | None = None
    body: MailBody | None = None
    list_id: uuid.UUID | None = None
    from_address: EmailStr | None = None


class MassEmailUpdate(MassEmailFields, Update):
    pass


class MassEmailCreate(MassEmailFields):
    subject: MailSubject
    body: MailBody


class DripStepCreate(Input):
    """A step of a nurture drip: a campaign email sent `delay_hours` after enrolment (step 1) or after the previous step."""

    subject: str = Field(min_length=1, max_length=500)
    body: str = Field(min_length=1, max_length=200_000)
    delay_hours: int = Field(ge=0, le=24 * 366)
    from_address: EmailStr | None = None
