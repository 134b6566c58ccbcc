"""Generated leads with a known truth: each lead's chance to convert follows a hidden logistic model.

The hidden weights say what the spec says (referrals, big companies and senior titles convert;
replies are a buying signal), plus noise, so a scorer trained on the outcomes can be checked
against a ceiling: `true_probability` is the best any scorer can do on this data.
"""

from __future__ import annotations

import math
import random
import uuid
from dataclasses import dataclass
from datetime import datetime, timedelta

from store.intelligence.features import ICP_INDUSTRIES, LeadFeatures, title_level
from store.intelligence.scoring import RulePrior
from store.models.enums import LeadStatus

SOURCE_W = {"referral": 1.2, "event": 0.5, "website": 0.3, "social_media": -0.2, "cold_call": -0.8}
SIZE_W = {"1-10": -0.7, "11-50": -0.4, "51-200": 0.0, "201-1000": 0.3, "1001-5000": 0.6, "5000+": 0.9}
LEVEL_W = {"c_level": 0.6, "vp": 0.5, "director": 0.3, "manager": 0.0, "individual": -0.4, "unknown": -0.2}
ICP_W, REPLY_W, INTERCEPT, NOISE = 0.3, 0.7, -1.6, 0.5
CLOSED_SHARE = 0.6
OPEN = ["new", "contacted", "qualified"]


def _sigmoid(z: float) -> float:
    return 1 / (1 + math.exp(-z))


@dataclass
class GeneratedLead:
    """One generated lead, its engagement and its outcome."""

    id: uuid.UUID
    source: str
    company_size: str
    title: str
    industry: str
    status: str
    outbound: int
    replies: int
    created: datetime
    closed: datetime | None
    true_probability: float
    score: int


def latent(source: str, size: str, title: str, industry: str) -> float:
    """The hidden log-odds of a lead before engagement."""
    return (
        INTERCEPT
        + SOURCE_W[source]
        + SIZE_W[size]
        + LEVEL_W[title_level(title)]
        + (ICP_W if industry.lower() in ICP_INDUSTRIES else 0.0)
    )


def generate_lead(
    rng: random.Random, now: datetime, *, source: str, size: str, title: str, industry: str
) -> GeneratedLead:
    """Draw engagement and an outcome for a lead with these firmographics."""
    z = latent(source, size, title, industry) + rng.gauss(0, NOISE)
    closing = rng.random() < CLOSED_SHARE
    status = "" if closing else rng.choice(OPEN)
    outbound = 0 if status == "new" else rng.randint(1, 4)
    replies = 0 if status == "new" else sum(rng.random() < _sigmoid(z + 0.5) for _ in range(3))
    p = _sigmoid(z + REPLY_W * (replies - 1))
    created = now - timedelta(days=rng.randint(5, 150))
    closed = None
    if closing:
        status = "converted" if rng.random() < p else "lost"
        closed = min(created + timedelta(days=rng.randint(5, 40)), now)
    features = LeadFeatures(
        uuid.uuid4(), source, size, title_level(title), industry, outbound, replies, 0, None, LeadStatus(status)
    )
    return GeneratedLead(
        features.lead_id,
        source,
        size,
        title,
        industry,
        status,
        outbound,
        replies,
        created,
        closed,
        p,
        RulePrior().score(features),
    )
