"""Composing an answer from an article: the passage that resolves the question, not the one that restates it.

The question's need decides which section answers it: an error or a "what do I do" wants the fix
(with the cause's first sentence as context), a how-to wants the steps (numbered lists stay lists),
a "why" wants the cause then the fix, and a yes/no, policy or "how much" question wants the sentence
holding the rule or the figure, with its condition. Articles without headings (or without the
wanted section) are answered by their sentences ranked on how well they answer: similarity to the
question plus what the need looks for (a figure, a condition, an instruction), never a sentence
that only repeats the question or describes the symptom. A value the article gives as missing ("[value not
available]") is never said, and when it is what answers best the article does not answer; nor does an article
stating no value of the kind a fact question asks for (`store.knowledge.answerable`).

`faithful` is the check every answer passes, offline or from a language model: a sentence no cited
passage supports (by embedding similarity) is dropped.
"""

from __future__ import annotations

import asyncio
import re
import uuid
from collections.abc import Collection, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Literal

from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncSession

from store.embeddings import Embedder, embed_cached
from store.knowledge.answerable import (
    PERIOD_NOUNS,
    asked_ages,
    asked_kinds,
    asked_periods,
    names_ages,
    names_alternative,
    names_limit_period,
    names_periods,
    names_place,
    states_asked,
)
from store.knowledge.chunking import OVERLAP_CHARS, Chunk
from store.knowledge.search import names
from store.knowledge.sections import IMPERATIVE, section_role

Need = Literal["fix", "steps", "cause", "fact", "rule"]
SUPPORT_FLOOR = 0.7  # cosine between an answer sentence and its best passage sentence below which it is unsupported
SHORT_PASSAGE = 480  # a chosen passage up to this long is given whole
MIN_OVERLAP = 20  # a chunk's start repeating at least this much of the previous chunk's end is chunking's overlap
SHORT_ARTICLE = 600  # an article without sections up to this long is a how-to's or a problem's whole answer
PICK_POOL = 6  # retrieved articles the answer may be taken from
PICK_MARGIN = 0.15  # retrieved articles within this score of the best compete on their titles
TITLE_WEIGHT = 0.3  # weight of the question-title cosine when picking the article
OPENING_WEIGHT = 0.2  # weight of the cosine to the article's opening passage (its title, heading and first chunk)
TITLE_EXTRA = 0.02  # held against a title per word it adds over a sibling's (a title sharing words) the question lacks
RULED_OUT = 0.05  # held against a title per word the question rules out ("not the business card": "Business ...")
OTHER_QUALIFIER = 0.1  # held against a title whose qualifier in brackets is not the one the question names of a sibling
OTHER_NAME = 0.05  # held against a competing article writing siblings of a name the question writes, never the name
OUTLINE_MARGIN = 0.1  # a best article under the floor whose outline is this much closer than any other's answers
EXTRA_CAP = 3  # words counted at most (a long title's synonyms of the question's words are no qualifiers)
HEADING_WORD = 0.04  # per question word (up to two) a section's heading shares, when choosing the section
LEAD_FIT = 0.1  # bonus of a list item under a lead naming what the question names ("ENTRY TIER:" for "entry-tier")
QUOTED = 0.06  # bonus of a unit stating the dollar amount the question quotes ("we got charged $25")
UNASKED = 0.5  # held against a unit that does not state the figure or attribute asked for, when another does
CASE_FIT = 0.08  # bonus of an instruction for a case ("If customer only wants to ..., advise ...") the question tells
CASE_SHARE = 0.75  # ... in at least this share of the case's content words (three or more)
KIND_FIT = 0.08  # bonus of a troubleshooting title for a problem (half of it for a how-to title and a how-to)
STEPS_FIT = 0.04  # bonus of an article holding steps (or a fix) for a how-to, among competing articles
STAFF_FIT = (
    0.12  # bonus of an internal runbook ("Internal: ...") when staff ask (most of their questions are about procedure)
)
STANDOUT_FLOOR = 0.22  # a best article scoring between this and the relevance floor answers only when it stands out:
STANDOUT_RATIO = (
    0.85  # the next article scores under this share of it (set on dev paraphrases vs unanswerable questions)
)

