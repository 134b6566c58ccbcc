"""A request's plan: the tool calls that serve it, resumed from the steps this turn already took (one module per
area of the CRM; `route.Plan` is the whole of it)."""

from assistant.offline.plan.core import Done, Step
from assistant.offline.plan.route import Plan

__all__ = ["Done", "Plan", "Step"]
