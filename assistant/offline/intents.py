"""Intent classification: keyword rules, then k nearest labelled examples by sentence embedding.

High-precision keyword rules decide first (a ticket number, "remind me", "convert", "new lead",
"log a call", ...). Otherwise the message is compared by cosine similarity with the labelled
examples of `examples.jsonl` (embedded once per classifier, on first use) and its k nearest
neighbours vote. Capitalised names are replaced by a placeholder for that vote (see
`normalise`), while a vote on the text as written decides whether it is out of scope: below a
similarity floor, or nearest to the "unknown" examples, the answer is "unknown".
"""

from __future__ import annotations

import json
import re
import threading
from collections import defaultdict
from collections.abc import Collection, Sequence
from pathlib import Path

import numpy as np

from assistant.offline.acts import COUNTERPART, changes_only
from assistant.offline.example_cache import example_matrix
from assistant.offline.slots import MONTHS, STOPWORDS, named_role
from store.embeddings import Embedder, remember

INTENTS = (
    "help",
    "create_lead",
    "show_record",
    "update_lead_status",
    "convert_lead",
    "create_deal",
    "update_deal",
    "move_deal_stage",
    "pipeline",
    "stuck_deals",
    "deals_closing",
    "log_call",
    "add_note",
    "schedule_meeting",
    "create_task",
    "my_tasks",
    "list_tickets",
    "create_ticket",
    "update_ticket",
    "unknown",
)
EXAMPLES_PATH = Path(__file__).with_name("examples.jsonl")
RULE_CONFIDENCE = 0.95
_CONTACT_FIELD = r"(?:phone|mobile|cell|e-?mail(?:\s+address)?|job\s+title|title|department|linkedin)(?:\s+number)?"