_CODE = re.compile(r"\b[A-Z]{2,6}-\d{2,4}\b|\b(?:error|code)\s*#?\d{2,4}\b", re.IGNORECASE)
_PROBLEM = re.compile(
    r"\b(?:won'?t|can'?t|cannot|can not|couldn'?t|doesn'?t|don'?t|isn'?t|aren'?t|not (?:working|loading|arriving|showing|"
    r"scanning|coming)|stopp?(?:ed|s)|fail\w*|broken|declin\w*|reject\w*|stuck|late|kick\w*|bounc\w*|spins?|errors?|"
    r"locked|too (?:big|large)|denied|forbidden|wrong|mismatch|lost|missing|disappear\w*|keeps? (?:on|\w+ing)|anymore|problem|issue)\b",
    re.IGNORECASE,
)
_PREFERENCE = re.compile(
    r"\b(?:do|does|did)(?:n'?t| not) (?:need|want|use|plan|intend|like|care)\b(?: (?:it|them|this|that))?(?: anymore)?",
    re.IGNORECASE,
)  # what the asker no longer wants is no problem ("we don't need it anymore")
_HOWTO = re.compile(
    r"\bhow (?:do|can|should|would|to|does one)\b|\bwhere (?:do|can|is|are)\b|\bwhat (?:do|should|can) (?:i|we)\b|"
    r"\bset ?up\b|\bsteps?\b|\bwhat(?:'s| is) the (?:way|process)\b|\bhow (?:i|we) (?:can|should)\b|"
    r"\b(?:in )?what order\b|\bwhat (?:else )?(?:am i|are we|is \w+) (?:supposed|meant|expected) to do\b",
    re.IGNORECASE,
)
_ASKS_FIGURE = re.compile(
    r"\bhow (?:much|many|long|often|fast|soon|big)\b|\bwhat(?:'s| is| are) (?:the|my|your)\b.{0,40}\b(?:fee|limit|"
    r"price|cost|rate|apy|apr|bonus|minimum|maximum|cap)s?\b|\bis there (?:a|any) (?:fee|limit|charge|cap|minimum)\b",
    re.IGNORECASE,
)
_YESNO = re.compile(
    r"(?:^|[.?!;]\s+|\s[-\u2013]\s+)(?:can|could|is|are|do|does|did|will|would|should|may|am|if)\b|\bpolicy\b|\ballowed\b|"
    r"\beligible\b",
    re.IGNORECASE,
)  # a question opening with the verb, also after the context told first ("I have the EcoCard - do both bonuses add up?")
_WHY = re.compile(
    r"^\s*why\b|\bwhat does .{1,40} mean\b|\bwhy (?:is|was|am|are|were|do|does|did)(?:n'?t)?\b|\bwhy(?: not)?\s*\?*\s*$",
    re.IGNORECASE,
)  # "why" leading the question, or closing it ("... I'm a new user, why?", "... never paid back. why not?")
_CODES = re.compile(r"\b[A-Z]{2,6}-\d{2,4}\b|\b(?:error|code)\s*#?(\d{2,4})\b", re.IGNORECASE)
_NUMBERED = re.compile(r"^\s*\d+[.)]\s+")
_PLACEHOLDER = re.compile(r"\[(?:value )?(?:not available|unavailable|n/a|tbd)\]", re.IGNORECASE)  # a value left out
_DOLLARS = re.compile(r"\$\s?(\d[\d,]*(?:\.\d+)?)")
_BULLET = re.compile(r"^\s*[-*]\s+")
_LETTERED = re.compile(r"^[a-h][.)]\s+\S")  # a lettered sub-step of a numbered one: "a. ...", "b) ..."
_DIGIT = re.compile(r"[\d$%]")
_PHONE = re.compile(r"\b1-800-[\w-]+|\b24/7\b")  # a phone number or "24/7" is no figure
_IDENTIFIER = re.compile(r"\b\w*_\w*")  # nor is a tool or field name ("deposit_check_3847")
_ASKS_AMOUNT = re.compile(
    r"\bhow (?:much|many)(?:\s+\w+)?\s+(?:do|does|did|can|could|will|would|is|are|was|were|should|may|"
    r"might|must|has|have)\b",
    re.IGNORECASE,
)  # asked, not reported ("how much they'll get")
_ATTRIBUTES = [
    (re.compile(ask, re.IGNORECASE), re.compile(said, re.IGNORECASE))
    for ask, said in [  # asked -> stated
        (r"\b(?:fees?|costs?|price|cheaper)\b", r"\b(?:fees?|free|charges?|costs?|price[sd]?)\b|\$"),
        (
            r"\b(?:limits?|caps?|maximum|max|minimum|min)\b",
            r"\b(?:limits?|caps?|maximum|max|minimum|min|up to|at least|at most)\b",
        ),
        (r"\b(?:rates?|apy|apr|interest)\b", r"\b(?:rates?|apy|apr|interest)\b|%"),
    ]
]
_ASKS_TIME = re.compile(
    r"^\s*when\b|\bwhen (?:does|do|did|will|would|is|are|can|should)\b|\bhow (?:long|soon)\b|\bwhat time\b",
    re.IGNORECASE,
)
_TIME = re.compile(
    r"\b\d+(?:\s*[-\u2013]\s*\d+)?\s*(?:business |calendar )?(?:days?|hours?|minutes?|weeks?|months?|years?)\b|"
    r"\b(?:immediately|instantly|right away|same day|at any time|next \w+(?: \w+)?|takes? effect)\b",
    re.IGNORECASE,
)
_CONDITION = re.compile(
    r"\b(?:if|within|only|unless|until|after|before|except|provided|when|up to|at least|not|cannot|must)\b",
    re.IGNORECASE,
)
_SCOPE = re.compile(
    r"^(?:procedure|process|guide|guidance|instructions) (?:for|to|on)\b|^this (?:article|guide|page|procedure|document|"
    r"section) (?:explains|describes|covers|shows|is)\b|^use this (?:guide|procedure|article)\b",
    re.IGNORECASE,
)
_UNSAID = re.compile(
    r"\b(?:the|any) (?:required|correct|right|proper|exact|specific|approved) ((?:[a-z]+ ){0,2}[a-z]+)", re.IGNORECASE
)  # a reference to something the answer does not spell out ("include the required restrictive wording")
_WORDING = re.compile(
    r"\bwhat (?:do|should|must|can) (?:i|we|they|you) (?:write|put|enter|type|say|tell)\b|\bwhat (?:wording|words)\b",
    re.IGNORECASE,
)  # a question asking for the words themselves ("what do I write on the back of a check?")
_IF_CASE = re.compile(
    r"(?:if|when)\s+(.{5,120}?),\s+\w", re.IGNORECASE
)  # an instruction for a case: "If customer only wants to block one merchant, advise them to cancel directly ..."
_SPELLS = re.compile(r"[\"\u201c\u2018][^\"\u201d\u2019]{3,60}[\"\u201d\u2019]|\bfor example\b|\be\.g\.", re.IGNORECASE)
ANSWER_CHARS = 800  # an answer is completed with the next best-answering units of its article up to about this long
LIST_SLACK = 200  # the answer may run this far over ANSWER_CHARS to give a short list whole
EXTEND_MARGIN = 0.15  # units scoring within this of the best-answering unit may complete the answer
PART_FLOOR = 0.3  # a unit answers a part of a several-part question when it scores at least this on the part
PART_COVERED = 0.6  # the answer already answers a part when one of its sentences is this close to it
_PART = re.compile(r"\?\s+|\s+-\s+|,?\s+and (?=(?:what|how|when|where|which|why|is|are|do|does|can|at)\b)|;\s*", re.I)
SHORT_LIST = 5  # a rule's list of up to this many items is given whole when one of its items answers
_UI = re.compile(r"\S\s*>\s*\S|\*\*")  # a menu path ("Settings > Users") or a button name
_ANAPHORA = re.compile(
    r"^(?:after (?:those|that|this)|then|this|these|that|those|it|they|otherwise|for (?:example|instance)|"
    r"e\.g\.|similarly)\b",
    re.IGNORECASE,
)  # leans on the sentence before: the rule an example shows
_TROUBLE = re.compile(
    r"\b[A-Z]{2,6}-\d{2,4}\b|^(?:why|troubleshoot)|\b(?:fails?|failed|errors?|declined|not working|can'?t|won'?t|"
    r"isn'?t|hasn'?t|doesn'?t|does not|too large|delays?|stops?|times? out|mismatch|trouble\w*|problems?)\b",
    re.IGNORECASE,
)
_REFERENCE = re.compile(
    r"\b(?:see|refer to|read)\b[^\"\u201c']{0,40}[\"\u201c']([^\"\u201d']{3,120}?[?]?)[\"\u201d']", re.IGNORECASE
)  # a sentence sending the reader to a titled article
_INTERNAL_TITLE = re.compile(
    r"^\s*internal\b|\(internal\)\s*$", re.IGNORECASE
)  # a staff runbook, marked before its title ("Internal: ...") or after it ("... (Internal)")
_UNQUALIFIED = re.compile(
    r"^\s*internal\b|\(internal\)\s*$|\bpersonal\b", re.IGNORECASE
)  # an audience, or the default one: no qualifier
_NOT = re.compile(
    r"\(not ([^)]{2,40})\)|\bnot (?:the|a|an|my|our|your) ([\w -]{2,40}?)(?=[,.;:)!?]|$)|"
    r"\b(?:(?:has|have|had|with) no|(?:do|does|did)(?:n'?t| not) have (?:a|an|any)) ([\w -]{2,40}?)(?=[,.;:)!?]|$| with\b)",
    re.IGNORECASE,
)  # a qualifier ruled out: "(not Silver Plus)", "not the business card", or what the asker lacks ("has no checking
# account with us": opening one is not what is asked)
_BRACKET = re.compile(r"\(([^)]{2,30})\)")  # a qualifier in brackets: "Green Account (savings)"
_NAME_WORD = re.compile(r"[A-Za-z][\w'-]*")
_IN_LONGER_NAME = re.compile(r"[A-Z][\w'-]* $")  # a name's word right before: "Light Blue Account" is no "Blue Account"
_HOWTO_TITLE = re.compile(
    r"^(?:how (?:do|to|can)|set ?up|setting up|create|connect|import|invite|turn on|enable)\b", re.IGNORECASE
)
_WORD = re.compile(r"[a-z0-9$][a-z0-9$%.,'-]*[a-z0-9%]|[a-z0-9]", re.IGNORECASE)
_STOP = frozenset(
    [
        "a",
        "an",
        "the",
        "and",
        "or",
        "but",
        "if",
        "of",
        "to",
        "in",
        "on",
        "for",
        "with",
        "at",
        "by",
        "from",
        "as",
        "is",
        "are",
        "was",
        "were",
        "be",
        "been",
        "do",
        "does",
        "did",
        "i",
        "we",
        "you",
        "my",
        "our",
        "your",
        "me",
        "it",
        "its",
        "this",
        "that",
        "what",
        "how",
        "why",
        "when",
        "where",
        "which",
        "who",
        "can",
        "could",
        "should",
        "would",
        "will",
        "may",
        "not",
        "no",
        "so",
        "than",
        "then",
        "there",
        "here",
        "about",
        "into",
        "out",
        "up",
        "get",
        "got",
        "have",
        "has",
        "had",
        "just",
        "any",
        "all",
        "some",
        "one",
        "more",
        "most",
        "very",
    ]
)


@dataclass
class Passage:
    """One chunk of the article being answered from, with its similarity to the question."""

    chunk_id: uuid.UUID
    ordinal: int
    heading: str | None
    section: str
    content: str
    similarity: float


@dataclass
class Composed:
    """The answer's text (without citation markers), the need it served and the passages it used."""

    text: str
    need: Need
    sections: list[str]
    evidence: list[str] = field(default_factory=list)


