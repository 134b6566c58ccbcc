"""Trained lead-scoring models: coefficients and their measured quality."""

from __future__ import annotations

from typing import Any, ClassVar

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column

from store.models.base import Entity


class ScoringModel(Entity):
    """A logistic model over lead features; the newest active one scores new activity."""

    __tablename__ = "scoring_models"
    record_type: ClassVar[str] = "scoring_model"

    algorithm: Mapped[str] = mapped_column(sa.String(50))
    features: Mapped[list[str]] = mapped_column(sa.ARRAY(sa.String(100)))
    coefficients: Mapped[list[float]] = mapped_column(sa.ARRAY(sa.Float))
    intercept: Mapped[float]
    means: Mapped[list[float]] = mapped_column(sa.ARRAY(sa.Float))
    metrics: Mapped[dict[str, Any]] = mapped_column(default=dict, server_default="{}")
    active: Mapped[bool] = mapped_column(default=True, server_default=sa.true(), index=True)
