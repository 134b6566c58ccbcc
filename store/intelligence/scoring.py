"""Lead scoring 0-100: a transparent rule prior, then a logistic model trained on converted vs lost leads.

Both scorers explain themselves: `explain` returns each factor's contribution, and the
contributions add up to the score (points for the prior, log-odds turned into points for the model).
"""

from __future__ import annotations

import math
import uuid
from dataclasses import asdict, dataclass
from datetime import datetime
from typing import Any, Protocol

import numpy as np
from sqlalchemy import select, update
from sqlalchemy.ext.asyncio import AsyncSession

from store.access import Actor
from store.clock import utcnow
from store.errors import InvalidInput, NotFound
from store.intelligence.features import LeadFeatures, lead_features
from store.models import Lead, ScoringModel
from store.models.enums import ActivityType, LeadStatus, RecordType

HIGH, MEDIUM = 75, 50
MIN_OUTCOMES = 100  # below this many converted/lost leads (or 20 of either), the rule prior scores
MIN_PER_CLASS = 20

BASE_POINTS = 14
SOURCE_POINTS = {"referral": 30, "event": 18, "website": 15, "social_media": 8, "cold_call": 3}
SIZE_POINTS = {"5000+": 25, "1001-5000": 20, "201-1000": 15, "51-200": 9, "11-50": 4, "1-10": 0}
LEVEL_POINTS = {"c_level": 15, "vp": 12, "director": 9, "manager": 5, "individual": 1, "unknown": 3}
ICP_POINTS = 4
REPLY_POINTS, REPLY_CAP = 5, 15
MEETING_POINTS, MEETING_CAP = 4, 8
STALE_DAYS = ((60, -20), (30, -10))

FAMILIES = {
    "source": "source",
    "size": "company size",
    "level": "title seniority",
    "industry": "industry",
    "log_replies": "replies",
    "log_meetings": "meetings",
    "log_outbound": "outreach",
    "responsiveness": "responsiveness",
    "recency": "recency",
}


def band(score: int) -> str:
    """High (>= 75), Medium (50-74) or Low (< 50)."""
    return "High" if score >= HIGH else "Medium" if score >= MEDIUM else "Low"


@dataclass(frozen=True)
class Factor:
    """One reason behind a score: what it is, the lead's value, and the points it adds."""

    factor: str
    value: str
    points: float


class Scorer(Protocol):
    name: str

    def score(self, features: LeadFeatures) -> int: ...

    def explain(self, features: LeadFeatures) -> list[Factor]: ...


def _value(features: LeadFeatures, family: str) -> str:
    return {
        "source": features.source,
        "company size": features.company_size or "unknown",
        "title seniority": features.level,
        "industry": features.industry or "unknown",
        "replies": str(features.replies),
        "meetings": str(features.meetings),
        "outreach": str(features.outbound),
        "responsiveness": f"{features.responsiveness:.2f}",
        "recency": "never contacted"
        if features.days_since_touch is None
        else f"{features.days_since_touch:.0f} days since last touch",
    }[family]


class RulePrior:
    """Points per factor, as the spec describes them (referral + enterprise scores high)."""

    name = "rule_prior"

    def explain(self, features: LeadFeatures) -> list[Factor]:
        factors = [
            Factor("base", "", BASE_POINTS),
            Factor("source", features.source, SOURCE_POINTS.get(features.source, 0)),
            Factor("company size", features.company_size or "unknown", SIZE_POINTS.get(features.company_size or "", 5)),
            Factor("title seniority", features.level, LEVEL_POINTS[features.level]),
            Factor("industry", features.industry or "unknown", ICP_POINTS if features.icp_industry else 0),
            Factor("replies", str(features.replies), min(features.replies * REPLY_POINTS, REPLY_CAP)),
            Factor("meetings", str(features.meetings), min(features.meetings * MEETING_POINTS, MEETING_CAP)),
        ]
        days = features.days_since_touch
        stale = next((points for limit, points in STALE_DAYS if days is not None and days > limit), 0)
        factors.append(Factor("recency", _value(features, "recency"), stale))
        return factors

    def score(self, features: LeadFeatures) -> int:
        return _clip(sum(f.points for f in self.explain(features)))