def question_need(question: str) -> Need:
    """What would resolve the question: a fix, steps, the cause, a figure, or a rule."""
    problem = bool(_CODE.search(question) or _PROBLEM.search(_PREFERENCE.sub(" ", question)))
    howto = bool(_HOWTO.search(question))
    if _WHY.search(question) and not howto:
        return "cause"
    if _ASKS_TIME.search(question) and not howto:  # "when does it kick in?" asks a time, whatever the words
        return "fact"
    if _ASKS_FIGURE.search(question) and not (problem and howto):
        return "fact"
    if problem:
        return "fix"
    if howto:
        return "steps"
    if _YESNO.search(question):
        return "rule"
    return "fact"


_WANTED: dict[Need, tuple[str, ...]] = {"fix": ("fix", "steps"), "steps": ("steps", "fix"), "cause": ("cause",)}
_FOR_FACTS: dict[Need, tuple[str, ...]] = {  # sections that may hold the answer when no section of the wanted role does
    "fact": ("limits", "rule", "overview", "steps", "fix", "cause"),
    "rule": ("rule", "limits", "overview", "steps", "fix", "cause"),
    "fix": ("overview", "steps", "rule", "limits", "cause"),
    "steps": ("overview", "rule", "limits"),
    "cause": ("overview", "rule"),
}


async def opening_similarities(
    session: AsyncSession,
    article_ids: Collection[uuid.UUID],
    vector: Sequence[float],
    *,
    embedder: Embedder | None = None,
    question: str = "",
    common: Collection[str] = (),
) -> dict[uuid.UUID, float]:
    """The cosine similarity of the question's vector to each article's opening passage (its first chunk, embedded
    with the title and heading at ingestion): what the article is about, where the best passage may only mention it.
    With `common` words (the knowledge base's own name) and an `embedder`, the opening and the `question` are compared
    without them, embedded again: "Your first login to Nexa CRM", whose opening names Nexa in every sentence, is no
    closer to "is there a free trial of nexa?" than "Plans and pricing"."""
    if common and embedder is not None:
        rows = await session.execute(
            text(
                "SELECT article_id, title, heading, content FROM kb_chunks WHERE article_id = ANY(:ids) AND ordinal = 0"
            ),
            {"ids": list(article_ids)},
        )
        openings = [(r.article_id, Chunk(0, r.heading, r.content).embed_text(r.title)) for r in rows]
        texts = [_without(t, common) for t in (question, *(o for _, o in openings))]
        vectors = await asyncio.to_thread(embed_cached, embedder, texts)
        return {article: float(vectors[i + 1] @ vectors[0]) for i, (article, _) in enumerate(openings)}
    rows = await session.execute(
        text(
            "SELECT article_id, coalesce(1 - (embedding <=> CAST(:v AS vector)), 0) AS sim FROM kb_chunks "
            "WHERE article_id = ANY(:ids) AND ordinal = 0"
        ),
        {"ids": list(article_ids), "v": str(list(map(float, vector)))},
    )
    return {r.article_id: float(r.sim) for r in rows}


async def outline_similarities(
    session: AsyncSession,
    article_ids: Collection[uuid.UUID],
    embedder: Embedder,
    question: str,
    *,
    common: Collection[str] = (),
) -> dict[uuid.UUID, float]:
    """The cosine similarity of the question to each article's outline: the closest of its title and of its title
    with each section heading ("Turn on two-factor authentication. Enforce for everyone"), what a reader scans to
    find the article and the section that answer, where a passage in other words than the question scores low."""
    rows = await session.execute(
        text(
            "SELECT article_id, min(title) AS title, array_agg(heading ORDER BY ordinal) AS headings FROM kb_chunks "
            "WHERE article_id = ANY(:ids) GROUP BY article_id"
        ),
        {"ids": list(article_ids)},
    )
    outlines = [(r.article_id, outline(r.title, r.headings)) for r in rows]
    texts = [_without(question, common), *(_without(t, common) for _, lines in outlines for t in lines)]
    vectors = await asyncio.to_thread(embed_cached, embedder, texts)
    found, i = {}, 1
    for article, lines in outlines:
        found[article] = max(float(v @ vectors[0]) for v in vectors[i : i + len(lines)])
        i += len(lines)
    return found


def outline(title: str, headings: Sequence[str | None]) -> list[str]:
    """An article's outline: its title, and its title with each distinct section heading, in order."""
    title = title.rstrip(". ")
    return [title, *(f"{title}. {h}" for h in dict.fromkeys(h.rstrip(". ") for h in headings if h))]


async def article_passages(session: AsyncSession, article_id: uuid.UUID, vector: Sequence[float]) -> list[Passage]:
    """Every chunk of an article in order, with its cosine similarity to the question's vector."""
    rows = await session.execute(
        text(
            "SELECT id, ordinal, heading, section, content, coalesce(1 - (embedding <=> CAST(:v AS vector)), 0) AS sim "
            "FROM kb_chunks WHERE article_id = :a ORDER BY ordinal"
        ),
        {"a": article_id, "v": str(list(map(float, vector)))},
    )
    passages, before, heading = [], "", None
    for r in rows:  # chunking repeats a tail only inside a section
        content = _after_overlap(before, r.content) if r.heading == heading else r.content
        before, heading = r.content, r.heading
        passages.append(
            Passage(r.id, r.ordinal, r.heading, r.section or section_role(r.heading, content), content, float(r.sim))
        )
    return passages


def _after_overlap(before: str, content: str) -> str:
    """A chunk without the tail of the chunk before that chunking repeats at its start (read once, not twice)."""
    for size in range(min(len(before), len(content), OVERLAP_CHARS), MIN_OVERLAP - 1, -1):
        if content[:size] == before[-size:]:
            return content[size:].lstrip() or content
    return content


def compose(question: str, passages: list[Passage], embedder: Embedder) -> Composed:
    """The answer to `question` from one article's passages (in article order)."""
    need = question_need(question)
    coded = _coded(question, passages)
    if coded is not None:
        unit, passage = coded
        return Composed(unit, need, [passage.section], [passage.content])
    said = _said(passages)
    if (
        _leaves_out(question, passages, embedder, need)
        or (need == "fact" and not states_asked(question, said))
        or not names_alternative(question, said)
        or not names_limit_period(question, said)
        or not names_place(question, said)
    ):  # the article names what is asked without saying it, states no value of the kind asked, or never names it (an
        # alternative asked, the period of a limit asked, a place)
        return Composed("", need, [])
    passages = _code_section(question, passages) or passages
    return _extend(question, passages, _core(question, passages, embedder, need), embedder)


def _said(passages: list[Passage]) -> str:
    """What an article states: its units, one a line."""
    return "\n".join(u for p in passages for u in _units(p.content))


def _leaves_out(question: str, passages: list[Passage], embedder: Embedder, need: Need) -> bool:
    """Whether the unit that answers best gives its value as missing ("a late fee of $[value not available]"): the
    article names what is asked but does not say it, so it does not answer. Only a value or a rule can be missing: a fix
    or steps asked ("how do I avoid paying late fees?") are answered from the units that state them."""
    if need not in ("fact", "rule"):
        return False
    pool = [(u, p.heading or "") for p in passages if p.section != "symptom" for u in _all_units(p.content)]
    if not any(_PLACEHOLDER.search(u) for u, _ in pool):
        return False
    units = [u for u, _ in pool]
    scores = _scores(question, units, [c for _, c in pool], embedder, need)
    return bool(_PLACEHOLDER.search(units[max(range(len(units)), key=scores.__getitem__)]))


def _code_section(question: str, passages: list[Passage]) -> list[Passage]:
    """The passages under the heading naming the error code the question asks about ("CODE 05 - Do Not Honor"); for a
    question naming no code, those under no code's heading: a code's entry answers that code's problem, not the
    article's topic ("CODE 87 - No Cash Back" in an article on replacing a card abroad). Empty when none are told
    apart this way."""
    asked = _codes(question)
    if asked:
        return [p for p in passages if p.heading and asked & _codes(p.heading)]
    coded = [bool(_codes(p.heading or "")) for p in passages]
    return [p for p, c in zip(passages, coded) if not c] if any(coded) else []


