"""What a passage is for: its section's role (symptom, cause, fix, steps, limits, rule, overview) and its article's type.

Roles come from the heading first ("Fix", "How to resolve", "Common reasons", "Limits"), then from
the text: a numbered list is steps, a passage of imperative sentences is a fix. Articles without
headings get "overview" passages, and answers then rank their sentences instead.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from typing import Literal

Role = Literal["symptom", "cause", "fix", "steps", "limits", "rule", "overview"]
Kind = Literal["troubleshooting", "howto", "reference"]

_HEADING_PATTERNS: list[tuple[Role, str]] = [
    ("symptom", r"\bsymptoms?\b|\bwhat you see\b|\bthe problem\b"),
    (
        "fix",
        (
            r"\bfix(es)?\b|\bsolutions?\b|\bresol(ve|ution)\b|\bwhat (to|you can|you should) do\b|\bworkaround\b|"
            r"\btroubleshoot|\bhow to proceed\b|\bif errors persist\b|\blost your\b|\brecover|\bwhat to do next\b"
        ),
    ),
    ("cause", r"\bcauses?\b|\breasons?\b|\bwhy\b|\bwhat it means\b|\bmeaning\b|\bblockers?\b"),
    (
        "steps",
        (
            r"\bsteps?\b|\bhow to\b|\bprocedure\b|\bset ?up\b|\bgetting started\b|\bcreate\b|\benable\b|\brun\b|"
            r"\bconnect\b|\binvite\b|\bactivate\b|\buse it\b|\bprepare\b|\brequest\b|\bapply\b|\bto refer\b"
        ),
    ),
    ("limits", r"\blimits?\b|\blimitations?\b|\brestrictions?\b|\bcaps?\b|\bmaximum\b|\bretention\b"),
    (
        "rule",
        (
            r"\bpolic(y|ies)\b|\bfees?\b|\bpric(e|ing)\b|\bcosts?\b|\brules?\b|\banswer\b|\bterms\b|\beligib|"
            r"\brequirements?\b|\bavailability\b|\bcharges?\b|\brates?\b"
        ),
    ),
]
_BY_HEADING = [(role, re.compile(p, re.IGNORECASE)) for role, p in _HEADING_PATTERNS]
_NUMBERED = re.compile(r"^\s*\d+[.)]\s+", re.MULTILINE)
VERBS = (
    "choose|open|go|click|tap|select|clear|create|add|enter|set|sign|use|ask|contact|split|filter|acknowledge|"
    "synchroni[sz]e|update|reconnect|remove|delete|check|verify|confirm|enable|disable|turn|try|wait|refresh|regenerate|"
    "increase|clean|review|call|request|file|replace|drop|map|start|export|import|tag|revoke|escalate|run|compare|send|"
    "save|scan|find|edit|trim|adjust|complete|navigate|view|log|keep|make|pay|provide|include|report|share|track|remind|"
    "ensure|schedule|submit|follow|pick|download|install|allow|type|press|copy|paste|give|invite|connect|mention|"
    "deposit|transfer|move|cancel|block|unblock|regenerate|retry|reset|activate|generate|reveal|label|retain|monitor|"
    "lower|reduce|consolidate|plan|space|inform|enroll|dispute|upload|rename|exclude|assign|mark"
)
IMPERATIVE = re.compile(rf"^(?:\d+[.)]\s+|[-*]\s+)?(?:\*\*)?(?:{VERBS})\b", re.IGNORECASE)
_CODE = re.compile(r"\b[A-Z]{2,6}-\d{2,4}\b")


def section_role(heading: str | None, content: str) -> Role:
    """The role of a passage, from its heading, else from its text."""
    for role, pattern in _BY_HEADING:
        if heading and pattern.search(heading):
            return role
    if len(_NUMBERED.findall(content)) >= 2:
        return "steps"
    lines = [line for line in re.split(r"(?<=[.!?])\s+|\n+", content) if line.strip()]
    if lines and sum(bool(IMPERATIVE.match(line.strip())) for line in lines) * 2 > len(lines):
        return "steps" if heading and len(lines) >= 3 else "fix"
    return "overview"


def article_kind(title: str, roles: Iterable[str]) -> Kind:
    """Troubleshooting (symptom/cause/fix or an error code), how-to (steps) or reference."""
    seen = set(roles)
    if seen & {"symptom", "cause"} or _CODE.search(title) or "fix" in seen and "steps" not in seen:
        return "troubleshooting"
    return "howto" if "steps" in seen else "reference"
