"""The records our last answer listed, and the one a message points at among them: by words of its line ("the export
one", "the sarah johnson one") or by the most of something the lines show ("the biggest one", "the oldest one")."""

from __future__ import annotations

import calendar
import re
from dataclasses import dataclass

from assistant.offline.slots import MONTHS, ORDINALS, find_amount


@dataclass(frozen=True)
class Line:
    """One listed record: how a request names it ("ticket 1059", a deal's name, "the Follow up #16 task"), its line as
    shown, and its kind."""

    name: str
    text: str
    kind: str


# "the export one", "the webhook ticket", "the 120k one", "the one from liam dubois", "the one in negotiation": a record
# of the list we just showed, named by words of its line
_THE_WORDS_ONE = re.compile(
    r"(?:\bthe\s+(?:((?:[$a-z0-9][\w$.-]*\s+){0,2}[$a-z0-9][\w$.-]*)\s+(?:one|ticket|case|deal|task)"
    r"|one\s+(?:from|in|with|at|for|about|by|due|closing)\s+([a-z0-9][\w.-]*(?:\s+[a-z0-9][\w.-]*){0,4}?))"
    r"|^\W*the\s+([a-z0-9][\w.-]*(?:\s+[a-z0-9][\w.-]*)?)(?=\s*[-–—:]))"  # "the pilot - mark it won"
    r"(?=\s*(?:[-–—,:;.!?]|$|\s+(?:is|was|to|has|had|needs|should|will|closes|closing|got|slipped|moved"
    r"|urgent|high|low|medium|won|lost|closed|resolved|solved|done)\b))",  # "make the webhook one urgent"
    re.I,
)
# "the biggest one", "their oldest overdue one", "the most recent ticket": the record the most of something the lines show
# "the biggest one", "their oldest overdue one", "the most recent ticket", "move the biggest to proposal", "biggest one
# -> negotiation", "the one closing first": the record the most of something the lines show
_THE_MOST_ONE = re.compile(
    r"(?:\b(?:the|their|his|her|my|your)\s+|^\W*)(?P<most>biggest|largest|smallest|oldest|earliest|soonest|newest|latest"
    r"|top|highest|lowest|most\s+(?:recent|overdue|valuable))(?:\s+(?:open|overdue|urgent|pending|late))*"
    r"(?:\s+(?:one|ticket|deal|task|lead)\b|(?=\s*(?:to\b|->|→|[-–—,:])))"
    r"|\bthe\s+one\s+(?:closing|due|that\s+closes|that'?s\s+due)\s+(?P<when>first|soonest|next|last|latest)\b",
    re.I,
)
# "first one is done", "the 2nd task": a task of the list we just showed, by its place (other records by their place:
# `plan.core`)
_NTH_TASK = re.compile(
    r"(?:^\W*|\bthe\s+)(?P<nth>first|second|third|fourth|fifth|last|1st|2nd|3rd|4th|5th)\s+(?:one|task)\b", re.I
)
_WHEN_AFTER = re.compile(r"\s+(?:closing|due)\s+((?:in|on|by)\s+)?([a-z]+(?:\s+\d{1,2})?)\b", re.I)
_TICKET_LINE = re.compile(r"^- #(\d+) (.+)$", re.M)
_DEAL_LINE = re.compile(
    r"^- (?!#)([^:\n]+?): ((?:prospecting|qualification|proposal|negotiation|closed_\w+)\b.*)$", re.M
)
_LEAD_LINE = re.compile(r"^(- ([A-Z][^(:\n]*?)(?: \([^)\n]*\))?: [a-z_]+, score \d+)$", re.M)
_TASKS_TITLE = re.compile(r"^.*\bopen tasks\b[^\n]*:$", re.M)  # "Your open tasks overdue (4):"
_TASK_LINE = re.compile(
    r"^- (?P<title>.+?)(?: \(due (?P<due>\d{4}-\d\d-\d\d)\))?(?: \[[\w ]+\])?(?: \((?:high|urgent)\))?(?:: [^:\n]+)?$",
    re.M,
)
# A record view's inline lists: "Tickets: #1058 Invoice shows wrong amount (pending); #1059 ..." and "Deals: Northline
# Partners - Pilot 144 (proposal, $120K); ..."
_VIEW_LIST = re.compile(r"^(Tickets|Deals): (.+)$", re.M)
_NOT_POINTING = {"other", "same", "new", "last", "next", "right", "wrong", "that", "this", *ORDINALS}