def titled_code(question: str, title: str) -> bool:
    """Whether an article's title names an error code the question names ("Report export times out (EXP-504)" for
    "... then says EXP-504. it's like 80k rows"): the code is the problem, however much else a long question tells."""
    return bool(_codes(question) & _codes(title))


def names_code(question: str, passages: list[Passage]) -> bool:
    """Whether an article holds the error code the question names in a heading or a list item (a code reference)."""
    asked = _codes(question)
    return bool(asked) and any(
        asked & _codes(p.heading or "")
        or any(asked & _codes(u) for u in _units(p.content) if _NUMBERED.match(u) or _BULLET.match(u))
        for p in passages
    )


def _core(question: str, passages: list[Passage], embedder: Embedder, need: Need) -> Composed:
    """The part of the answer that serves the need: the section that resolves, or the best-answering sentences."""
    headed = len({p.heading for p in passages if p.heading}) >= 2
    if need in ("fix", "steps") and not headed and sum(len(p.content) for p in passages) <= SHORT_ARTICLE:
        # a short article without sections is the whole resolution of a how-to or a problem
        return Composed(
            _join([u for p in passages for u in _units(p.content)]),
            need,
            [p.section for p in passages],
            [p.content for p in passages],
        )
    wanted = _WANTED.get(need, ())
    chosen = _best_section(passages, wanted, question)
    if chosen is None and headed:  # the section holding the sentence that best gives the rule or figure
        chosen = _answering_section(passages, _FOR_FACTS[need], question, embedder, need)
    if chosen is not None:
        body = _give(chosen, question, embedder, need)
        parts, used = [body], [chosen]
        if need == "fix" and chosen.section == "fix":
            cause = next((p for p in passages if p.section == "cause"), None)
            if cause is not None:
                first = _units(cause.content)[0]
                if not _restates(first, question):
                    parts.append(first)
                    used.append(cause)
        elif need == "cause":
            fix = _best_section(passages, ("fix", "steps"), question)
            if fix is not None:
                parts.append(_give(fix, question, embedder, "fix"))
                used.append(fix)
        return Composed("\n\n".join(parts), need, [p.section for p in used], [p.content for p in used])
    return _from_sentences(question, passages, embedder, need)


def _extend(question: str, passages: list[Passage], core: Composed, embedder: Embedder) -> Composed:
    """The core answer completed from the rest of the article: for a question in several parts ("how fast ... and
    what does it cost?") the unit that best answers each part the core leaves out, then the next best-answering units
    while the answer stays under ANSWER_CHARS (a one-sentence answer often misses the condition, figure or step that
    resolves), each short list an addition is an item of given whole with its lead (up to LIST_SLACK over); symptoms,
    restatements and a lead line without its list ("... one of the following codes:") are never added; a question asking
    for the words to write or say ("what do I write on the back of a check?") gets the best unit quoting some when the
    answer quotes none. The additions follow the core in article order."""
    said = core.text.replace("**", "")
    pool: dict[str, tuple[str, str, Passage]] = {}  # plain text -> (unit, its context, its passage), in order
    for p in passages:
        if p.section == "symptom":
            continue
        for u, c in _in_context(p):
            if _plain(u) not in said and _plain(u) not in pool and _bonus(u, question, core.need) > -1:
                pool[_plain(u)] = (u, c, p)
    if not pool:
        return core
    units, contexts, owners = zip(*pool.values())
    size = len(core.text)
    if size + sum(map(len, units)) <= ANSWER_CHARS:  # a short article is the whole answer
        added = set(range(len(units)))
    else:
        added = set()
    named = _named_leads(question, list(contexts))  # a part is read as the whole question names its list
    for part in _parts(question) if not added else []:
        scores = _scores(part, list(units), [""] * len(units), embedder, question_need(part))
        scores = [x + (LEAD_FIT if c in named else 0.0) for x, c in zip(scores, contexts)]
        best = max(range(len(units)), key=scores.__getitem__)
        if scores[best] >= PART_FLOOR and not _covers(core.text, part, embedder):
            added.add(best)
            size += len(units[best])
    scores = _scores(question, list(units), list(contexts), embedder, core.need) if len(added) < len(units) else []
    ceiling = max(scores, default=0.0)
    for i in sorted(range(len(scores)), key=lambda k: -scores[k]):
        if scores[i] < ceiling - EXTEND_MARGIN or size >= ANSWER_CHARS:
            break
        if i not in added and size + len(units[i]) <= ANSWER_CHARS:
            added.add(i)
            size += len(units[i])
    for i in sorted(
        added
    ):  # a short list one of whose items is added goes whole, with its lead (its rules go together)
        rest = [j for j in _short_list(list(units), i) if owners[j] is owners[i] and j not in added]
        if size + sum(len(units[j]) for j in rest) <= ANSWER_CHARS + LIST_SLACK:
            added.update(rest)
            size += sum(len(units[j]) for j in rest)
    added -= {i for i in added if _plain(units[i]).rstrip().endswith(":") and i + 1 not in added}  # a lead, no list
    for i in _spelled_out(" ".join([core.text, *(units[j] for j in added)]), list(units)):
        if i not in added and size + len(units[i]) <= ANSWER_CHARS + LIST_SLACK:
            added.add(i)
            size += len(units[i])
    if _WORDING.search(question) and not _SPELLS.search(" ".join([core.text, *(units[j] for j in added)])):
        quoting = [i for i in range(len(units)) if _SPELLS.search(units[i]) and i not in added]
        if quoting:  # the words to write, asked for and not yet given: the best-answering unit quoting some
            wording = _scores(
                question, [units[i] for i in quoting], [contexts[i] for i in quoting], embedder, core.need
            )
            best = quoting[max(range(len(quoting)), key=wording.__getitem__)]
            if size + len(units[best]) <= ANSWER_CHARS + LIST_SLACK:
                added.add(best)
                size += len(units[best])
    if not added:
        return core
    extra = [units[i] for i in sorted(added)]
    used = [owners[i] for i in sorted(added)]
    return Composed(
        f"{core.text}\n\n{_join(extra)}" if core.text else _join(extra),
        core.need,
        list(dict.fromkeys([*core.sections, *(p.section for p in used)])),
        list(dict.fromkeys([*core.evidence, *(p.content for p in used)])),
    )


def _spelled_out(answer: str, units: list[str]) -> list[int]:
    """The units that spell out what an answer refers to without saying it ("include the required restrictive
    wording"): a unit quoting it, or giving it as an example, that names the same thing ("Include any required
    restrictive endorsement (for example, "For mobile deposit only")"). A reader told to use "the required wording"
    needs the wording."""
    found = []
    for m in _UNSAID.finditer(_plain(answer)):
        named = _stems(m.group(1))
        found += [
            i for i, u in enumerate(units) if _SPELLS.search(u) and named & _stems(u) and _plain(u) not in answer
        ][:1]
    return list(dict.fromkeys(found))


def _parts(question: str) -> list[str]:
    """A question's parts when it asks several things ("how fast do they arrive and what does instant cost?")."""
    pieces = [p.strip() for p in _PART.split(question) if p and p.strip()]
    return [p for p in pieces if len(_content(p)) >= 2] if len(pieces) > 1 else []


def _covers(text_: str, part: str, embedder: Embedder) -> bool:
    """Whether an answer already holds a sentence close to a part of the question."""
    sentences = [_plain(u) for u in _units(text_)]
    return bool(sentences) and max(_similarities(embedder, part, sentences)) >= PART_COVERED


def _codes(text_: str) -> set[str]:
    """Error codes named in a text, normalised: "SYNC-502", or the number of "error 903" / "code 05"."""
    return {(m.group(1) or m.group(0)).upper() for m in _CODES.finditer(text_)}


def _coded(question: str, passages: list[Passage]) -> tuple[str, Passage] | None:
    """In an article listing several error codes, the list item of the code the question names (with its details)."""
    asked = _codes(question)
    if not asked:
        return None
    items = [(u, p) for p in passages for u in _units(p.content) if _NUMBERED.match(u) or _BULLET.match(u)]
    if len({c for u, _ in items for c in _codes(u)}) < 2:
        return None
    return next(((u, p) for u, p in items if asked & _codes(u)), None)