class TrainedScorer:
    """A logistic model: score = 100 * P(convert); factors are log-odds shares turned into points."""

    name = "logistic_regression"

    def __init__(self, model: ScoringModel) -> None:
        self.model = model
        self.coef = np.asarray(model.coefficients)
        self.means = np.asarray(model.means)

    def _contributions(self, features: LeadFeatures) -> tuple[float, dict[str, float]]:
        values = features.vector()
        x = np.asarray([values.get(name, 0.0) for name in self.model.features])
        parts = self.coef * (x - self.means)
        baseline = float(self.model.intercept + self.coef @ self.means)
        families: dict[str, float] = {}
        for name, part in zip(self.model.features, parts, strict=True):
            family = FAMILIES[name.split("=")[0]]
            families[family] = families.get(family, 0.0) + float(part)
        return baseline, families

    def score(self, features: LeadFeatures) -> int:
        baseline, families = self._contributions(features)
        return _clip(100 * _sigmoid(baseline + sum(families.values())))

    def explain(self, features: LeadFeatures) -> list[Factor]:
        baseline, families = self._contributions(features)
        z = baseline + sum(families.values())
        factors = [Factor("base", "average lead", round(100 * _sigmoid(baseline), 1))]
        total = sum(families.values())
        gain = 100 * (_sigmoid(z) - _sigmoid(baseline))
        for family, part in families.items():  # split the probability gain in proportion to log-odds shares
            share = part / total if total else 0.0
            factors.append(Factor(family, _value(features, family), round(gain * share, 1)))
        return factors


def _sigmoid(z: float) -> float:
    return 1 / (1 + math.exp(-z))


def _clip(points: float) -> int:
    return int(max(0, min(100, round(points))))


async def current_scorer(session: AsyncSession) -> Scorer:
    """The newest active trained model, or the rule prior when none has been trained."""
    model = await session.scalar(
        select(ScoringModel).where(ScoringModel.active.is_(True)).order_by(ScoringModel.created_at.desc()).limit(1)
    )
    return TrainedScorer(model) if model is not None else RulePrior()


@dataclass
class Explanation:
    """A lead's score, band, the scorer used and the factors, largest first."""

    lead_id: uuid.UUID
    score: int
    band: str
    scorer: str
    factors: list[Factor]

    def to_dict(self) -> dict[str, Any]:
        return {
            "lead_id": str(self.lead_id),
            "score": self.score,
            "band": self.band,
            "scorer": self.scorer,
            "factors": [asdict(f) for f in self.factors],
        }


async def explain_lead(session: AsyncSession, lead_id: uuid.UUID, *, now: datetime | None = None) -> Explanation:
    """Score a lead now and say why (the caller's right to read it is checked by the caller)."""
    scorer = await current_scorer(session)
    (features,) = await lead_features(session, [lead_id], now=now)
    factors = sorted(scorer.explain(features), key=lambda f: (f.factor != "base", -abs(f.points)))
    score = scorer.score(features)
    return Explanation(lead_id, score, band(score), scorer.name, [f for f in factors if f.points or f.factor == "base"])


async def lead_by_email(session: AsyncSession, email: str) -> Lead:
    """The lead with that email, for the operators' scoring CLI (no caller), or NotFound naming `email`."""
    lead = await session.scalar(select(Lead).where(Lead.email == email))
    if lead is None:
        raise NotFound("email", f"no lead with email {email}")
    return lead


async def score_now(session: AsyncSession, lead_id: uuid.UUID) -> int:
    """The score the current scorer gives a lead right now."""
    scorer = await current_scorer(session)
    (features,) = await lead_features(session, [lead_id])
    return scorer.score(features)


async def rescore(session: AsyncSession, lead: Lead, *, reason: str) -> int:
    """Recompute a lead's score; a change is written to the lead and its timeline."""
    from store.services.timeline import record_activity  # lazily: the services package imports this module

    if lead.status in (LeadStatus.converted, LeadStatus.lost):
        return lead.score
    scorer = await current_scorer(session)
    (features,) = await lead_features(session, [lead.id])
    new = scorer.score(features)
    if new != lead.score:
        old, lead.score = lead.score, new
        await session.flush()
        await record_activity(
            session,
            Actor.system(),
            type=ActivityType.lead,
            action="score_changed",
            subject=f"Lead {lead.name} score {old} -> {new} ({band(new)}): {reason}",
            on=[(RecordType.lead, lead.id)],
            details={"from": old, "to": new, "scorer": scorer.name, "reason": reason},
        )
    return new