def listed(answer: str) -> list[Line]:
    """The records our answer listed, one line each or inline in a view."""
    lines = [Line(f"ticket {n}", f"#{n} {line}", "ticket") for n, line in _TICKET_LINE.findall(answer)]
    lines += [Line(name, f"{name}: {rest}", "deal") for name, rest in _DEAL_LINE.findall(answer)]
    if _TASKS_TITLE.search(answer):
        for task in _TASK_LINE.finditer(answer):
            title = re.sub(r"\s*\([^()]*\)", "", task["title"])  # "Call Sarah Johnson (Acme Corp)": its words
            lines.append(Line(f"the {title} task", task[0][2:], "task"))
    lines += [Line(name, line[2:], "lead") for line, name in _LEAD_LINE.findall(answer)]
    for kind, items in _VIEW_LIST.findall(answer):
        for item in items.split("; "):
            if kind == "Tickets" and (ticket := re.match(r"#(\d+) ", item)):
                lines.append(Line(f"ticket {ticket[1]}", item, "ticket"))
            elif kind == "Deals" and (deal := re.match(r"(.+?) \(", item)):
                lines.append(Line(deal[1], item, "deal"))
    return lines


def line_pointed(text: str, answer: str) -> str:
    """`text` with the record it points at among our last answer's lines named: "the export one" -> "ticket 1059" (the
    one line holding every word; the start of a word is enough: "the finance one" of "... for the Finance team"), "the
    biggest one" -> the deal of the largest amount. Unchanged when no line or several fit."""
    lines = listed(answer)
    if not lines:
        return text
    if {line.kind for line in lines} == {"task"} and (nth := _NTH_TASK.search(text)):
        word = nth["nth"].lower()
        index = len(lines) if word == "last" else ORDINALS[word]
        return _named(text, nth, lines[index - 1]) if index <= len(lines) else text
    if most := _THE_MOST_ONE.search(text):
        said = most["most"] or ("latest" if most["when"].lower() in ("last", "latest") else "soonest")
        line = the_most(re.sub(r"\s+", " ", said.lower()), answer)
        return _named(text, most, line) if line else text
    said = _THE_WORDS_ONE.search(text)
    if said is None:
        return text
    when = _WHEN_AFTER.match(text, said.end())  # "the one in qualification closing in january": its month too
    when = when if when and when[2].split()[0].lower() in MONTHS else None
    described = f"{said[1] or said[2] or said[3]} {when[2] if when else ''}"
    words = [w for w in re.findall(r"[a-z0-9]+", described.lower()) if w not in ("the", "a", "in", "on", "by")]
    if not words or any(w in _NOT_POINTING for w in words):
        return text
    held = [
        line
        for line in lines
        if all(any(lw.startswith(w) or (len(lw) >= 4 and w.startswith(lw)) for lw in _line_words(line)) for w in words)
    ]
    if len(held) == 1:
        return _named(text, said, held[0])
    kinds = {line.kind for line in lines}
    if len(held) != 1 and said[1] and kinds in ({"task"}, {"ticket"}) and said[0].lower().endswith(" one"):
        # "push the ava baker one to friday" after a list of tasks: a task the words describe, of those or others
        # (several lines holding the words: asked among those the words describe)
        return text[: said.start()] + said[0][: -len("one")] + kinds.pop() + text[said.end() :]
    return text


def _line_words(line: Line) -> list[str]:
    """A line's words, and each two neighbours run together ("log in" is also "login", "set up" "setup"); a date's
    month by name and its day ("2028-01-10" is also "january" and "10": "the one closing in january")."""
    words = re.findall(r"[a-z0-9]+", line.text.lower())
    dates = re.findall(r"\b\d{4}-(\d\d)-(\d\d)\b", line.text)
    said = [w for month, day in dates for w in (calendar.month_name[int(month)].lower(), str(int(day)))]
    return words + said + [a + b for a, b in zip(words, words[1:])]


# what is done to the record pointed at first: "the oldest one - summarize it", "the brightfield one closes today - push
# it 2 weeks"
_THEN_IT = re.compile(
    r"[^-–—,:;]*[-–—,:;]\s*(?:(?:pls|please|and|then|so)\s+)?(?P<verb>[a-z]+)\s+it\b\s*(?P<rest>.*)$", re.I
)


def _named(text: str, pointer: re.Match[str], line: Line) -> str:
    """`text` with the record `pointer` points at named; a deal or task pointed at first, before what is done to "it",
    is said as the object of that verb ("the brightfield one closes today - push it 2 weeks" -> "push Brightfield
    Partners - Expansion 108 2 weeks"; a ticket's number is read anywhere: "ticket 1059 - make it high")."""
    if line.kind != "ticket" and pointer.start() == 0 and (then := _THEN_IT.match(text, pointer.end())):
        return f"{then['verb']} {line.name} {then['rest']}".strip()
    return text[: pointer.start()] + line.name + text[pointer.end() :]