def _best_section(passages: list[Passage], wanted: tuple[str, ...], question: str) -> Passage | None:
    """The passage of a wanted role that fits the question best: its similarity, the first wanted role, a numbered
    list for steps, and the words its heading shares with the question ("Unblocking a user" for "unblock")."""
    candidates = [p for p in passages if p.section in wanted]
    if not candidates:
        return None
    asked = _stems(question)

    def fit(p: Passage) -> float:
        listed = sum(bool(_NUMBERED.match(line)) for line in p.content.splitlines()) >= 2
        shared = len(asked & _stems(p.heading or "")) if p.heading else 0
        return (
            p.similarity
            + (0.05 if p.section == wanted[0] else 0.0)
            + (0.08 if listed and wanted[0] == "steps" else 0.0)
            + HEADING_WORD * min(shared, 2)
        )

    return max(candidates, key=fit)


def _answering_section(
    passages: list[Passage], roles: tuple[str, ...], question: str, embedder: Embedder, need: Need
) -> Passage | None:
    """The passage of one of `roles` holding the sentence that answers best (similarity plus what the need looks for)."""
    pool = [(u, c, p) for p in passages if p.section in roles for u, c in _in_context(p)]
    if not pool:
        return None
    units = [u for u, _, _ in pool]
    scores = _scores(question, units, [c for _, c, _ in pool], embedder, need)
    return pool[max(range(len(pool)), key=scores.__getitem__)][2]


def _stems(text_: str) -> set[str]:
    """Content words with common endings cut ("unblocking" -> "unblock", "fees" -> "fee"), a period's adjective
    as its noun ("daily" -> "day", "monthly" -> "month")."""
    return {PERIOD_NOUNS.get(w, re.sub(r"(?<=\w{3})(?:ing|ed|es|s)$", "", w)) for w in _content(text_)}


def _give(passage: Passage, question: str, embedder: Embedder, need: Need) -> str:
    """A chosen passage: whole when it is short or a list of steps, else its best sentences."""
    units = _units(passage.content)
    listed = [u for u in units if _NUMBERED.match(u) or _BULLET.match(u)]
    if len(passage.content) <= SHORT_PASSAGE or (listed and len(listed) >= len(units) - 1 and len(listed) <= 12):
        return _join(units)
    return _join(_pick(question, units, embedder, need, keep=3, contexts=[c for _, c in _in_context(passage)]))


def _from_sentences(question: str, passages: list[Passage], embedder: Embedder, need: Need) -> Composed:
    """The article's sentences that best answer, in article order (symptoms and restatements left out)."""
    pool = [(u, c, p) for p in passages if p.section != "symptom" for u, c in _in_context(p)]
    if not pool:
        pool = [(u, c, p) for p in passages for u, c in _in_context(p)]
    picked = _pick(
        question,
        [u for u, _, _ in pool],
        embedder,
        need,
        keep=3 if need in ("fix", "steps") else 2,
        contexts=[c for _, c, _ in pool],
    )
    used = [p for u, _, p in pool if u in picked]
    return Composed(
        _join(picked), need, list(dict.fromkeys(p.section for p in used)), list(dict.fromkeys(p.content for p in used))
    )


def _pick(
    question: str, units: list[str], embedder: Embedder, need: Need, *, keep: int, contexts: list[str] | None = None
) -> list[str]:
    """Up to `keep` units close to the best-answering one, in their original order, with what they lean on: the
    sentence before one that starts "This..."/"For example...", the list after one that ends with a colon, and for
    a rule, fact or cause the rest of a short list one of them is an item of."""
    if not units:
        return []
    scores = _scores(question, units, contexts or [""] * len(units), embedder, need)
    order = sorted(range(len(units)), key=lambda i: -scores[i])
    best = scores[order[0]]
    chosen = {i for i in order[:keep] if scores[i] >= best - 0.08}
    if need in ("rule", "fact", "cause"):
        chosen |= {j for i in chosen for j in _short_list(units, i)}
    for i in sorted(chosen):
        if i > 0 and _ANAPHORA.match(_plain(units[i])):
            chosen.add(i - 1)
        if _plain(units[i]).rstrip().endswith(":"):
            j = i + 1
            while j < len(units) and (_NUMBERED.match(units[j]) or _BULLET.match(units[j])) and j - i <= 8:
                chosen.add(j)
                j += 1
    return [units[i] for i in sorted(chosen)]


def stands_out(scores: Sequence[float]) -> bool:
    """Whether the best of retrieved articles' scores (best first, under the relevance floor) is still an answer: a
    paraphrase in other words than its article scores low but well clear of the rest, while a question no article
    answers scores about as low on several articles at once."""
    return bool(scores) and scores[0] >= STANDOUT_FLOOR and (len(scores) < 2 or scores[1] < STANDOUT_RATIO * scores[0])


def outline_stands_out(scores: Sequence[float], outlines: Sequence[float]) -> int | None:
    """Which retrieved article (`scores` and `outlines` in retrieval order, all under the relevance floor) is still an
    answer because its outline (its title, or its title with a section heading: `outline_similarities`) is closer to
    the question than every other retrieved article's by OUTLINE_MARGIN, whatever its rank: a reader scanning the
    titles and headings would open it ("can I make two-factor mandatory for my whole team?": "Turn on two-factor
    authentication. Enforce for everyone"; "how do I send one email to a lawyer without the open tracking thing on
    it?": "Email tracking and open rates"), where its passages, in other words than the question, score low. None when
    no outline stands out so, or the one that does scores under STANDOUT_FLOOR."""
    if len(outlines) < 2:
        return None
    best = max(range(len(outlines)), key=outlines.__getitem__)
    clear = outlines[best] - max(o for i, o in enumerate(outlines) if i != best) >= OUTLINE_MARGIN
    return best if clear and scores[best] >= STANDOUT_FLOOR else None


def _short_list(units: list[str], i: int) -> list[int]:
    """The whole list that unit `i` is an item of, with the line leading into it, when it has at most SHORT_LIST items
    (a rule's conditions go together); nothing for a unit outside a list or in a long one."""

    def item(k: int) -> bool:
        return 0 <= k < len(units) and bool(_NUMBERED.match(units[k]) or _BULLET.match(units[k]))

    if not item(i):
        return []
    first, last = i, i
    while item(first - 1):
        first -= 1
    while item(last + 1):
        last += 1
    if last - first + 1 > SHORT_LIST:
        return []
    lead = [first - 1] if first > 0 and _plain(units[first - 1]).rstrip().endswith(":") else []
    return lead + list(range(first, last + 1))


def contenders(candidates: Sequence[tuple[uuid.UUID, str, float]], *, margin: float = PICK_MARGIN) -> list[uuid.UUID]:
    """The retrieved articles `(id, title, score)` (best first) that compete for the answer: within `margin` of the best."""
    top = candidates[0][2]
    return [c[0] for c in candidates[:PICK_POOL] if c[2] >= top - margin]


def other_bracket(question: str, titles: Sequence[str]) -> list[tuple[int, int]]:
    """Pairs `(i, j)` of titles naming one thing told apart by a qualifier in brackets ("Green Account (checking)",
    "Green Account (savings)") where the question names title j's qualifier and not title i's ("my Green savings
    account"): title i is about the other one. An audience mark ("(Internal)") is no qualifier."""
    asked = _stems(question)
    split = []
    for title in titles:
        m = _BRACKET.search(title)
        qualifier = _stems(m.group(1)) if m and not _INTERNAL_TITLE.search(m.group(0)) else set()
        named = _stems(title[: m.start()].rsplit(":", 1)[-1]) if m and qualifier else set()  # what it qualifies
        split.append((named, qualifier))
    return [
        (i, j)
        for i, (head, own) in enumerate(split)
        for j, (other_head, other) in enumerate(split)
        if own and other and i != j and head == other_head and other != own and other <= asked and not own & asked
    ]


