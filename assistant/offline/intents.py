"""Intent classification: k nearest labelled examples by sentence embedding, plus a few rules.

The examples (`examples.jsonl`, one `{"text", "intent"}` per line) are embedded once per
classifier, on first use. A message is embedded, compared by cosine similarity with every
example, and its k nearest neighbours vote, each with its similarity as weight. Keyword rules
that are more reliable than the vote (a ticket number, "remind me", "convert", "new lead", ...)
decide first. When the nearest example is below `floor` the answer is "unknown".
"""

from __future__ import annotations

import json
import re
import threading
from collections import defaultdict
from pathlib import Path
from typing import Sequence

import numpy as np

from store.embeddings import Embedder

INTENTS = (
    "help", "create_lead", "show_record", "update_lead_status", "convert_lead", "create_deal",
    "update_deal", "move_deal_stage", "pipeline", "stuck_deals", "deals_closing", "log_call",
    "add_note", "schedule_meeting", "create_task", "my_tasks", "list_tickets", "create_ticket",
    "update_ticket", "unknown",
)
EXAMPLES_PATH = Path(__file__).with_name("examples.jsonl")
RULE_CONFIDENCE = 0.95

_CREATE_TICKET = re.compile(
    r"\b(?:(?:create|file|raise|log|submit|make|add|new)\b(?:\s+[\w-]+){0,3}?|open\s+(?:a|an|new)\b(?:\s+[\w-]+){0,2}?)"
    r"\s+(?:ticket|case|bug|issue)\b", re.I)
_RULES: list[tuple[re.Pattern[str], str]] = [
    (re.compile(r"\bconvert(?:ing|ed)?\b", re.I), "convert_lead"),
    (re.compile(r"\bremind\s+me\b|\bdon'?t\s+(?:let\s+me\s+)?forget\b|^\W*(?:to-?do|task)\b"
                r"|\b(?:add|create|new|make|set)\s+(?:a\s+)?(?:new\s+)?(?:task|to-?do|reminder)\b"
                r"|\badd\s+(?:it|this|that)\s+to\s+my\s+(?:tasks|to-?dos?|list)\b", re.I), "create_task"),
    (re.compile(r"\b(?:new|add|create|capture|enter)\b(?:\s+[\w-]+){0,2}?\s+(?:lead|prospect)\b(?!\s+(?:status|as))",
                re.I), "create_lead"),
]
_TICKET_NUMBER = re.compile(r"\b(?:ticket|case)s?\s*(?:#|no\.?|number)?\s*#?\d+\b|#\d+\b", re.I)


def rule_intent(text: str) -> str | None:
    """The intent a high-precision keyword rule assigns, if any."""
    if _CREATE_TICKET.search(text):
        return "create_ticket"
    if _TICKET_NUMBER.search(text):
        return "update_ticket"
    for pattern, intent in _RULES:
        if pattern.search(text):
            return intent
    return None


def load_examples(path: Path = EXAMPLES_PATH) -> list[tuple[str, str]]:
    """(text, intent) pairs from a JSON-lines file."""
    with path.open(encoding="utf-8") as lines:
        rows = [json.loads(line) for line in lines if line.strip()]
    return [(row["text"], row["intent"]) for row in rows]


class IntentClassifier:
    """Nearest-neighbour intent classifier over labelled examples, with keyword rules first."""

    def __init__(
        self,
        embedder: Embedder,
        *,
        examples: Sequence[tuple[str, str]] | None = None,
        k: int = 5,
        floor: float = 0.4,
    ) -> None:
        self.embedder = embedder
        self.k = k
        self.floor = floor
        self._examples = list(examples) if examples is not None else None
        self._matrix: np.ndarray | None = None
        self._labels: list[str] = []
        self._lock = threading.Lock()

    def _index(self) -> tuple[np.ndarray, list[str]]:
        with self._lock:
            if self._matrix is None:
                examples = self._examples if self._examples is not None else load_examples()
                self._labels = [intent for _, intent in examples]
                self._matrix = self.embedder.embed([text for text, _ in examples])
        return self._matrix, self._labels

    def warm_up(self) -> None:
        """Load the model and embed the examples now rather than on the first message."""
        self.classify("help")

    def classify(self, text: str) -> tuple[str, float]:
        """(intent, confidence). Rules score RULE_CONFIDENCE; the vote scores the winner's share
        of the similarity-weighted k-nearest-neighbour vote; below the floor, "unknown"."""
        matrix, labels = self._index()
        rule = rule_intent(text)
        if rule is not None:
            return rule, RULE_CONFIDENCE
        query = self.embedder.embed([text])[0]
        similarities = matrix @ query
        nearest = np.argsort(-similarities)[: self.k]
        if similarities[nearest[0]] < self.floor:
            return "unknown", float(1.0 - similarities[nearest[0]])
        votes: dict[str, float] = defaultdict(float)
        for index in nearest:
            votes[labels[index]] += float(max(similarities[index], 0.0))
        intent = max(votes, key=votes.__getitem__)
        return intent, votes[intent] / sum(votes.values())