# The words that ask for the most of something, and whether the largest value (or the earliest) is meant
_MOST_WORDS = {
    **dict.fromkeys(
        ("biggest", "largest", "highest", "top", "most valuable", "best", "more", "most", "bigger", "larger", "higher"),
        "top",
    ),
    **dict.fromkeys(("smallest", "cheapest", "lowest", "least", "worst", "smaller", "lower"), "bottom"),
    **dict.fromkeys(("oldest", "earliest", "soonest", "first", "most overdue", "next"), "first"),
    **dict.fromkeys(("newest", "latest", "most recent"), "last"),
}
# "which one's the biggest", "which closes first", "which has the best score", "who's got more", "the oldest one?"
_WHICH_MOST = re.compile(
    r"^\W*(?:and\s+|so\s+|ok\s+)?(?:(?:which|what|whose|who)(?:\s+(?:one|of\s+(?:those|these|them)|deal|lead|ticket|task|rep))?"
    r"(?:['’]s|\s+is|\s+are|\s+has|\s+have|\s+got|\s+(?:closes|closing|is\s+due|comes\s+due|due))?"
    r"(?:\s+got)?\s+(?:the\s+)?|the\s+)"
    r"(?P<most>biggest|largest|smallest|cheapest|highest|lowest|oldest|newest|latest|earliest|soonest|top|best|worst"
    r"|bigger|larger|higher|smaller|lower"
    r"|first|next|more|most(?:\s+(?:recent|overdue|valuable))?)"
    r"(?:\s+(?:one|deal|lead|ticket|task|score|amount|value|pipeline))?(?:\s+of\s+(?:them|those|these))?\W*$",
    re.I,
)


def asked_most(text: str) -> str | None:
    """The most a question asks for among the records just listed ("which one's the biggest": "biggest"), or None."""
    said = _WHICH_MOST.match(text)
    return re.sub(r"\s+", " ", said["most"].lower()) if said else None


def the_most(most: str, answer: str) -> Line | None:
    """The one record of our answer's list that is the most of what `most` says (`most_of`), None for a tie."""
    lines = most_of(most, answer)
    return lines[0] if len(lines) == 1 else None


def most_of(most: str, answer: str) -> list[Line]:
    """The records of our answer's list that are the most of what `most` says (`_MOST_WORDS`), several on a tie: a
    deal's amount or close date, a lead's score, a task's due date, a ticket's age (ticket lists are newest first unless
    their title says otherwise, and only a whole list has a last one), or the amount any other listed line carries ("-
    Carlos Diaz: 31 deals, $1.3M"); none for a list of mixed kinds or a measure the lines do not show."""
    end = _MOST_WORDS.get(most)
    lines = listed(answer) or [
        Line(line.split(":")[0], line, "priced") for line in re.findall(r"^- (.+\$.+)$", answer, re.M)
    ]
    kinds = {line.kind for line in lines}
    if end is None or len(kinds) != 1:
        return []
    if kinds == {"ticket"}:
        whole = not re.search(r"^Showing \d+ of \d+", answer, re.M)
        if end not in ("first", "last"):
            return []
        oldest = (end == "first") != (", oldest first" in answer)  # "the oldest" of a newest-first list: its last
        return [lines[-1]] if oldest and whole else [lines[0]] if not oldest else []
    values = [(value, line) for line in lines if (value := _measure(line, end)) is not None]
    if len(values) != len(lines) or not values:
        return []
    best = (max if end in ("top", "last") else min)(value for value, _ in values)
    return [line for value, line in values if value == best]


def _measure(line: Line, end: str) -> float | str | None:
    """What `end` ranks a line by: an amount or a score (top, bottom), a date (first, last)."""
    if end in ("top", "bottom"):
        if line.kind == "lead":
            return float(re.findall(r"score (\d+)", line.text)[-1])
        money = re.search(r"\$[\d.,]+[KMB]?", line.text)
        amount = find_amount(money[0]) if money else None
        return float(amount.value) if amount is not None else None
    dated = {"deal": r"closing (\d{4}-\d\d-\d\d)", "task": r"\(due (\d{4}-\d\d-\d\d)\)"}.get(line.kind)
    when = re.search(dated, line.text) if dated else None
    return when[1] if when else None