def name_phrases(question: str) -> list[str]:
    """The names of two or more words a question writes (`search.names` side by side: "Blue Account", "Gold Plus
    Saver"), without those it rules out ("(not Silver Plus)")."""
    kept = _NOT.sub(" ", question)
    named = set(names(kept))
    runs: list[str] = []
    run: list[str] = []
    end = -1
    for m in _NAME_WORD.finditer(kept):
        word = m.group(0)
        if word in named and run and kept[end : m.start()] == " ":
            run.append(word)
        else:
            runs += [" ".join(run)] if len(run) >= 2 else []
            # a name opening a sentence ("Gold Plus Saver - how many ..."): its first word is capitalised like any
            run = [word] if word in named or (word[0].isupper() and word.lower() not in _STOP) else []
        end = m.end()
    runs += [" ".join(run)] if len(run) >= 2 else []
    return list(dict.fromkeys(r for r in runs if sum(w in named for w in r.split()) >= len(r.split()) - 1))


def names_other(name: str, text_: str) -> bool:
    """Whether a text never writes a name whole (any case; not as the end of a longer one: "Light Blue Account" is no
    "Blue Account") but writes a sibling: another name sharing one of its words but the last ("Navy Blue", "True Blue"
    for "Blue Account"). Such an article is about the sibling products, not the one asked about."""
    for m in re.finditer(rf"(?<![\w-]){re.escape(name)}(?![\w-])", text_, re.IGNORECASE):
        if not _IN_LONGER_NAME.search(text_[: m.start()]):
            return False
    words = name.split()[:-1]
    return any(re.search(rf"\b[A-Z][\w'-]* {re.escape(w)}\b|\b{re.escape(w)} [A-Z][\w'-]*", text_) for w in words)


def negated(question: str) -> set[str]:
    """The words a question rules out ("(not Silver Plus)", "not the business card", "has no checking account") that
    it does not also use elsewhere: "not the business card" rules out "business", not "card"."""
    spans = [m.group(1) or m.group(2) or m.group(3) for m in _NOT.finditer(question)]
    return _stems(" ".join(spans)) - _stems(_NOT.sub(" ", question)) if spans else set()


def pick_article(
    question: str,
    candidates: Sequence[tuple[uuid.UUID, str, float]],
    embedder: Embedder,
    *,
    margin: float = PICK_MARGIN,
    staff: bool = False,
    common: Collection[str] = (),
    openings: Mapping[uuid.UUID, float] | None = None,
    named: Mapping[uuid.UUID, int] | None = None,
    roles: Mapping[uuid.UUID, Collection[str]] | None = None,
) -> uuid.UUID:
    """Among retrieved articles `(id, title, score)` (best first), the one to answer from: retrieval's score plus
    how well the title matches the question and how close the article's opening passage is to it (`openings`, by
    article: what the article is about, read past its short title; 0 for an article without one), and a title of the
    question's kind (a problem's troubleshooting article, a how-to's "How do I ..."); for staff, an internal runbook
    over the public article on the same topic. Near-duplicate articles are told apart by their titles: a title loses
    a little for each word it adds over a sibling's (one sharing a word with it) that the question does not use ("Lime
    Green Account: Mobile Deposits" next to "Depositing a Check" for a question naming no account), and more for each
    word the question rules out ("Business ..." for "my Silver Rewards card (personal one, not the business card)"),
    and most for a qualifier in brackets when the question names a sibling's ("FAQ: Green Account (checking)" for "my
    Green savings account", next to "Green Account (savings): ...": `other_bracket`). An article writing siblings of a
    name the question writes and never the name itself (`named`, by article: how many such names; "Navy Blue" and
    "True Blue" in the business closing runbook, for "a Blue Account") is about the siblings and loses a little.
    For a how-to, an article holding steps or a fix (`roles`, by article: its sections' roles) is what a reader
    opens among look-alikes, and gains a little over one holding only limits or an overview ("how do I stop the
    monthly money I send my nephew ...": "How do I stop a recurring payment?", whose steps say Cancel, over "How do I
    remove spending limits on my teen's account?", which lists limits). The `common` words (the knowledge base's own
    name) are left out of the question and the titles when they are compared."""
    ids = set(contenders(candidates, margin=margin))
    close = [c for c in candidates if c[0] in ids]
    if len(close) == 1:
        return close[0][0]
    need = question_need(question)
    titles = embed_cached(embedder, [_without(text_, common) for text_ in (question, *(t for _, t, _ in close))])
    ruled_out = negated(question)
    asked = _stems(question) - ruled_out
    words = [_stems(_UNQUALIFIED.sub("", title)) for _, title, _ in close]
    told = []  # a near-duplicate (a title sharing words with another's) qualified by words the question does not use
    for i, w in enumerate(words):
        extra = [len(w - v - asked) for j, v in enumerate(words) if j != i and w & v]
        told.append((-TITLE_EXTRA * min([EXTRA_CAP, *extra]) if extra else 0.0) - RULED_OUT * len(w & ruled_out))
    for i in {i for i, _ in other_bracket(question, [t for _, t, _ in close])}:
        told[i] -= OTHER_QUALIFIER  # "Green Account (checking)" when the question names the "(savings)" one

    def rank(i: int) -> float:
        _, title, score = close[i]
        kind = 0.0
        if need in ("fix", "cause") and _TROUBLE.search(title):
            kind = KIND_FIT
        elif need == "steps" and _HOWTO_TITLE.search(title):
            kind = KIND_FIT / 2
        if _INTERNAL_TITLE.search(title):  # a runbook answers staff, and a customer only when nothing else does
            kind += STAFF_FIT if staff else -STAFF_FIT / 2
        if need == "steps" and set((roles or {}).get(close[i][0], ())) & set(_WANTED["steps"]):
            kind += STEPS_FIT
        opening = OPENING_WEIGHT * (openings or {}).get(close[i][0], 0.0)
        other = OTHER_NAME * (named or {}).get(close[i][0], 0)
        return score + TITLE_WEIGHT * float(titles[i + 1] @ titles[0]) + opening + kind + told[i] - other

    return close[max(range(len(close)), key=rank)][0]


async def _answering(
    session: AsyncSession,
    question: str,
    candidates: Sequence[tuple[uuid.UUID, str, float]],
    vector: Sequence[float],
) -> Sequence[tuple[uuid.UUID, str, float]]:
    """The retrieved articles `(id, title, score)` without the competing ones that cannot say what is asked when
    another competing one can: those never naming a period the question qualifies what it asks with ("the daily
    sending limit": a day; "Sending limits - per day and month" over "How do I increase my sending limit?"), or an age
    it names a group of people by ("the checking for over-62s"); and for steps or a rule asked with a value ("How do
    I get it raised, and how long does that take?"), those stating no value of the kind asked (a fact question's
    article is checked when the answer is composed: it answers, or nothing does). All of them when none or all can."""
    valued = bool(asked_kinds(question)) and question_need(question) != "fact"
    if not valued and not asked_periods(question) and not asked_ages(question):
        return candidates
    ids = contenders(candidates)
    titles = {article: title for article, title, _ in candidates}
    said = {a: f"{titles[a]}\n{_said(await article_passages(session, a, vector))}" for a in ids}
    silent = {
        a
        for a, t in said.items()
        if not (names_periods(question, t) and names_ages(question, t)) or (valued and not states_asked(question, t))
    }
    return [c for c in candidates if c[0] not in silent] if silent and len(silent) < len(ids) else candidates


def _without(text_: str, words: Collection[str]) -> str:
    """A text without the given words (case-insensitive)."""
    drop = {w.lower() for w in words}
    return (
        re.sub(r"[A-Za-z][\w'-]*", lambda m: "" if m.group(0).lower() in drop else m.group(0), text_) if drop else text_
    )