_VERB_TICKET = (
    r"\b(?:(?:create|file|raise|log|submit|make|add|new)\b(?!\s+(?:the|that|this|his|her|their|its)\b)(?:\s+[\w-]+){0,3}?"
    r"|open\s+(?:a|an|new)\b(?:\s+[\w-]+){0,2}?)\s+(?:ticket|case|bug|issue)\b(?!\s*#?\d)"
    r"|^\W*(?:open|file|raise)\s+(?:a\s+)?(?:new\s+)?one\s+(?:for|from)\b"  # "open one for him: ..." after his tickets
    r"|^\W*(?:a\s+)?(?:new\s+)?(?:ticket|case)\s+(?:for|from)\s+(?!me\b|us\b)[a-z][^:?]*:\s*\S"  # "ticket for X: can't ..."
)  # "make ticket 1059 high priority" is the ticket numbered so, no new one
# Order matters, the first match wins: creating a ticket before a ticket number, creations before updates.
_RULES: list[tuple[re.Pattern[str], str]] = [
    (re.compile(pattern, re.I), intent)
    for pattern, intent in [
        (_VERB_TICKET, "create_ticket"),
        (
            r"\b(?:assign|reassign|give)\b.{0,30}(?:\b(?:ticket|case)\s*#?\s*\d+|#\d+)|\b(?:ticket|case)\s*#?\s*\d+.{0,30}\bassign"
            r"|\b(?:assign|reassign|hand|pass|give)\s+(?:over\s+)?#?\d{3,}\s+(?:over\s+)?to\b"
            r"|\b(?:take|grab)\s+(?:ticket|case)\s*#?\s*\d+|^\W*(?:please\s+)?(?:re)?assign\s+(?:it|this|that|this\s+ticket|that\s+ticket|the\s+ticket)\s+to\b",
            "assign_ticket",
        ),
        (
            r"\b(?:ticket|case)s?\s*(?:#|no\.?|number)?\s*#?\d+\b|(?<!up\s)(?<!up)#\d+\b(?!.{0,20}\b(?:task|to-?do|reminder)s?\b)"
            r"|\bescalat\w*\s+(?:#?\d{3,}|it|this|that)\b",
            "update_ticket",
        ),
        (
            r"\bconvert(?:ing|ed)?\b|\bturn\b.{0,40}\binto\s+(?:an?\s+)?(?:opportunity|deal|customer|contact|account)\b",
            "convert_lead",
        ),
        (
            r"\bremind\s+me\b|\bdon'?t\s+(?:let\s+me\s+)?forget\b|^\W*(?:to-?do|task)\b(?!s?\s+list\b)"
            r"|^\W*(?:(?:and|also|plus)\s+)?(?:a|another)\s+(?:task|to-?do|reminder)\s+(?:to|for)\b"  # "and a task to ..."
            r"|\b(?:add|create|new|make|set)\s+(?:me\s+|up\s+)?(?:a\s+)?(?:new\s+)?(?:task|to-?do|reminder)\b"
            r"|\b(?:add|put)\b.{0,20}\b(?:to|on)\s+my\s+(?:to-?dos?|tasks?|list)\b"
            r"|\bmake\s+(?:it|this|that)\s+a\s+(?:task|to-?do|reminder)\b"
            r"|\b(?:give|set|make|assign)\s+(?!me\b|us\b|it\b|up\b)[a-z]+\s+an?\s+(?:new\s+)?(?:task|to-?do|reminder)\b",  # "set john a task"
            "create_task",
        ),
        (
            r"\b(?:new|add|create|capture|enter)\b(?:\s+[\w-]+){0,2}?\s+(?:lead|prospect)\b(?!\s+(?:status|as))",
            "create_lead",
        ),
        (
            r"\b(?:new|add|create)\s+(?:a\s+)?(?:new\s+)?contact\b(?!\s+(?:details?|info))"
            r"|\b(?:add|get|put|enter|save)\b.{0,40}\bas\s+a\s+(?:new\s+)?contact\b",
            "create_contact",
        ),
        (
            r"(?:['’]s|\b(?:his|her|their|the))\s+" + _CONTACT_FIELD + r"\s+(?:is\s+now|is|to|=|should\s+be|now)\s+\S",
            "update_contact",
        ),
        (  # "open falconpath upgrade 60", "pull up the acme deal": a record looked at ("open deals" are a list)
            r"^\W*(?:(?:pls|please|can\s+you|could\s+you)\s+)?(?:open(?:\s+up)?|pull\s+up|bring\s+up)\s+"
            r"(?!(?:a|an|new|another|one|it|this|that)\b)(?!.*\b(?:deals|tickets|tasks|leads|opps|opportunities|issues|cases|"
            r"items|meetings|ones)\b)"
            r"|^\W*(?:recent|latest|last)\s+(?:activity|activities|touches|interactions)\s+(?:w|with|on|for|at)\s+"
            r"|^\W*show\s+me\s+(?:the\s+)?[a-z][\w&'-]*(?:\s+[a-z][\w&'-]*){0,3}\s+\d{1,4}\W*$"  # "show me summitgate platform 1"
            r"|^\W*(?:(?:pls|please|can\s+i\s+(?:get|have)|send\s+me|need)\s+)?(?:the\s+)?(?:contact\s+(?:info|details|card)|details|info)"
            r"\s+(?:for|on|of)\s+(?!(?:my|our|the|all|every)\b)[a-z]"  # "contact info for ines jensen @ rapidpoint"
            # "rosa ueda lead", "the cedarline account": a record named with its type and nothing else is looked at
            r"|^\W*(?:the\s+)?(?!(?:new|add|create|capture|enter|make|open|log|another|a|an|my|our|your|hot|cold|warm|"
            r"qualified|best|top|next|any|no|which|what|who|whose|show|list|find)\b)[a-z][\w&'-]*(?:\s+[a-z][\w&'-]*){0,3}"
            r"(?:['’]s)?\s+(?:lead|contact|account)(?:\s+(?:details|info|card|record))?\W*$",  # "anika petrov contact details"
            "show_record",
        ),
        (r"\b(?:new|create|add|open|start|log)\b(?:\s+[\w$.,-]+){0,2}?\s+(?:deal|opportunity|opp)\b", "create_deal"),
        (
            r"\b(?:add|put|attach|write|jot|leave|make|save|stick|drop)\b(?:\s+[\w-]+){0,2}?\s+(?:note|comment)\b"
            r"|^\W*note\b|\bjot\s+down\b|\bremember\s+that\b",
            "add_note",
        ),
        (  # "pls log mtg yesterday 4pm w umar novak": a meeting held, no call
            r"^\W*(?:(?:pls|please|can\s+you|could\s+you)\s+)?(?:log|record)\s+(?:a\s+|the\s+|our\s+|my\s+)?"
            r"(?:meeting|mtg|demo)\b"
            # "meeting with rosa zhou and ben evans may 27 at 9am - pricing workshop": a meeting said with its day or hour
            r"|^\W*(?:a\s+)?(?:meeting|mtg|demo)\s+(?:with|w/?)\s+[a-z].{0,60}?\b(?:today|tomorrow|tmrw|next\s+\w+|"
            r"(?:mon|tues?|wed(?:nes)?|thu(?:rs)?|fri|sat(?:ur)?|sun)(?:day)?|(?:jan|feb|mar|apr|may|jun|jul|aug|sep|oct|nov|dec)"
            r"[a-z]*\s+\d{1,2}|\d{1,2}(?::\d\d)?\s*(?:am|pm))\b",
            "schedule_meeting",
        ),
        (  # "atlaswave expansion 158 is lost", "novaline pilot 119 was won": a deal named with its number, won or lost
            r"^\W*(?:the\s+)?[a-z][\w&'-]*(?:\s+[a-z][\w&'-]*){0,3}\s+\d{1,3}\s+(?:is|was|got|has\s+been)\s+"
            r"(?:closed[\s_-]?)?(?:lost|won|dead)\b",
            "move_deal_stage",
        ),
        (
            r"^\W*(?:i\s+)?need\s+a\s+(?:task|reminder|to-?do)\b",  # "need a task - send pricing deck to jonas ..."
            "create_task",
        ),
        (  # "ironpath platform 31: 110k and close 9/30": a deal named with its number, then its new values
            r"^\W*[a-z][\w&'-]*(?:\s+[a-z][\w&'-]*){0,3}\s+\d{1,3}\s*[:,]\s*\$?\d[\d.,]*\s*[km]\b",
            "update_deal",
        ),
        (
            r"\b(?:log|record)\b(?:\s+[\w-]+){0,3}?\s+(?:call|phone\s+call)\b|\bcall\s+log\b"
            r"|\b(?:spoke|talked|got\s+off)\b.{0,40}\b(?:phone|call)\b|\b(?:i|we)\s+(?:just\s+)?(?:called|phoned|rang)\b"
            r"|\b(?:called|phoned|rang)\s+(?:me|us)\b|\b(?:spoke|talked|chatted)\s+(?:to|with)\b"
            r"|\b(?:called|phoned|rang)\b.{0,80}\blog\s+(?:it|that|this)\b(?!\s+(?:as|in|on|under)\s)"  # "x called, ... log it"
            r"|^\W*(?:just\s+)?(?:called|phoned|rang|dialed|dialled)\s+(?!(?:me|us|it|him|her|them|back|off)\b)[a-z]",  # "rang umar novak, no answer"
            "log_call",
        ),
        (
            r"\b(?:schedule|book|arrange|set\s+up|organi[sz]e|plan)\b.{0,40}\b(?:meeting|call|demo|review|lunch|dinner|"
            r"coffee|session|sync|catch-up|kickoff|presentation|walkthrough|workshop|qbr|visit)\b|^\W*meet\s+with\b"
            r"|\b(?:add|invite|put)\b.{0,40}\b(?:to|into|on|for)\s+(?:a|the|our|my)\s+(?:meeting|call|demo|review|session|sync)\b"
            r"(?=.{0,40}\b(?:mon|tues|wednes|thurs|fri|satur|sun)day\b|.{0,40}\b(?:tomorrow|today|at\s+\d|\d{1,2}\s*[ap]m)\b)",
            "schedule_meeting",
        ),
        (
            r"\bclosed[\s_-]?(?:won|lost)\b|\bdeal\s+(?:is\s+)?(?:won|lost)\b|\bwe\s+(?:won|lost|closed|signed)\b"
            r"|^\W*(?:won|lost)\s+(?!anything|any|something|deals?\b|opps?\b)[a-z][\w&'-]*\s+[a-z][\w&'-]*\s+\d+"  # "won X 176"
            r"|\bas\s+(?:closed[\s_-]?)?(?:won|lost)\b|\b(?:mark|set|close)\b.{0,60}\b(?:won|lost)\b"
            r"|\b(?:to|into|in)\s+(?:the\s+)?(?:prospecting|qualification|proposal|negotiations?)\b"
            r"|\b(?:set|change|update|move)\b.{0,30}\bstage\b",
            "move_deal_stage",
        ),
        (
            r"\blead\s+status\b|\bqualify\b|\b(?:as|to|is)\s+(?:now\s+)?(?:contacted|qualified|unqualified|disqualified|new)\b"
            r"|\bmark\s+(?:[a-z]+\s+){1,2}(?:contacted|qualified|unqualified|disqualified)\b",  # "... mark her qualified"
            "update_lead_status",
        ),
        (  # "which deals on my team slipped past their close date", "overdue deals on my team": a read
            r"\bdeals\b.{0,60}\bpast\s+(?:their|the|its)\s+clos(?:e|ing)\s+dates?\b|\boverdue\s+deals\b",
            "deals_closing",
        ),
        (
            r"\b(?:amount|value|close\s+date|closing\s+date|probability|odds)\b.{0,50}\b(?:to|is|should|now)\b"
            r"|\b(?:update|edit|change|modify)\b.{0,40}\b(?:deal|opportunity)\b"
            r"|\b(?:push|pushed|slip|slipped|delay|delayed|pull\s+in|bump|bumped)\b.{0,40}\b(?:deal|opportunity|close)\b"
            r"|\bdeal\s+is\s+now\b"
            r"|\b(?:push|pushed|slip|slipped|delay|delayed|move|moved|pull|pulled)\b(?!.{0,80}\b(?:meeting|call|demo|task|reminder|appointment|"
            r"ticket)s?\b).{0,50}\b(?:to|until|till|into|out\s+to|back\s+to|forward\s+to)\s+(?:the\s+)?(?:end\s+of|next|mid|early|late|"
            r"\d{1,2}(?:st|nd|rd|th)?\b|\d{4}-\d\d|(?:jan|feb|mar|apr|may|jun|jul|aug|sep|oct|nov|dec)[a-z]*\b|q[1-4]\b|"
            r"(?:mon|tues|wednes|thurs|fri)day\b)",
            "update_deal",
        ),
        (r"\btickets\b|\bsupport\s+(?:queue|cases|requests)\b|\bopen\s+issues\b", "list_tickets"),
    ]
]
_NAME_RUN = re.compile(r"\b[A-Z][a-z][\w&'’.-]*(?:\s+[A-Z][\w&'’.-]*)*")
_SUBJECT_VERB = re.compile(
    r"['’]s\b|\s+(?:is|was|has|had|just|called|phoned|rang|said|says|wants|signed|went|needs|reported)\b", re.I
)
NAME_PLACEHOLDER = "them"