async def rescore_open_leads(session: AsyncSession) -> int:
    """Rescore every open lead in bulk (after training); returns how many scores changed."""
    scorer = await current_scorer(session)
    open_ids = list(
        await session.scalars(
            select(Lead.id).where(Lead.status.in_([LeadStatus.new, LeadStatus.contacted, LeadStatus.qualified]))
        )
    )
    changed = 0
    for start in range(0, len(open_ids), 2000):
        batch = await lead_features(session, open_ids[start : start + 2000])
        scores = {f.lead_id: scorer.score(f) for f in batch}
        current = dict((await session.execute(select(Lead.id, Lead.score).where(Lead.id.in_(list(scores))))).all())
        for lead_id, score in scores.items():
            if current.get(lead_id) != score:
                await session.execute(update(Lead).where(Lead.id == lead_id).values(score=score))
                changed += 1
    return changed


@dataclass
class Training:
    """What `train` measured: sizes, held-out AUC and Brier of the model and of the prior."""

    outcomes: int
    converted: int
    holdout: int
    auc: float
    brier: float
    prior_auc: float
    model_id: uuid.UUID | None

    def to_dict(self) -> dict[str, Any]:
        return asdict(self) | {"model_id": str(self.model_id) if self.model_id else None}


def _matrix(rows: list[LeadFeatures], names: list[str]) -> np.ndarray:
    return np.asarray([[r.vector().get(n, 0.0) for n in names] for r in rows])


def evaluate(
    train_rows: list[LeadFeatures], test_rows: list[LeadFeatures]
) -> tuple[Any, list[str], float, float, float]:
    """Fit on `train_rows`, measure on `test_rows`: (fitted estimator, names, auc, brier, prior auc)."""
    from sklearn.linear_model import LogisticRegression
    from sklearn.metrics import brier_score_loss, roc_auc_score

    names = sorted(train_rows[0].vector())
    y_train = np.asarray([r.status is LeadStatus.converted for r in train_rows], dtype=int)
    y_test = np.asarray([r.status is LeadStatus.converted for r in test_rows], dtype=int)
    estimator = LogisticRegression(C=1.0, max_iter=2000).fit(_matrix(train_rows, names), y_train)
    p = estimator.predict_proba(_matrix(test_rows, names))[:, 1]
    prior = RulePrior()
    prior_auc = roc_auc_score(y_test, [prior.score(r) for r in test_rows])
    return estimator, names, float(roc_auc_score(y_test, p)), float(brier_score_loss(y_test, p)), float(prior_auc)


async def train(
    session: AsyncSession, *, holdout: float = 0.25, seed: int = 7, min_outcomes: int = MIN_OUTCOMES
) -> Training:
    """Train on every converted/lost lead, report held-out quality, store and activate the model."""
    from sklearn.model_selection import train_test_split

    rows = await lead_features(session, outcomes_only=True)
    converted = sum(r.status is LeadStatus.converted for r in rows)
    if len(rows) < min_outcomes or min(converted, len(rows) - converted) < MIN_PER_CLASS:
        raise InvalidInput(
            "leads",
            f"training needs {min_outcomes} converted or lost leads with {MIN_PER_CLASS} of each; "
            f"there are {len(rows)} ({converted} converted)",
        )
    labels = [r.status is LeadStatus.converted for r in rows]
    train_rows, test_rows = train_test_split(rows, test_size=holdout, random_state=seed, stratify=labels)
    _, _, auc, brier, prior_auc = evaluate(train_rows, test_rows)
    estimator, names, *_ = evaluate(rows, test_rows)  # the stored model learns from every outcome
    means = _matrix(rows, names).mean(axis=0)
    await session.execute(update(ScoringModel).where(ScoringModel.active.is_(True)).values(active=False))
    metrics = {
        "auc": auc,
        "brier": brier,
        "prior_auc": prior_auc,
        "outcomes": len(rows),
        "converted": converted,
        "holdout": len(test_rows),
        "trained_at": utcnow().isoformat(),
    }
    model = ScoringModel(
        algorithm=TrainedScorer.name,
        features=names,
        coefficients=estimator.coef_[0].tolist(),
        intercept=float(estimator.intercept_[0]),
        means=means.tolist(),
        metrics=metrics,
        active=True,
    )
    session.add(model)
    await session.flush()
    return Training(len(rows), converted, len(test_rows), auc, brier, prior_auc, model.id)


async def nightly(session: AsyncSession, *, min_outcomes: int = MIN_OUTCOMES) -> Training | None:
    """Retrain when there are enough converted and lost leads (else keep the current scorer), then rescore open leads."""
    try:
        result: Training | None = await train(session, min_outcomes=min_outcomes)
    except InvalidInput:
        result = None
    await rescore_open_leads(session)
    return result