def referred(
    question: str, passages: list[Passage], others: Sequence[tuple[uuid.UUID, str]], embedder: Embedder
) -> uuid.UUID | None:
    """The article among `others` `(id, title)` that an article's sentence closest to the question, or the sentence
    right after it, sends the reader to by its title ('see "Import file too large (IMP-413)"', "refer to 'How can I
    close ...?'"): the answer is there. A reference follows the fact it is about ("One file may hold up to 50 MB.
    Larger files are refused with error IMP-413; see ...")."""
    units = [u for p in passages if p.section != "symptom" for u in _units(p.content)]
    if not units:
        return None
    scores = _similarities(embedder, question, units)
    best = max(range(len(units)), key=scores.__getitem__)
    for sentence in units[best : best + 2]:
        for quoted in _REFERENCE.findall(sentence):
            for article, title in others:
                if quoted.strip().rstrip(".").lower() == title.strip().rstrip(".").lower():
                    return article
    return None


def best_sentence(question: str, passages: list[Passage], embedder: Embedder) -> tuple[float, str]:
    """The sentence or list item of an article closest to the question (symptoms left out), with its cosine; (0, "")
    without passages."""
    units = [u for p in passages if p.section != "symptom" for u in _units(p.content)]
    if not units:
        return 0.0, ""
    scores = _similarities(embedder, question, units)
    i = max(range(len(units)), key=scores.__getitem__)
    return scores[i], units[i]


def _in_context(passage: Passage) -> list[tuple[str, str]]:
    """A passage's units, each with what frames it: the section heading, and for a list item the line that leads
    into the list ("Federal law ... depends on timely reporting:")."""
    framed, lead = [], ""
    for unit in _units(passage.content):
        if _NUMBERED.match(unit) or _BULLET.match(unit):
            framed.append((unit, " ".join(x for x in (passage.heading or "", lead) if x)))
            continue
        lead = unit if _plain(unit).rstrip().endswith(":") else ""
        framed.append((unit, passage.heading or ""))
    return framed


def _scores(question: str, units: list[str], contexts: list[str], embedder: Embedder, need: Need) -> list[float]:
    """How well each unit answers: its similarity to the question (half of it read in its context, so a list item
    under "Funds availability" is about availability) and what the need looks for; a fact question's units that
    do not state the figure or attribute asked for are held back when another unit states it, and a unit stating the
    dollar amount the question quotes ("we got charged $25") is about what the customer saw."""
    plain = _similarities(embedder, question, units)
    framed = [f"{c}: {_plain(u)}" if c else u for u, c in zip(units, contexts)]
    in_context = _similarities(embedder, question, framed) if any(contexts) else plain
    states = [_states_asked(u, question) if need == "fact" else None for u in units]
    off = UNASKED if any(states) else 0.0  # when some unit states what is asked, the others cannot answer
    named = _named_leads(question, contexts)
    quoted = _amounts(question)
    return [
        (a + b) / 2
        + _bonus(u, question, need)
        - (off if said is False else 0.0)
        + (LEAD_FIT if c in named else 0.0)
        + (QUOTED if quoted & _amounts(u) else 0.0)
        for u, c, a, b, said in zip(units, contexts, plain, in_context, states)
    ]


def _amounts(text_: str) -> set[float]:
    """The dollar amounts a text states ("$25" and "$25.00" are one)."""
    return {float(m.replace(",", "")) for m in _DOLLARS.findall(text_)}


def _named_leads(question: str, contexts: list[str]) -> set[str]:
    """The lead lines of sibling lists ("ENTRY TIER:", "MID TIER:") whose own words the question uses ("an entry-tier
    account"): the list about what the question names answers, not its sibling about another tier, card or plan."""
    words = {c: _bare_stems(c) for c in contexts if c.rstrip().endswith(":")}
    asked = _bare_stems(question)
    named: set[str] = set()
    unnamed: set[str] = set()
    for lead, own in words.items():
        siblings = [w for other, w in words.items() if other != lead and own & w]
        if siblings:
            (named if own.difference(*siblings) & asked else unnamed).add(lead)
    return named if unnamed else set()


def _bare_stems(text_: str) -> set[str]:
    """`_stems` of a text's words split at hyphens too ("entry-tier" -> "entry", "tier")."""
    return _stems(re.sub(r"[-/]", " ", text_))


def _has_figure(unit: str) -> bool:
    return bool(_DIGIT.search(_IDENTIFIER.sub("", _PHONE.sub("", _plain(unit)))))


def _states_asked(unit: str, question: str) -> bool | None:
    """Whether the unit states what the question asks for (a figure, or the fee, limit or rate it names: "free",
    "up to"); None when it asks for none of these."""
    asks = [said for ask, said in _ATTRIBUTES if ask.search(question)]
    if not asks and not _ASKS_AMOUNT.search(question):
        return None
    return _has_figure(unit) or any(said.search(unit) for said in asks)


def _bonus(unit: str, question: str, need: Need) -> float:
    if _restates(unit, question) or _SCOPE.match(_plain(unit)):  # a restatement, or what the article is for
        return -1.0
    bonus = 0.0
    if need == "fact" and _has_figure(unit):
        bonus += 0.08
    if need == "fact" and _ASKS_TIME.search(question) and _TIME.search(unit):
        bonus += 0.06
    if need in ("rule", "fact") and _CONDITION.search(unit):
        bonus += 0.04
    if need in ("fix", "steps") and IMPERATIVE.match(unit):
        bonus += 0.06
    if need in ("fix", "steps") and _UI.search(unit):
        bonus += 0.06
    if need in ("fix", "steps", "rule") and _tells_case(unit, question):
        bonus += CASE_FIT
    return bonus


def _tells_case(unit: str, question: str) -> bool:
    """Whether a unit is an instruction for a case ("If customer only wants to block one merchant, advise them to
    cancel directly with that merchant") that the question tells in its own words ("she wants only that one gym
    blocked"): most of the case's content words, three or more, are the question's. A reader looks for the line
    about their situation, which embeddings rank below the general procedure ("only one" weighs little in a vector)."""
    m = _IF_CASE.match(_plain(unit))
    case = _stems(m.group(1)) if m else set()
    return len(case) >= 3 and len(case & _stems(question)) >= CASE_SHARE * len(case)


def _restates(unit: str, question: str) -> bool:
    """The unit says nothing the question did not (nearly all its content words are the question's)."""
    words = _content(unit)
    return bool(words) and len(words & _content(question)) >= 0.8 * len(words)


def _content(text_: str) -> set[str]:
    return {w.lower().rstrip(".,") for w in _WORD.findall(text_) if w.lower() not in _STOP and len(w) > 2}


def _units(content: str) -> list[str]:
    """Sentences and list items that state something: those giving a value as missing ("[value not available]") left
    out."""
    return [u for u in _all_units(content) if not _PLACEHOLDER.search(u)]


def _all_units(content: str) -> list[str]:
    """Sentences and list items (a table row becomes "cell: cell"); headings and separators dropped. A nested
    list item belongs to the item above it ("- Verified accounts: Daily: $3,500; Monthly: $35,000"), and the items
    nested under a lettered sub-step belong to it ("a. **Check Authorization Holds**: ..." and its "- These holds
    typically release in 1-3 business days": the step's detail is what resolves)."""
    units: list[str] = []
    parent_indent: int | None = None  # indentation of the last top-level list item, while its children follow
    for raw in content.splitlines():
        line = raw.strip()
        if not line or line.startswith("#") or re.fullmatch(r"[|\s:-]+", line):
            continue
        if line.startswith("|"):
            cells = [c.strip() for c in line.strip("|").split("|") if c.strip()]
            if len(cells) >= 2:
                units.append(f"- {cells[0]}: {', '.join(cells[1:])}")
            parent_indent = None
            continue
        if _NUMBERED.match(line) or _BULLET.match(line):
            indent = len(raw) - len(raw.lstrip())
            if parent_indent is not None and indent > parent_indent:
                units[-1] = _attach(units[-1], _plain(line))
            else:
                units.append(line)
                parent_indent = indent
            continue
        if _LETTERED.match(line):  # a lettered sub-step ("a. **Check holds**: ...") holds the items nested under it
            units.append(line)
            parent_indent = len(raw) - len(raw.lstrip())
            continue
        parent_indent = None
        units += [s.strip() for s in re.split(r"(?<=[.!?])\s+(?=[A-Z\"(*])", line) if s.strip()]
    return units


