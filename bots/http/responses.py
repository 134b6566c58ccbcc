"""Response types of the HTTP API, so the OpenAPI document lists every field a client gets back.

A record's type is derived from its model's columns (`store.serialize.shape`, the same place `to_dict` reads), with
the JSON forms `to_dict` writes: ids, money and times as strings. Responses are msgspec structs built from those dicts
without a second validation, so the bytes and the speed stay those of the plain dicts. mypy sees the derived types as
plain structs (they exist only at run time).
"""

from __future__ import annotations

from functools import cache
from typing import TYPE_CHECKING, TypeAlias

import msgspec

from store.access import RESTRICTED_FIELDS
from store.models import Account, Contact, Deal, Lead, Quote
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