def rule_intent(text: str) -> str | None:
    """The intent of the first high-precision keyword rule that matches, if any."""
    if named_role(text):  # "vera hansen at northpath - she's VP Engineering now": her new title
        return "update_contact"
    return next((intent for pattern, intent in _RULES if pattern.search(text)), None)


def normalise(text: str) -> str:
    """Replace capitalised name runs ("Dana Whitfield", "Acme Corp") by a neutral pronoun, so that
    a name shared with some example does not pull a message towards that example's intent.
    Commands and months are left alone, and so is a lone capitalised first word unless a verb
    follows it ("Dana is lost" but not "Translate this")."""

    def replace(m: re.Match[str]) -> str:
        first = m[0].split()[0].lower()
        lone_first_word = m.start() == 0 and " " not in m[0] and not _SUBJECT_VERB.match(text, m.end())
        if first in STOPWORDS or first in MONTHS or lone_first_word:
            return m[0]
        return NAME_PLACEHOLDER

    return _NAME_RUN.sub(replace, text)


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
        sharpness: float = 4.0,
        floor: float = 0.3,
    ) -> None:
        self.embedder = embedder
        self.k = k
        self.sharpness = sharpness
        self.floor = floor
        self._examples = list(examples) if examples is not None else None
        self._index: tuple[np.ndarray, np.ndarray, list[str]] | None = None
        self._lock = threading.Lock()
        self._recent: dict[str, tuple[str, float]] = {}
        self._prepared: dict[str, np.ndarray] = {}  # query vectors embedded ahead of `classify` (`prepare`), used once

    def _load(self) -> tuple[np.ndarray, np.ndarray, list[str]]:
        """(raw example vectors, name-normalised example vectors, labels), embedded once."""
        with self._lock:
            if self._index is None:
                examples = self._examples if self._examples is not None else load_examples()
                texts = [text for text, _ in examples]
                normalised = [normalise(text) for text in texts]
                unique = list(dict.fromkeys(texts + normalised))
                vectors = example_matrix(self.embedder, unique)
                row = {text: i for i, text in enumerate(unique)}
                self._index = (
                    vectors[[row[t] for t in texts]],
                    vectors[[row[t] for t in normalised]],
                    [label for _, label in examples],
                )
        return self._index

    def warm_up(self) -> None:
        """Load the model and embed the examples now rather than on the first message."""
        self.classify("help")

    def classify(self, text: str) -> tuple[str, float]:
        """(intent, confidence).

        A keyword rule wins with RULE_CONFIDENCE. Otherwise two k-nearest-neighbour votes run:
        one on the text as written, which only decides whether the message is out of scope
        (general-knowledge questions keep their meaning there), and one on the name-normalised
        text, which picks the intent.
        """
        raw_matrix, matrix, labels = self._load()
        rule = rule_intent(text)
        if rule is not None:
            return rule, RULE_CONFIDENCE
        known = self._recent.get(text)  # the same message is classified again when a turn plans its next step
        if known is not None:
            return known
        result = self._classify(text, raw_matrix, matrix, labels)
        with self._lock:  # turns classify in worker threads
            self._recent[text] = result
            while len(self._recent) > 256:
                self._recent.pop(next(iter(self._recent)))
        return result

    def prepare(self, text: str) -> None:
        """Embed the message now (e.g. in a worker thread while the turn reads its conversation) when `classify` will
        need its vectors; they are the same vectors `classify` would compute."""
        self._load()
        if rule_intent(text) is None and text not in self._recent and text not in self._prepared:
            queries = self._queries(text)
            with self._lock:
                self._prepared[text] = queries
                while len(self._prepared) > 64:
                    self._prepared.pop(next(iter(self._prepared)))

    def ready(self, text: str) -> bool:
        """Whether `classify(text)` needs no embedding (a keyword rule, or its vectors or answer already at hand)."""
        return self._index is not None and (
            text in self._recent or text in self._prepared or rule_intent(text) is not None
        )

    def _queries(self, text: str) -> np.ndarray:
        """The vectors of the text as written and, when it differs, of its name-normalised form."""
        normalised = normalise(text)
        if normalised != text:
            return self.embedder.embed([text, normalised])
        queries = self.embedder.embed([text])
        remember(self.embedder, text, queries[0])  # a knowledge-base search for the message reuses it
        return queries

    def _classify(self, text: str, raw_matrix: np.ndarray, matrix: np.ndarray, labels: list[str]) -> tuple[str, float]:
        prepared = self._prepared.pop(text, None)
        queries = prepared if prepared is not None else self._queries(text)
        intent, confidence = self._vote(raw_matrix @ queries[0], labels)
        if intent == "unknown":
            return intent, confidence
        similarities = matrix @ queries[-1]
        intent, confidence = self._vote(similarities, labels)
        if intent in COUNTERPART and changes_only(text):  # a change that creates nothing: never a creation (see acts)
            return self._vote(similarities, labels, barred=COUNTERPART, instead=COUNTERPART[intent])
        return intent, confidence

    def _vote(
        self, similarities: np.ndarray, labels: list[str], *, barred: Collection[str] = (), instead: str = "unknown"
    ) -> tuple[str, float]:
        """The k nearest examples vote with weight similarity ** sharpness, so one close example
        outweighs several loose ones; confidence is the winner's share of the vote. Below the
        floor: "unknown", with confidence 1 - best similarity. Examples of `barred` intents do not
        vote; when none else is among the k nearest, the answer is `instead`."""
        nearest = np.argsort(-similarities)[: self.k]
        best = float(similarities[nearest[0]])
        if best < self.floor:
            return "unknown", 1.0 - best
        votes: dict[str, float] = defaultdict(float)
        for index in nearest:
            weight = max(float(similarities[index]), 0.0) ** self.sharpness
            votes[labels[index] if labels[index] not in barred else ""] += weight
        total = sum(votes.values())
        votes.pop("", None)
        if not votes:
            return instead, 0.0
        intent = max(votes, key=votes.__getitem__)
        return intent, votes[intent] / total