def _attach(parent: str, child: str) -> str:
    """A nested item joined to its parent: after a colon, else after "; " or a sentence's end."""
    if parent.endswith(":"):
        return f"{parent} {child}"
    if parent.endswith((".", "!", "?")):
        return f"{parent} {child}"
    return f"{parent}; {child}" if ": " in parent.split(" ", 1)[-1] else f"{parent}: {child}"


def _join(units: list[str]) -> str:
    """List items one per line, prose as a paragraph, in order."""
    out: list[str] = []
    for unit in units:
        is_item = bool(_NUMBERED.match(unit) or _BULLET.match(unit))
        if (
            out
            and not is_item
            and not (_NUMBERED.match(out[-1].splitlines()[-1]) or _BULLET.match(out[-1].splitlines()[-1]))
        ):
            out[-1] = f"{out[-1]} {unit}"
        elif out and is_item:
            out[-1] = f"{out[-1]}\n{unit}"
        else:
            out.append(unit)
    return "\n".join(out)


def _similarities(embedder: Embedder, question: str, units: list[str]) -> list[float]:
    vectors = embed_cached(embedder, [question, *(_plain(u) for u in units)])
    return [float(x) for x in vectors[1:] @ vectors[0]]


def _plain(unit: str) -> str:
    return re.sub(r"^\s*(?:\d+[.)]|[-*])\s+", "", unit).replace("**", "")


# -- faithfulness -----------------------------------------------------------------------------------------

_MARKERS = re.compile(r"\s?\[\d{1,2}\]")
_SPLIT = re.compile(r"(?<=[.!?])\s+(?=[A-Z\"(*])")


def faithful(
    answer: str,
    evidence: Sequence[str],
    embedder: Embedder,
    *,
    floor: float = SUPPORT_FLOOR,
    keep_prefixes: tuple[str, ...] = ("See also",),
) -> str:
    """`answer` without the sentences that no evidence passage supports (best sentence cosine below `floor`).

    A sentence copied from a passage scores 1; a faithful paraphrase stays well above the floor; a
    sentence about something else falls under it. Lines starting with `keep_prefixes` (navigation) stay.
    """
    support = [_plain(u) for passage in evidence for u in _units(passage)]
    if not support or not answer.strip():
        return answer
    lines: list[
        tuple[str | None, str, list[str], list[str]]
    ] = []  # (kept as is, list lead, sentences, their plain text) per line
    for line in answer.splitlines():
        if not line.strip() or line.strip().startswith(keep_prefixes):
            lines.append((line, "", [], []))
            continue
        lead = re.match(r"^\s*(?:\d+[.)]|[-*])\s+", line)
        sentences = [s for s in _SPLIT.split(line[lead.end() :] if lead else line) if s.strip()]
        lines.append(
            (
                None,
                lead.group(0) if lead else "",
                sentences,
                [_MARKERS.sub("", s).replace("**", "").strip() for s in sentences],
            )
        )
    verbatim = " ".join(support)
    unsure = list(dict.fromkeys(p for *_, plain in lines for p in plain if p and p not in verbatim))
    supported = set()
    if unsure:  # sentences copied from a passage score 1 without asking the model
        vectors = embed_cached(embedder, [*unsure, *support])
        scores = (vectors[: len(unsure)] @ vectors[len(unsure) :].T).max(axis=1)
        supported = {p for p, score in zip(unsure, scores) if score >= floor}
    kept_lines = []
    for whole, prefix, sentences, plain in lines:
        if whole is not None:
            kept_lines.append(whole)
            continue
        kept = [s for s, p in zip(sentences, plain) if not p or p in verbatim or p in supported]
        if kept:
            kept_lines.append(prefix + " ".join(s.strip() for s in kept))
    return re.sub(r"\n{3,}", "\n\n", "\n".join(kept_lines)).strip()


async def answer_from(session: AsyncSession, embedder: Embedder, question: str, article_id: uuid.UUID) -> Composed:
    """Compose the answer to `question` from the article `article_id` (its passages read in full); the embedding
    runs in worker threads, off the event loop."""
    vector = (await asyncio.to_thread(embed_cached, embedder, [question]))[0]
    passages = await article_passages(session, article_id, vector)
    return await asyncio.to_thread(compose, question, passages, embedder)


async def _closer_runbook(
    session: AsyncSession,
    embedder: Embedder,
    question: str,
    vector: Sequence[float],
    picked: tuple[uuid.UUID, list[Passage]],
    runbooks: Sequence[uuid.UUID],
) -> tuple[uuid.UUID, list[Passage]]:
    """For staff, the retrieved runbook (if any) one of whose sentences is at least as close to the question as the
    picked public article's closest: a short runbook scores low as a whole, yet its one rule is what staff asked for
    ("a caller ... asks me to reset their two-factor over the phone, is that ok?": "Never read out recovery codes or
    reset two-factor over the phone", over the public two-factor set-up). Else the picked article."""
    best, _ = await asyncio.to_thread(best_sentence, question, picked[1], embedder)
    for article in runbooks:
        passages = await article_passages(session, article, vector)
        score, _ = await asyncio.to_thread(best_sentence, question, passages, embedder)
        if score >= best:
            picked, best = (article, passages), score
    return picked


async def choose_article(
    session: AsyncSession,
    embedder: Embedder,
    question: str,
    candidates: Sequence[tuple[uuid.UUID, str, float]],
    *,
    staff: bool = False,
    referable: Sequence[tuple[uuid.UUID, str]] = (),
    common: Collection[str] = (),
) -> uuid.UUID:
    """`pick_article` over retrieved articles `(id, title, score)` that can say what is asked (`_answering`) and their
    opening passages (or the first of them listing the error code the question names, when the picked one does not),
    or the article its sentence closest to the question sends the reader to (`referred`), among the competing ones and
    the `referable` ones (retrieved under the relevance floor); `common` are the words naming the knowledge base
    itself (`store.knowledge.search.own_names`); a competing article's title and text are read for the names the
    question writes (`name_phrases`, `names_other`), and for a how-to its sections' roles; for staff, a retrieved
    runbook answers instead of the picked public article when one of its sentences is as close (`_closer_runbook`); the
    embedding runs in worker threads, off the event loop."""
    vector = (await asyncio.to_thread(embed_cached, embedder, [question]))[0]
    candidates = await _answering(session, question, candidates, vector)
    openings = await opening_similarities(
        session, contenders(candidates), vector, embedder=embedder, question=question, common=common
    )
    phrases = name_phrases(question)
    named = {}
    if phrases:  # how many of the names the question writes each competing article writes only siblings of
        titles = {article: title for article, title, _ in candidates}
        for article in contenders(candidates):
            said = f"{titles[article]}\n{_said(await article_passages(session, article, vector))}"
            named[article] = sum(names_other(name, said) for name in phrases)
    roles = {}
    if question_need(question) == "steps":  # what each competing article holds: steps, a fix, limits, an overview
        for article in contenders(candidates):
            roles[article] = {p.section for p in await article_passages(session, article, vector)}
    chosen = await asyncio.to_thread(
        pick_article,
        question,
        candidates,
        embedder,
        staff=staff,
        common=common,
        openings=openings,
        named=named,
        roles=roles,
    )
    passages = await article_passages(session, chosen, vector)
    titles = {article: title for article, title, _ in candidates} | dict(referable)
    if staff and not _INTERNAL_TITLE.search(titles[chosen]):
        runbooks = [a for a, title in titles.items() if _INTERNAL_TITLE.search(title)]
        chosen, passages = await _closer_runbook(session, embedder, question, vector, (chosen, passages), runbooks)
    if _codes(question) and not names_code(question, passages):  # the article listing the code the question names
        for article, _, _ in candidates[:PICK_POOL]:
            if article != chosen and names_code(question, found := await article_passages(session, article, vector)):
                chosen, passages = article, found
                break
    ids = set(contenders(candidates))
    others = [(article, title) for article, title, _ in candidates if article in ids and article != chosen]
    elsewhere = await asyncio.to_thread(referred, question, passages, [*others, *referable], embedder)
    return elsewhere or chosen
