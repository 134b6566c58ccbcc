"""The offline model: no LLM. It understands a request (intent + slots), reaches the CRM only
through tools (search, then act), asks when something is missing or ambiguous, and answers
from the templates in prompts/offline/.

It keeps no state: every step re-reads the conversation, the current request and the tool
results of this turn, and decides the next tool call or the answer.
"""

from __future__ import annotations

import asyncio
import json
import re
from collections.abc import AsyncIterator, Callable, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any, Literal, NoReturn, overload

from assistant.messages import Message, ModelResponse, TextDelta, ToolCall
from assistant.offline import IntentClassifier, Parse, english, understand
from assistant.offline.acts import change_intent
from assistant.offline.amend import corrected_values, draft_turn, is_correction, proposal_turn, retarget
from assistant.offline.dialogue import (
    RECORD_FIELDS,
    Focus,
    asked_field,
    asked_fields,
    field_request,
    focus_of,
    is_howto,
    is_question,
    is_staff_question,
    out_of_scope,
    possessor,
    refers_back,
    smalltalk,
    stands_for_person,
)
from assistant.offline.guard import ACT_NAMES, COMPANY_SUFFIXES, Ledger, misread, name_words, same_word, unsure
from assistant.offline.handoff import Handoff, handoff
from assistant.offline.intents import RULE_CONFIDENCE
from assistant.offline.nlu import FILLERS, NOTE_AFTER, Slots, find_bant, read_slots
from assistant.offline.reports import asked_grouping, asked_metric, report_lines
from assistant.offline.slots import (
    STOPWORDS,
    clauses,
    find_amount,
    find_date,
    find_name,
    find_priority,
    find_stage,
    find_ticket_status,
    mask,
    name_runs,
    tokens,
)
from assistant.offline.support import asks_reply
from prompts import render
from prompts.money import money_short
from store.clock import utcnow
from store.embeddings import Embedder
from tools.spec import ToolSpec

ASK, CLARIFY = "To do that I need", "Which one did you mean?"
FREE_TEXT = {"reason", "body", "subject", "title", "notes", "override_reason"}
BANT_KEYS = ("budget", "authority", "need", "timeline")
MATCH_FLOOR, TIE_MARGIN = 60, 4
# A write names its record for sure only when the match is exact, or scores at least WRITE_FLOOR with no other
# record within WRITE_MARGIN (search_crm's 0-100 score); anything weaker is asked back as "which one".
WRITE_FLOOR, WRITE_MARGIN = 88, 8
# Below this kNN confidence a write intent is not acted on (measured: under 0.85, about 4 in 10 were right).
WRITE_CONFIDENCE = 0.85
WRITES = {
    "create_contact",
    "update_contact",
    "assign_ticket",
    "create_lead",
    "update_lead_status",
    "convert_lead",
    "create_deal",
    "update_deal",
    "move_deal_stage",
    "log_call",
    "add_note",
    "schedule_meeting",
    "create_task",
    "create_ticket",
    "update_ticket",
}
READS = {"show_record", "pipeline", "stuck_deals", "deals_closing", "my_tasks", "list_tickets", "help"}
PERSON, ANYTHING = ["contact", "lead"], ["contact", "lead", "account", "deal"]
NEXT_VIEW = {
    "contact": ("get_contact", "contact_id"),
    "account": ("get_account", "account_id"),
    "lead": ("get_lead", "lead_id"),
    "deal": ("get_deal", "deal_id"),
}


@dataclass
class Step:
    """A tool this turn already called, with its arguments and parsed result."""

    name: str
    arguments: dict[str, Any]
    result: dict[str, Any]


class Done(Exception):
    """Raised by a plan with the message to send (a tool call or the answer)."""

    def __init__(self, message: Message) -> None:
        self.message = message


class OfflineModel:
    """A `ChatModel` that plans tool calls from intent classification and slot extraction."""

    name = "offline"

    def __init__(self, embedder: Embedder, *, now: Callable[[], datetime] | None = None) -> None:
        self.classifier = IntentClassifier(embedder)
        self.now = now or utcnow
        self._counter = 0

    async def prepare(self, message: str) -> None:
        """Embed the message in a worker thread, off the event loop, ahead of the request that classifies it."""
        await asyncio.to_thread(self.classifier.prepare, english.plain_words(message))

    async def request(self, messages: Sequence[Message], tools: Sequence[ToolSpec]) -> ModelResponse:
        """The plan's next step; in a worker thread unless the last message is classified without embedding
        (prepared, or an earlier step's), since an embedding costs milliseconds of CPU that would hold up the event
        loop's other requests."""
        last = english.plain_words(next((m.content or "" for m in reversed(messages) if m.role == "user"), ""))
        if self.classifier.ready(last):
            return self._respond(messages, tools)
        return await asyncio.to_thread(self._respond, messages, tools)

    def _respond(self, messages: Sequence[Message], tools: Sequence[ToolSpec]) -> ModelResponse:
        parse, steps, role, text = self._read(messages)
        last_user = max(i for i, m in enumerate(messages) if m.role == "user")
        focus = focus_of(messages[:last_user])
        system = messages[0].content if messages and messages[0].role == "system" else ""
        caller = (re.search(r"<([^<>\s]+@[^<>\s]+)>", system or "") or [None, None])[1]
        try:
            latest = english.plain_words(messages[last_user].content or "")
            Plan(self, parse, steps, role, {t.name for t in tools}, text, focus, caller=caller, latest=latest).run()
        except Done as done:
            return ModelResponse(done.message)
        raise AssertionError("a plan always ends with Done")

    async def stream(
        self, messages: Sequence[Message], tools: Sequence[ToolSpec]
    ) -> AsyncIterator[TextDelta | ModelResponse]:
        response = await self.request(messages, tools)
        if response.message.content:
            yield TextDelta(response.message.content)
        yield response

    def warm_up(self) -> None:
        """Load the model and embed the examples now rather than on the first request (spaCy stays lazy: only
        some messages need it, and a server should start fast)."""
        self.classifier.classify("hello")

    def _read(self, messages: Sequence[Message]) -> tuple[Parse, list[Step], str, str]:
        """The request to serve (merged with the one we asked about), this turn's steps, the caller's role and the
        request's text (the original one when this message answers our "which one" question)."""
        last_user = max(i for i, m in enumerate(messages) if m.role == "user")
        text = _without_greeting(english.plain_words(messages[last_user].content or ""))
        before = [
            Message(m.role, english.plain_words(m.content or "") if m.role == "user" else m.content)
            for m in messages[:last_user]
            if m.role in ("user", "assistant") and m.content
        ]
        now = self.now()
        parse = None
        proposed = proposal_turn(messages, last_user)
        if proposed is not None and is_correction(text) and not smalltalk(text):
            corrected = self._correct(messages[: proposed + 1], text)
            if corrected is not None:
                parse, text = corrected
        drafted = draft_turn(messages, last_user)
        if parse is None and drafted is not None and is_correction(text) and not _SEND_IT.match(text):
            text = f"{text}. {messages[drafted].content}"  # "make it more formal": the same draft again, as now asked
        prompt = before[-1].content or "" if before else ""
        if parse is None and len(before) >= 2 and before[-1].role == "assistant" and prompt.startswith((ASK, CLARIFY)):
            original = understand(before[-2].content or "", now=now, classifier=self.classifier)
            if prompt.startswith(CLARIFY):
                chosen = _choose(prompt, text)
                number = re.match(r"^\W*#?(\d{3,})\W*$", text)
                if chosen:
                    slots = {**original.slots, "name": chosen[0], "pick": chosen[1]}
                    extra = _beyond_choice(text, chosen[1])
                    if extra and original.intent in FILLERS:  # what the reply adds: "10 min, she said the PO is ..."
                        more = FILLERS[original.intent](f"{before[-2].content}: {extra}", now)
                        slots.update({k: v for k, v in more.items() if k not in ("name", "pick") and not slots.get(k)})
                    parse = Parse(original.intent, original.confidence, slots)
                    text = before[-2].content or ""
                elif number and re.search(
                    r"^\d\. #\d+ ", prompt, re.M
                ):  # a ticket's number, listed or not, answers "which ticket"
                    parse = Parse(
                        original.intent, original.confidence, {**original.slots, "ticket_number": int(number[1])}
                    )
                    text = before[-2].content or ""
            elif original.intent in FILLERS:
                slots = FILLERS[original.intent](f"{before[-2].content}. {text}", now)
                asked = re.match(r"To do that I need (\w+(?: \w+)?)\.", prompt)
                if asked and asked[1].replace(" ", "_") in FREE_TEXT and not smalltalk(text) and not _YES.match(text):
                    slots[asked[1].replace(" ", "_")] = text.strip().rstrip(".")
                slots.update(bant_reply(prompt, text, slots))  # the reply to "I need reason" is the reason
                parse = Parse(original.intent, original.confidence, {**original.slots, **slots})
                text = f"{before[-2].content}. {text}"
        if (
            parse is None
            and (said := [m.content or "" for m in before if m.role == "user"])
            and (again := follow_up(said[-1], text))
        ):
            text = again  # "and john's?" after "show mike's overdue tasks": the same question about john
        parse = parse or understand(text, now=now, classifier=self.classifier)
        calls = {c.id: c for m in messages[last_user:] if m.role == "assistant" for c in m.tool_calls}
        steps = [
            Step(
                calls[m.tool_call_id].name,
                json.loads(calls[m.tool_call_id].arguments or "{}"),
                json.loads(m.content or "{}"),
            )
            for m in messages[last_user:]
            if m.role == "tool" and m.tool_call_id in calls
        ]
        system = messages[0].content if messages and messages[0].role == "system" else ""
        role = stated[1] if (stated := re.search(r"role is (\w+)", system or "")) else "rep"
        return parse, steps, role, text

    def _correct(self, proposal: Sequence[Message], correction: str) -> tuple[Parse, str] | None:
        """The proposal's request with the values a correction states ("make it urgent", "no wait, tuesday", "put it
        on the Acme account instead"), or None when the correction states nothing the proposal's write takes."""
        original, _, _, said = self._read(proposal)
        filler = FILLERS.get(original.intent)
        if original.intent not in WRITES or filler is None:
            return None
        now = self.now()
        values = corrected_values(filler(correction, now))
        start = original.slots.get("start")
        hour = _BARE_HOUR.search(correction)
        if (
            isinstance(start, datetime) and "start" not in values and hour
        ):  # "make it 11": that hour, same day, working hours
            values["start"] = start.replace(
                hour=int(hour[1]) % 12 + (12 if int(hour[1]) < 8 else 0), minute=int(hour[2] or 0)
            )
        stated = values.get("start")
        if isinstance(stated, datetime) and isinstance(start, datetime) and find_date(correction, now.date()) is None:
            values["start"] = datetime.combine(start.date(), stated.timetz())  # "make it 3pm": same day
        target = retarget(correction)
        if not values and target is None:
            return None
        slots = {**original.slots, **values}
        if target is not None:  # the record named now goes first, so its type word ("the Acme account") is read
            slots = {**{k: v for k, v in slots.items() if k != "pick"}, "name": target[0]}
            said = f"{target[0]} {target[1] or ''}. {said}"
        return Parse(original.intent, original.confidence, slots), said

    def next_id(self) -> str:
        self._counter += 1
        return f"offline_{self._counter}"


_NAME_NOISE = {
    "the",
    "a",
    "an",
    "one",
    "deal",
    "deals",
    "opportunity",
    "opp",
    "account",
    "lead",
    "contact",
    "corp",
    "inc",
    "co",
    "s",
}


def _clean_words(text: str) -> str:
    """The words naming a record, without the article and the type word ("the acme enterprise deal" -> "acme
    enterprise")."""
    return re.sub(
        r"^\W*(?:the|a|an|that|this)\s+|\s+(?:deal|opportunity|opp)\W*$", "", text.strip(), flags=re.I
    ).strip()


def _covers(query: str, name: str) -> bool:
    """Whether every word the user wrote is in the record's name (typos allowed: rapidfuzz ratio >= 80 per word)."""
    words = [w for w in name_words(query) if w not in _NAME_NOISE and w not in COMPANY_SUFFIXES]
    have = name_words(name)
    return bool(words) and all(any(same_word(w, h) for h in have) for w in words)


def _typed(query: str, name: str) -> bool:
    """Whether the user's words name the record without a typo (each word is one of the name's words as written)."""
    have = set(name_words(name))
    return all(w in have for w in name_words(query) if w not in _NAME_NOISE)


def _named_in(name: str, text: str) -> bool:
    """Whether the message spells out the record's whole name (each of its own words, company suffixes aside)."""
    said = set(name_words(text))
    own = [w for w in name_words(name) if w not in COMPANY_SUFFIXES]
    return len(own) >= 2 and all(w in said for w in own)


def _extra(query: str, name: str) -> int:
    """How many words of the record's name the user did not write (fewer: the record the user meant more precisely)."""
    said = name_words(query)
    return sum(1 for h in name_words(name) if not any(same_word(w, h) for w in said))


def _line(hit: dict[str, Any]) -> str:
    """A candidate as the "which one" question lists it (prompts/offline/clarify.md)."""
    return f"{hit['name']} ({hit['type']}{', ' + hit['detail'] if hit.get('detail') else ''})"


def link(
    query: str, text: str, hits: list[dict[str, Any]], *, writing: bool
) -> tuple[dict[str, Any] | None, list[dict[str, Any]]]:
    """The record a mention names among search hits, and the candidates to ask about (none when sure).

    Sure: one exact name; one record whose whole name the message spells out; or one record that every word the user
    wrote points to (typos allowed, company suffixes aside), with fewer unwritten words than any other (the user's own
    among equals, when the words are exact). Several equal candidates are asked back. Never a guess, for a write or a
    read: a record the words do not all point to is asked back ("did you mean ...?").
    """
    exact = [h for h in hits if h["exact"]]
    if len(exact) == 1:
        return exact[0], []
    if len(exact) > 1:
        return exact[0], exact
    spelled = [h for h in hits if _named_in(h["name"], text)]
    if len(spelled) == 1:
        return spelled[0], []
    covering = [
        h for h in hits if _covers(query, f"{h['name']} {h.get('detail') or ''}")
    ]  # "the Brightwave lead", "Tom at Acme"
    if covering:
        fewest = min(_extra(query, h["name"]) for h in covering)
        best = [h for h in covering if _extra(query, h["name"]) == fewest]
        own = [h for h in best if h.get("mine")]
        if len(best) > 1 and len(own) == 1 and _typed(query, f"{own[0]['name']} {own[0].get('detail') or ''}"):
            best = own
        return (best[0], []) if len(best) == 1 else (best[0], best)
    top = hits[0]
    rivals = [
        h
        for h in hits[1:]
        if h["score"] >= top["score"] - (WRITE_MARGIN if writing else TIE_MARGIN) and h["name"] != top["name"]
    ]
    if not writing and not rivals and _covers(_own_words(str(top["name"])), query):
        return top, []  # "what tickets has lumenpoint raised": every word of the record's own name was said
    return top, [top, *rivals]  # never a guess: a record the user's words do not all point to is asked back


def _own_words(name: str) -> str:
    """A record's distinctive words: its name without company suffixes and numbers ("Lumenpoint Holdings 41" ->
    "lumenpoint")."""
    return " ".join(w for w in name_words(name) if w not in COMPANY_SUFFIXES and not w.isdigit())


def _task_words(text: str) -> str:
    """The words of a message that can name a task (its title's words and numbers: "follow up #28" -> "follow 28")."""
    return " ".join(t.text for t in tokens(text) if t.key not in STOPWORDS | _TASK_NOISE or t.key.isdigit()).strip()


def _other_mentions(text: str, tried: str) -> list[str]:
    """The message's other name-like runs than the one tried (at most three), each of up to four words."""
    tried_words = set(name_words(tried))
    runs = [run.value for run in name_runs(text) if not set(name_words(run.value)) <= tried_words]
    return [" ".join(run.split()[:4]) for run in runs[:3]]


def _kind_hint(text: str, name: str, kinds: list[str]) -> list[str]:
    """The record type a word right after the name says ("the Cedarforge deal", "Acme's account"), if among `kinds`."""
    at = text.lower().find(name.lower())
    if at < 0:
        return kinds
    after = re.match(r"(?:['’]s)?\s+(deal|deals|opportunity|opp|account|company|lead)\b", text[at + len(name) :], re.I)
    if after is None:
        return kinds
    kind = {"deals": "deal", "opportunity": "deal", "opp": "deal", "company": "account"}.get(
        after[1].lower(), after[1].lower()
    )
    return [kind] if kind in kinds else kinds


ORDINALS = ["first", "second", "third", "fourth", "fifth"]
_NTH = re.compile(r"\bthe\s+(first|second|third|fourth|fifth|last)\s+(?:one|deal|lead|contact|account)\b", re.I)
_YES = re.compile(r"^\W*(?:y|yes|yep|yeah|sure|ok|okay|correct|right|that one|exactly)\W*$", re.I)


_UNKNOWN = re.compile(
    r"^\W*(?:(?:all|rest|the\s+rest|others?|everything\s+else|both|them)\s+(?:are\s+|is\s+)?)?"
    r"(?:unknown|not\s+sure|no\s+idea|tbd|n/?a|don'?t\s+know|dunno|not\s+known)\W*$",
    re.I,
)


_ELLIPSIS = re.compile(
    r"^\W*(?:and|what\s+about|how\s+about|same\s+for|and\s+for)\s+([A-Za-z][\w.-]*(?:\s+[A-Za-z][\w.-]*)?)(['’]s)?\s*\??\W*$",
    re.I,
)
_NOT_A_NAME = {
    "you",
    "me",
    "us",
    "them",
    "him",
    "her",
    "it",
    "that",
    "this",
    "then",
    "now",
    "so",
    "yes",
    "no",
    "thanks",
    "more",
}


_GREETING_LEAD = re.compile(
    r"^\W*(?:hi|hello|hey|hiya|yo|morning|good\s+(?:morning|afternoon|evening)|afternoon|evening)(?:\s+(?:there|nexa|all|team))?"
    r"\s*[!,.:;-]+\s*|^\W*(?:hi|hello|hey)\s+(?=\w)|^\W*(?:(?:hey|hi|ok|so)[,\s]+)?quick\s+(?:one|q|question)\s*[!,.:;-]+\s*",
    re.I,
)


def _without_greeting(text: str) -> str:
    """The request after a greeting that opens it ("morning! whats in my queue today"); a greeting alone stays."""
    if smalltalk(text):
        return text
    rest = _GREETING_LEAD.sub("", text, count=1)
    return rest if re.search(r"\w", rest) else text


def follow_up(previous: str, text: str) -> str | None:
    """The question an elliptical follow-up asks ("and john's?", "what about Mike?"): the previous question (a read
    only) with its person, or its "my", replaced by the one named now."""
    m = _ELLIPSIS.match(text)
    if m is None or m[1].lower() in _NOT_A_NAME or not is_question(previous):
        return None
    slots = read_slots(previous, utcnow())
    for named in (slots.get("name"), slots.get("person")):
        if named and re.search(rf"\b{re.escape(str(named))}\b", previous, re.I):
            return re.sub(rf"\b{re.escape(str(named))}\b", m[1], previous, count=1, flags=re.I)
    if re.search(r"\bmy\b", previous, re.I):
        return re.sub(r"\bmy\b", f"{m[1]}'s", previous, count=1, flags=re.I)
    return None


def bant_reply(question: str, reply: str, slots: Slots) -> Slots:
    """The BANT answers a reply gives to our question for the missing ones: labelled parts are read by the filler;
    "unknown" (alone or as "rest unknown") answers every field still missing; a lone unlabelled answer to a
    question for one field is that field."""
    asked = (
        [k for k in BANT_KEYS if re.search(rf"\b{k}\b", question[len(ASK) :].split(".")[0])]
        if question.startswith(ASK)
        else []
    )
    missing = [k for k in asked if not str(slots.get(k) or "").strip()]
    if _YES.match(reply):
        return {}
    parts = [p.strip() for p in re.split(r"[,;]|\.\s", reply) if p.strip()]
    if missing and parts and _UNKNOWN.match(parts[-1]):
        return {k: "unknown" for k in missing}
    if len(missing) == 1 and not find_bant(reply):
        return {missing[0]: reply.strip().rstrip(".")}
    return {}


def _beyond_choice(reply: str, line: str) -> str:
    """What a reply to our "which one" question says besides the choice: its clauses that name no word of the chosen
    line ("johnson, the acme one. 10 min, she said the PO is going through" -> "10 min, she said the PO is going
    through")."""
    chosen = {w for w in re.findall(r"[a-z0-9]+", line.lower()) if len(w) > 2}
    kept = [
        c.value
        for c in clauses(reply)
        if not ({w for w in re.findall(r"[a-z0-9]+", c.value.lower())} & chosen)
        and not re.fullmatch(r"\W*(?:the\s+)?(?:\w+\s+)?(?:one|that|this|it|yes|yeah|yep|#?\d)\W*", c.value, re.I)
    ]
    return ", ".join(kept) if len(" ".join(kept).split()) >= 2 else ""


def _choose(question: str, reply: str) -> tuple[str, str] | None:
    """The candidate (name, listed line) a reply to our "which one" question picks: by number, by name, by a word of
    its details ("the one at Globex"), or "yes" when there was one candidate."""
    lines = re.findall(r"^\d+\. (.+)$", question, re.M)
    options = [(re.sub(r" \(.*$", "", line), line) for line in lines]
    number = re.search(
        r"^\W*(\d)\W*$|\b(?:number|no\.?|#|option)\s*(\d)\b|\b(first|second|third|fourth|fifth|last)\b", reply, re.I
    )
    if number:
        word = (number.group(3) or "").lower()
        digit = number.group(1) or number.group(2)
        index = int(digit) if digit else len(options) if word == "last" else ORDINALS.index(word) + 1
        if 1 <= index <= len(options):
            return options[index - 1]
    if len(options) == 1 and _YES.match(reply):
        return options[0]
    lowered = reply.lower()
    picked = [o for o in options if o[1].lower() in lowered or o[0].lower() in lowered or lowered in o[0].lower()]
    if len({o[1] for o in picked}) == 1:
        return picked[0]
    words = {w for w in re.findall(r"[a-z0-9]+", lowered) if len(w) > 1 and w not in _FILLER_WORDS}
    scored = [
        (len(words & set(re.findall(r"[a-z0-9]+", line.lower()))), option) for line, option in zip(lines, options)
    ]
    best = max((n for n, _ in scored), default=0)
    top = [option for n, option in scored if n == best]
    still_open = [option for option in top if not re.search(r"\(deal, closed (?:won|lost)\b", option[1])]
    if best and len(top) > 1 and len(still_open) == 1:
        return still_open[0]  # "the expansion one" of one open and one closed expansion deal: the open one
    return top[0] if best and len(top) == 1 else None


_FILLER_WORDS = {
    "the",
    "one",
    "that",
    "this",
    "with",
    "from",
    "for",
    "and",
    "deal",
    "contact",
    "lead",
    "account",
    "mean",
    "meant",
}


class Plan:
    """One intent's sequence of tool calls, resumed from the steps already taken."""

    def __init__(
        self,
        model: OfflineModel,
        parse: Parse,
        steps: list[Step],
        role: str,
        tools: set[str],
        text: str,
        focus: Focus | None = None,
        *,
        caller: str | None = None,
        latest: str = "",
    ) -> None:
        self.model, self.parse, self.steps, self.role, self.tools, self.text = model, parse, steps, role, tools, text
        self.caller = caller
        self.latest = latest  # the user's message of this turn (`text` is the request it answers, when it answers)
        self.slots = parse.slots
        self.focus = focus or Focus()
        self.writing = parse.intent in WRITES

    # -- building blocks ------------------------------------------------------------------------

    def answer(self, template: str, **values: Any) -> NoReturn:
        raise Done(Message("assistant", render(f"offline/{template}.md", **values)))

    def call(self, name: str, **arguments: Any) -> dict[str, Any]:
        """The result of `name(arguments)` if this turn called it already; else call it now."""
        for step in self.steps:
            if step.name == name and step.arguments == _jsonable(arguments):
                if not step.result.get("ok", False):
                    error = step.result.get("error", {})
                    self.answer("error", field=error.get("field"), reason=error.get("reason", "it failed"))
                return _whole(step.result, self)
        if name not in self.tools:
            self.answer("error", field=None, reason=f"your role cannot use {name.replace('_', ' ')}.")
        raise Done(
            Message(
                "assistant", None, tool_calls=[ToolCall(self.model.next_id(), name, json.dumps(_jsonable(arguments)))]
            )
        )

    def write(self, name: str, **arguments: Any) -> NoReturn:
        """Propose a write (the loop pauses for approval); if it was refused at proposal, say why."""
        given = {k: v for k, v in arguments.items() if v is not None}
        self.verify([(name, given)])
        self.call(name, **given)
        self.answer("error", field=None, reason="the change was not accepted.")

    def write_all(self, calls: list[tuple[str, dict[str, Any]]]) -> NoReturn:
        """Propose several writes at once (one yes approves them all); if one was refused, say why."""
        names = {name for name, _ in calls}
        for step in self.steps:
            if step.name in names and not step.result.get("ok", False):
                error = step.result.get("error", {})
                self.answer("error", field=error.get("field"), reason=error.get("reason", "it failed"))
        for name in sorted(names - self.tools):
            self.answer("error", field=None, reason=f"your role cannot use {name.replace('_', ' ')}.")
        if self.steps and self.steps[-1].name in names:
            self.answer("error", field=None, reason="the change was not accepted.")
        self.verify(calls)
        raise Done(
            Message(
                "assistant",
                None,
                tool_calls=[
                    ToolCall(self.model.next_id(), name, json.dumps(_jsonable(arguments))) for name, arguments in calls
                ],
            )
        )

    def verify(self, calls: list[tuple[str, dict[str, Any]]]) -> None:
        """Ask "which one" instead of proposing `calls` when a record they name is not tied to what the user said, the
        focus or the user's pick (`assistant/offline/guard.py`: the one check every proposed write passes)."""
        if any(step.name == name for step in self.steps for name, _ in calls):
            return  # proposed already: this is the turn's answer after it
        for name, arguments in calls:
            if asked := misread(name, arguments):
                self.answer("misread", request=asked, what=ACT_NAMES.get(name, "write down"))
        said = self.text if self.latest in self.text else f"{self.text} {self.latest}"
        ledger = Ledger()
        for step in self.steps:
            ledger.step(step.name, step.arguments, step.result, said)
        doubt = unsure(
            [(name, _jsonable(arguments)) for name, arguments in calls],
            ledger,
            said,
            focus=self.focus.records,
            shown=self.focus.shown,
            picked=str(self.slots.get("pick") or ""),
            latest=self.latest,
        )
        if doubt:
            self.answer("clarify", candidates=doubt[:4], confirm=len(doubt) == 1)

    def need(self, *slots: str, hint: str = "") -> None:
        missing = [s for s in slots if self.slots.get(s) in (None, "", [])]
        if missing and self.writing and asked_fields(self.text) and not _ORDERED.match(self.text):
            self.writing = False  # "globex numbers pls - amount and when its supposed to close": fields named, no value
            getattr(self, f"do_{self._read_intent()}")()
        if missing:
            self.answer("ask", missing=" and ".join(s.replace("_", " ") for s in missing), hint=hint)

    @overload
    def find(self, kinds: list[str], *, what: str = ..., required: Literal[True] = ...) -> dict[str, Any]: ...
    @overload
    def find(self, kinds: list[str], *, what: str = ..., required: bool) -> dict[str, Any] | None: ...
    def find(self, kinds: list[str], *, what: str = "a record", required: bool = True) -> dict[str, Any] | None:
        """Resolve the request's `name` slot to one record of `kinds` (see `link`), asking when it is ambiguous."""
        name = self.slots.get("name")
        if isinstance(name, str) and name.lower() in ("one", "that one", "this one"):
            name = None  # "move the 120k one to qualification": no name, a pick among the records shown
        listed = [r for r in self.focus.records if r.get("type") in kinds and r.get("id")]
        nth = _NTH.search(self.text)
        if nth and len(listed) > 1:  # "the second one" of the list the last turn showed
            word = nth[1].lower()
            picked = self.focus.pick(len(listed) if word == "last" else ORDINALS.index(word) + 1, kinds)
            if picked is not None:
                return picked
            self.need("name", hint="Which one (its name)?")  # the list shown does not say which record: never a guess
        if name and len(listed) > 1:  # "push the cedarline one": the one listed record the words point to
            named = [r for r in listed if _covers(str(name), str(r.get("name") or ""))]
            if len(named) == 1:
                return named[0]
        worth = _THE_AMOUNT_ONE.search(self.text)
        if not name and len(listed) > 1 and worth and (amount := find_amount(worth[0])) is not None:
            said = money_short(amount.value).lower()  # "move the 120k one to qualification": its line says $120K
            lines = [line for line in self.focus.shown if said in line.lower()]
            named = [r for r in listed if len(lines) == 1 and r.get("name") and str(r["name"]) in lines[0]]
            if len(named) == 1:
                if self.slots.get("amount") == amount.value:
                    self.slots = {k: v for k, v in self.slots.items() if k != "amount"}  # the pick, no new amount
                return named[0]
        if not name:
            focused = self.focus.of(kinds)
            if focused is not None and focused.get("id"):
                return focused
            name = focused["name"] if focused else None
            if (
                focused is None
                and "contact" in kinds
                and (
                    _PERSON_PRONOUN.search(self.text)
                    or (set(kinds) <= set(PERSON) and _PLURAL_PRONOUN.search(self.text))
                )
            ):
                contact = self._focus_person()  # "log a call with him" after looking at a deal: its primary contact
                if contact is not None:
                    return contact
        if not name:
            if required:
                self.need("name", hint=f"Who or what is it about ({what})?")
            return None
        kinds = _kind_hint(self.text, str(name), kinds)
        dashed = re.search(re.escape(str(name)) + r"\s+[-–—]\s+([A-Za-z]+(?:\s+\d+)?)\b", self.text, re.I)
        numbered = re.search(
            re.escape(str(name))
            + r"\s+(\d{1,4})\b(?!\s*(?:k|m|%|[.,]\d|minutes?|mins?|hours?|hrs?|days?|weeks?|am|pm|:))",
            self.text,
            re.I,
        )
        if (
            dashed and "deal" in kinds
        ):  # "Novaline Systems - Expansion 188": a deal's whole name, the part after the dash too
            name = f"{name} - {dashed[1]}"
        elif numbered and {"deal", "account"} & set(kinds):  # "northfield pilot 64": the number ending a name
            name = f"{name} {numbered[1]}"
        hits: list[dict[str, Any]] = [
            h
            for h in self.call("search_crm", query=str(name), types=kinds, limit=8)["data"]
            if h["score"] >= MATCH_FLOOR
        ]
        retries = [
            re.sub(r"^(\w{3,})s\b", r"\1", str(name)),  # "need toms direct line": a possessive without its apostrophe
            " ".join(str(name).split()[:2]),  # "why's sarah johnson scored 90": a name run that took the verb after it
            str(name).split()[0] if len(str(name).split()[0]) > 3 else str(name),  # "acme came back, ..."
        ]
        for shorter in dict.fromkeys(r for r in retries if r != str(name)):
            if hits:
                break
            hits = [  # a shorter name is kept only when its words are all in the record's ("vera" is no "vertexlabs")
                h
                for h in self.call("search_crm", query=shorter, types=kinds, limit=8)["data"]
                if h["score"] >= MATCH_FLOOR and _covers(shorter, f"{h['name']} {h.get('detail') or ''}")
            ]
            name = shorter if hits else name
        pick = self.slots.get("pick")
        if pick:  # the reply to our "which one" question names the line it chose
            chosen = [h for h in hits if _line(h) == pick]
            if len(chosen) == 1:
                return chosen[0]
        if (
            not hits and not pick
        ):  # "curious what stage globex is at", "acme came back, ... bump the enterprise plan deal"
            for other in _other_mentions(self.text, str(name)):
                if self.writing and len(other.split()) < 2:
                    continue  # a write follows only a whole name said elsewhere ("the enterprise plan deal")
                found = [
                    h
                    for h in self.call("search_crm", query=other, types=kinds, limit=8)["data"]
                    if h["score"] >= MATCH_FLOOR
                ]
                record, doubt = link(other, self.text, found, writing=True) if found else (None, [])
                if record is not None and not doubt:
                    return record
        if not hits and refers_back(self.text) and (focused := self.focus.of(kinds)) is not None and focused.get("id"):
            return focused  # "ok they got the proposal doc yesterday, move it to proposal": no "doc", "it" is the focus
        if not hits:
            if required and "kb_search" in self.tools and (not self.writing or self.parse.confidence < RULE_CONFIDENCE):
                self.do_kb_question(fallback=True)  # nothing in the CRM by that name: a question for the help center?
            if required:
                self.answer("not_found", what=what, name=name)
            return None
        at = re.search(re.escape(str(name)) + r"\s+(?:at|from|@|of)\s+([A-Za-z][\w&-]*)", self.text, re.I)
        employed = [h for h in hits if at and h["type"] in PERSON and _covers(at[1], str(h.get("detail") or ""))]
        if employed:  # "rosa rossi at lumenpoint": the Rosa Rossi who works there
            hits = employed
        record, doubt = link(str(name), self.text, hits, writing=self.writing)
        if record is not None and not doubt:
            return record
        if record is not None and doubt:
            self.answer("clarify", candidates=doubt[:4], confirm=len(doubt) == 1 and not doubt[0]["exact"])
        return record or hits[0]

    def _focus_ticket_kind(self) -> bool:
        """Whether the one record in focus is a ticket."""
        return self.focus.of(["ticket"]) is not None

    def _focus_ticket(self) -> int | None:
        """The number of the one ticket in focus (a list names its tickets by id: the ticket then says its number)."""
        ticket = self.focus.of(["ticket"])
        if ticket is None or not (ticket.get("number") or ticket.get("id")):
            return None
        if ticket.get("number"):
            return int(ticket["number"])
        return int(self.call("get_ticket", ticket_id=str(ticket["id"]))["data"]["number"])

    def _focus_person(self) -> dict[str, Any] | None:
        """The person of the one deal or ticket in focus: the deal's primary contact, the ticket's requester."""
        deal, ticket = self.focus.of(["deal"]), self.focus.of(["ticket"])
        contact_id = None
        if deal is not None and deal.get("id"):
            contact_id = self.call("get_deal", deal_id=str(deal["id"]))["data"].get("primary_contact_id")
        elif ticket is not None and ticket.get("number"):
            contact_id = self.call("get_ticket", number=int(ticket["number"]))["data"].get("requester_contact_id")
        return {"type": "contact", "id": str(contact_id), "name": ""} if contact_id else None

    # -- the plans, one per intent ------------------------------------------------------------------

    def run(self) -> None:
        text = self.text
        if self.role == "customer" and "kb_search" in self.tools:
            self.do_kb_question()
        kind = smalltalk(text)
        if kind:
            self.answer("smalltalk", kind=kind)
        if _SEND_IT.match(text) and self.focus.draft_id:
            self.writing = True
            self.write("send_email", email_id=self.focus.draft_id)
        if "search_conversations" in self.tools and _SEEN_BEFORE.search(text):
            self.do_memory()
        howto = (
            "kb_search" in self.tools
            and is_staff_question(text)
            and not (
                self.parse.intent in WRITES
                and (
                    self.parse.confidence >= RULE_CONFIDENCE
                    or (self._evident(self.parse.intent) and not is_question(text))
                )
                and not is_howto(text)
            )
        )  # "customer confirmed the fix worked on 1047, resolve it pls": a change the message fully states
        if (
            handed := handoff(text, {str(r.get("type")) for r in self.focus.records})
        ) is not None:  # "give emma's falconpath deal to carlos"
            self.writing = True
            self.do_handoff(handed)
        if _ON_THE_LEAD.search(text) and (bant := find_bant(text)) and not is_question(text):
            self.writing = True  # "spoke w rosa tanaka, budget is 60k ..., put that on her lead": its BANT answers
            person = find_name(text, after=("with", "w", "to"))
            self.slots = {**self.slots, "name": self.slots.get("name") or (person and person.value)}
            lead = self.find(["lead"], what="a lead")
            self.write("update_lead", lead_id=lead["id"], changes={f"bant_{k}": v for k, v in bant.items()})
        if (
            self.role == "support"
            and self.parse.intent not in ("assign_ticket", "create_ticket", "list_tickets")
            and not self.slots.get("ticket_number")
            and not _TAKE_TICKET.search(text)
            and (bare := _BARE_TICKET.search(text)) is not None
        ):  # "make 1001 urgent", "catch me up on 1001": an agent's four-digit number is a ticket, not a deal's amount
            numbered = {**FILLERS["update_ticket"](text, self.model.now()), "ticket_number": int(bare[1])}
            if (numbered.get("status") or numbered.get("priority")) and not is_question(text):
                self.parse, self.slots = Parse("update_ticket", self.parse.confidence, numbered), numbered
                self.writing = True
                self.do_update_ticket()
            self.parse, self.slots = Parse("show_ticket", self.parse.confidence, numbered), numbered
            self.writing = False
            self.do_show_ticket()
        cannot = None if howto else out_of_scope(text)
        if cannot:
            self.answer("cannot", what=cannot)
        if asked_metric(text) and not (
            self.parse.intent in WRITES
            and self.parse.confidence >= RULE_CONFIDENCE
            and not is_question(text)
            and self._evident(self.parse.intent)
        ):  # "avg deal size for the team" writes nothing
            self.do_sales_report()
        if asks_reply(text) and (number := self._ticket_number()) is not None:
            self.writing = False
            self.do_ticket_reply(number)
        asks_a_task = _TASK_REQUEST.search(text) and not is_question(text)
        for pattern, insight in _INSIGHTS:
            if insight == "forecast" and asked_field(text) == "close_date":
                continue  # "when is the globex upgrade expected to close": that deal's close date
            if pattern.search(text) and not (
                asks_a_task and insight != "draft_email"
            ):  # "a task to update the forecast"
                self.writing = False
                getattr(self, f"do_{insight}")()
        if howto or (
            "kb_search" in self.tools
            and self.parse.intent == "unknown"
            and _QUESTION.search(text)
            and asked_field(text) not in RECORD_FIELDS
        ):
            self.do_kb_question()
        if (
            _COMPLETE_TASK.search(text)
            or (_DONE_WITH_IT.search(text) and not self.focus.of(["ticket", "deal", "lead"]))
        ) and not is_question(text):
            self.writing = True
            self.do_complete_task()
        if (prioritised := _TASK_PRIORITY.match(text)) is not None:  # "make my call sarah johnson task urgent"
            self.writing = True
            self.do_task_priority(prioritised)
        changed = change_intent(text, {str(r.get("type")) for r in self.focus.records})
        framed = changed is not None and changed == self.parse.intent
        if changed and changed != self.parse.intent and self.parse.confidence < RULE_CONFIDENCE and changed in FILLERS:
            kept = {k: v for k, v in self.slots.items() if k in ("pick",)}  # the reply to our "which one" stays
            self.parse = Parse(
                changed, self.parse.confidence, {**FILLERS[changed](text, self.model.now()), **kept}
            )  # see acts.change_intent
            self.slots, framed = self.parse.slots, True
        if (
            self.parse.intent != "update_contact"
            and not is_question(text)
            and not _NEW_PERSON.search(text)
            and (said := FILLERS["update_contact"](text, self.model.now())).get("value")
        ):  # "tom smith got promoted - title is VP Procurement now": a person's field set to a value is that change
            self.parse = Parse("update_contact", self.parse.confidence, said)
            self.slots, framed = self.parse.slots, True
        elif self.parse.intent == "update_contact" and self.slots.get("value") and not is_question(text):
            framed = True
        created = _NEW_RECORD.match(text) or _HAD_MEETING.match(text)
        made = created and _NEW_KINDS[created[1].lower().replace("-", "")]
        if not made and (noted := NOTE_AFTER.search(text)) and re.search(r"\bnote\b", noted[0], re.I):
            made = "add_note"  # "..., put a note on her": what comes before is the note
        if made and not is_question(text):  # "give emma a task: call yara ...", "log a note on her: ..."
            if self.parse.intent != made:
                self.parse = Parse(made, self.parse.confidence, FILLERS[made](text, self.model.now()))
                self.slots = self.parse.slots
            framed = True
        if (
            self.parse.intent != "assign_ticket"
            and _TAKE_TICKET.search(text)
            and (
                _BARE_TICKET.search(text)
                or self._focus_ticket_kind()
                or (re.search(r"\bticket\b", text, re.I) and self.parse.intent != "update_ticket")
            )
        ):  # "i'll take 1002 off the unassigned pile, put it on me"; "the finance team calendar sync ticket"
            self.parse = Parse("assign_ticket", self.parse.confidence, FILLERS["assign_ticket"](text, self.model.now()))
            self.slots, framed = self.parse.slots, True
        if framed and _IT_AFTER_VERB.match(text) and self.focus.records and self.slots.get("name"):
            # "ok bump it to proposal, sarah confirmed the budget": "it" is the record in focus, not a name said later
            self.slots = {k: v for k, v in self.slots.items() if k != "name"}
        if (
            self.parse.confidence < RULE_CONFIDENCE
            and (bare := _BARE_MENTION.match(text))
            and not smalltalk(text)
            and [run.value for run in name_runs(bare[1])] == [bare[1]]
        ):
            self.parse = Parse(
                "show_record", self.parse.confidence, {"name": bare[1]}
            )  # "globex deal": a mention is a look at it
            self.slots = self.parse.slots
        intent = self.parse.intent
        if (
            intent in ("update_ticket", "assign_ticket")
            and not self.slots.get("ticket_number")
            and refers_back(text)
            and (focused := self._focus_ticket()) is not None
        ):  # "bump it to urgent" after looking at a ticket
            self.slots = {**self.slots, "ticket_number": focused}
        if (
            (is_question(text) or field_request(text) or _MY_LIST.match(text))
            and intent == "help"
            and self.parse.confidence < RULE_CONFIDENCE
            and not _ASKS_HELP.search(text)
        ):
            read = (
                self._read_intent()
            )  # "whats sam working on": a vote for the help text yields to words that say the read
            intent = read if read in _EVIDENT_READS else "help"
        elif (
            (is_question(text) or field_request(text) or _MY_LIST.match(text))
            and intent not in ("help",)
            and not _CHANGE_FIELD.search(text)
        ):
            intent = self._read_intent()
        elif intent in WRITES and self.parse.confidence < WRITE_CONFIDENCE and not self._evident(intent) and not framed:
            self.answer("help", unknown=True)
        self.writing = intent in WRITES
        handler = getattr(self, f"do_{intent}", None)
        if handler is None:
            self.answer("help", unknown=intent != "help")
        handler()

    def _evident(self, intent: str) -> bool:
        """Whether the message carries what the write needs (a weakly classified write is acted on only then)."""
        return any(all(self.slots.get(k) not in (None, "", []) for k in keys) for keys in EVIDENCE.get(intent, ()))

    def _read_intent(self) -> str:
        """The read a question asks for: a question is never turned into a write (nor asked for a write's field)."""
        lowered, intent = self.text.lower(), self.parse.intent
        kept = ("name", "pick") if self.slots.get("pick") else ("name",) if intent in READS else ()
        self.slots = {**read_slots(self.text, self.model.now()), **{k: v for k, v in self.slots.items() if k in kept}}
        if self.role == "support" and not self.slots.get("ticket_number") and (bare := _BARE_TICKET.search(self.text)):
            self.slots = {
                **self.slots,
                "ticket_number": int(bare[1]),
            }  # "who is working on 1047?": an agent's numbers are tickets
        coached = _COACH.search(self.text) if self.role in ("manager", "admin") else None
        person = self.slots.get("person") or possessor(self.text, STOPWORDS) or (coached and (coached[1] or coached[2]))
        if person:
            self.slots = {**self.slots, "person": person}
        manager = self.role in ("manager", "admin")
        if (
            not person
            and manager
            and _THEIR_THINGS.search(self.text)
            and (asked := _PERFORMANCE_WHO.search(self.focus.said))
        ):
            person = self.slots["person"] = (
                asked[1] or asked[2]
            )  # "how's emma doing" then "which of her deals are past due"
        if (
            not person
            and _ONE_WORD.match(str(self.slots.get("name") or ""))
            and (
                (manager and _PERFORMANCE.search(self.text))
                or _STUCK.search(lowered)
                or _PIPELINE_WORDS.search(lowered)
            )
            and re.search(
                rf"\b{re.escape(str(self.slots['name']))}(?:['’]s|\s+(?:is|doing|got|has))\b", self.text, re.I
            )
        ):
            person = self.slots["person"] = str(
                self.slots["name"]
            )  # "how is emma doing", "what is stuck in john's pipeline"
        tasks = _TASK_WORDS.search(lowered) or (_DUE.search(lowered) and not _DEAL_WORDS.search(lowered))
        if (
            manager
            and not person
            and _ONE_WORD.match(str(self.slots.get("name") or ""))
            and (
                tasks
                or _DEAL_WORDS.search(lowered)
                or _IN_STAGE.search(lowered)  # "how much has john got in negotiation"
                or _WON.search(lowered)
                or _LOST.search(lowered)
            )
            and stands_for_person(self.text, str(self.slots["name"]))
        ):
            person = self.slots["person"] = str(self.slots["name"])  # "what's emma got due": a teammate, else a record
        if _WON.search(lowered) and not _TASK_WORDS.search(lowered):
            return "won_deals"
        if (
            _LOST.search(lowered)
            and not _TASK_WORDS.search(lowered)
            and not re.search(r"\bleads?\b", lowered)
            and not (self.slots.get("name") and re.search(r"\bwhy\b", lowered) and not person)
        ):  # "why did we lose X": that deal (but "how many did emma lose and why": hers)
            return "lost_deals"
        if (
            person
            and (
                manager
                and (
                    _TEAMMATE_DEALS.search(lowered)
                    or _IN_STAGE.search(lowered)
                    or _PERFORMANCE.search(self.text)
                    or coached
                )
                or _STUCK.search(lowered)
                and _TEAMMATE_DEALS.search(lowered)
            )
            and not self.slots.get("ticket_number")
        ):
            return "teammate_deals"  # a rep asking about a teammate's deals is told what they may see
        if (
            manager
            and "team_tasks" in self.tools
            and tasks
            and (
                person
                or ((self.slots.get("scope") == "team" or _MY_REPS.search(lowered)) and not self.slots.get("name"))
            )
        ):
            return "team_tasks"  # a teammate's tasks, or the whole team's ("overdue tasks on my team?")
        if (
            (
                _DEAL_WORDS.search(lowered)
                or _IN_STAGE.search(lowered)
                or (_THOSE.search(lowered) and _DEAL_WORDS.search(self.focus.said))
            )
            and find_stage(self.text)
            and not _WON.search(lowered)
            and not self.slots.get("name")
        ):
            return "stage_deals"  # "which of my deals are in proposal"; "which of those are" after the pipeline
        if self.role == "support" and _WAITING_ON_ME.search(lowered) and not _TASK_WORDS.search(lowered):
            return "list_tickets"
        working = _WORKING_ON.search(self.text)
        queue_of = (working and next((g for g in working.groups() if g), None)) or possessor(self.text, STOPWORDS)
        if (
            queue_of
            and queue_of.lower() not in _NOT_A_NAME
            and (re.search(r"\b(?:queue|tickets|cases)\b", lowered) or (self.role == "support" and working))
            and not self.slots.get("ticket_number")
        ):
            self.slots = {**self.slots, "assignee": queue_of}
            return "list_tickets"  # "whats sam working on", "noah's queue": a teammate's tickets
        if (
            _DEAL_WORDS.search(lowered)
            and not self.slots.get("name")
            and refers_back(self.text)
            and self.focus.of(["account"])
        ):
            return "list_deals"  # "what deals do they have open?" after looking at an account
        if _MEETING_WORDS.search(lowered) and not re.search(r"\btickets\b", lowered):
            return "my_meetings"  # "calendar sync tickets" are tickets
        if _TASK_WORDS.search(lowered) and not self.slots.get("name"):
            return "my_tasks"
        if self.slots.get("ticket_number"):
            return "show_ticket"
        if re.search(
            r"\btickets\b|\bsupport (?:issues|cases|requests)\b|\bcomplaints\b|\bescalations\b|\bqueue\b", lowered
        ):
            return "list_tickets"
        if re.search(r"\bleads\b", lowered) and not self.slots.get("name"):
            return "list_leads"
        if (
            re.search(r"\b(?:deals|opportunities|opps)\b", lowered)
            and self.slots.get("name")
            and not re.search(r"\b(?:stuck|stalled|closing|close|pipeline|moved?|movement|total|sum)\b", lowered)
        ):
            return "list_deals"
        if self.slots.get("name") and (asked_field(self.text) in RECORD_FIELDS):
            return "show_record"
        if asked_field(self.text) in RECORD_FIELDS and refers_back(self.text) and self.focus.of(ANYTHING):
            return "show_record"  # "when does it close?" after looking at a deal
        if (
            self.slots.get("name")
            and asked_field(self.text) in ("stage", "amount", "owner")
            and not _DEAL_WORDS.search(lowered)
            and not person
        ):
            return "show_record"  # "ironpath platform 31 - what stage and how much": a named record's fields
        if (
            self.slots.get("name")
            and intent in ("pipeline", "stuck_deals", "deals_closing")
            and not (self.slots.get("period") or self.slots.get("within_days") or self.slots.get("scope"))
            and not _DEAL_WORDS.search(lowered)
            and not _STUCK.search(lowered)
        ):
            return "show_record"  # "did the novaline renewal close?", "pull up the globex deal": that record
        if intent in ("pipeline", "stuck_deals", "deals_closing", "list_tickets", "my_tasks"):
            return intent
        if intent == "show_record" or self.slots.get("name") or self.focus.records:
            return "show_record"
        return intent if intent in READS else "help"

    def attempt(self, name: str, **arguments: Any) -> dict[str, Any]:
        """Like `call`, but a failed result is returned for the plan to handle instead of said."""
        for step in self.steps:
            if step.name == name and step.arguments == _jsonable(arguments):
                return _whole(step.result, self)
        return self.call(name, **arguments)

    def _as_teammate(self, tool: str, key: str, **arguments: Any) -> dict[str, Any]:
        """`attempt(tool)` for a teammate named in `arguments[key]`; "emmas deals" (a possessive without its apostrophe)
        is tried as written, then without the "s" when nobody goes by that name."""
        result = self.attempt(tool, **arguments)
        person = str(arguments.get(key) or "")
        if (
            not result.get("ok")
            and (result.get("error") or {}).get("code") == "not_found"
            and len(person) > 3
            and person.endswith("s")
        ):
            result = self.attempt(tool, **{**arguments, key: person[:-1]})
            if result.get("ok"):
                self.slots = {**self.slots, "person": person[:-1]}
        return result

    def _who(self, person: str) -> str:
        """The teammate's name as found (see `_as_teammate`), capitalised."""
        return str(self.slots.get("person") or person).capitalize()

    def _teammate(self) -> str | None:
        """The teammate a manager's or admin's question is about ("mike's deals"), else None (the caller's own)."""
        person = self.slots.get("person")
        if (
            person
            and str(person).lower() not in ("i", "my", "me", "we", "our", "the", "team")
            and (self.role in ("manager", "admin") or _STUCK.search(self.text))
        ):
            return str(person)
        return None

    def do_won_deals(self, stage: str = "closed_won", verb: str = "won") -> None:
        """The deals won (or lost) in a period (this quarter unless said): the caller's, a teammate's, or the team's."""
        period = (
            self.slots.get("period") if self.slots.get("period") not in (None, "overdue", "today") else "this_quarter"
        )
        person = self._teammate()
        mine = person is None and (self.role == "rep" or bool(re.search(r"\b(?:i|my|me|mine)\b", self.text, re.I)))
        result = self._as_teammate(
            "search_deals", "owner", stage=stage, period=period, mine=mine, owner=person, limit=50
        )
        if not result.get("ok"):
            error = result.get("error", {})
            self.answer("error", field=error.get("field"), reason=error.get("reason", "it failed"))
        data = result["data"]
        who = f"{self._who(person)} {verb}" if person else f"You {verb}" if mine else verb.capitalize()
        label = str(period).replace("_", " ")
        self.answer(
            "deals",
            deals=data["deals"],
            empty=f"No deals were {verb} {label} ({data['from']} to {data['to']}).",
            title=f"{who} {label} ({data['from']} to {data['to']}): {data['total']} deal{'s' if data['total'] != 1 else ''}"
            + (f", {money_short(data['amount'])} in total" if data.get("amount") is not None else ""),
        )

    def do_sales_report(self) -> None:
        """A sales metric (win rate, deal size, cycle, conversions, quota attainment) for a period (this year, or this
        quarter for quotas, unless said), split as asked, with how it is computed."""
        metric = str(asked_metric(self.text))
        period = read_slots(self.text, self.model.now()).get("period")
        period = (
            period
            if period not in (None, "overdue", "today")
            else "this_quarter"
            if metric == "quota_attainment"
            else "this_year"
        )
        data = self.call("sales_report", metric=metric, group_by=asked_grouping(self.text), period=period)["data"]
        title = metric.replace("_", " ").replace("avg", "average").capitalize()
        self.answer("report", d=data, lines=report_lines(data), title=f"{title}, {str(period).replace('_', ' ')}")

    def do_lost_deals(self) -> None:
        self.do_won_deals("closed_lost", "lost")

    def do_stage_deals(self) -> None:
        """The deals in one stage ("which of my deals are in negotiation", "biggest deals in proposal across the team"):
        the caller's for a rep or when they say "my", else the team's; the biggest first when asked; with the count."""
        stage = find_stage(self.text)
        assert stage is not None
        mine = self.role == "rep" or bool(re.search(r"\b(?:i|my|me|mine)\b", self.text, re.I))
        period = self.slots.get("period") if self.slots.get("period") not in ("overdue",) else None
        data = self.call("search_deals", stage=stage.value, mine=mine, period=period, limit=50)["data"]
        deals = data["deals"]
        if _BIGGEST.search(self.text):
            deals = sorted(deals, key=lambda d: -float(d.get("amount") or 0))[:10]
        label = stage.value.replace("_", " ")
        total = f": {data['total']} deal{'s' if data['total'] != 1 else ''}" + (
            f", {money_short(data['amount'])} in total" if data.get("amount") is not None else ""
        )
        self.answer(
            "deals",
            deals=deals,
            title=f"{'Your' if mine else 'Team'} deals in {label}{total}",
            empty=f"{'You have' if mine else 'The team has'} no deals in {label}.",
        )

    def do_teammate_deals(self) -> None:
        """A teammate's deals (a stage or open ones) or their pipeline figures; a name that is no teammate is an account."""
        person = str(self._teammate())
        if _STUCK.search(self.text):
            days = int(self.slots.get("days") or 14)
            result = self._as_teammate("stuck_deals", "owner", min_days=days, scope="all", limit=10, owner=person)
            if result.get("ok"):
                self.answer(
                    "deals",
                    deals=result["data"]["deals"],
                    empty=f"None of {self._who(person)}'s deals has been stuck for more than {days} days.",
                    title=f"{self._who(person)}'s deals with no stage change for more than {days} days",
                )
        elif _PIPELINE_WORDS.search(self.text) or _PERFORMANCE.search(self.text) or _COACH.search(self.text):
            result = self._as_teammate(
                "pipeline_summary",
                "owner",
                scope="all",
                group_by="stage",
                period=self.slots.get("period"),
                owner=person,
            )
            if result.get("ok"):
                self.answer("pipeline", d=result["data"], title=f"{self._who(person)}'s pipeline by stage")
        else:
            stage = find_stage(self.text)
            period = self.slots.get("period") if self.slots.get("period") not in ("overdue", "today") else None
            arguments = {
                "stage": stage.value if stage else None,
                "open_only": stage is None,
                "owner": person,
                "period": period,
                "limit": 50 if period or stage else 25,
            }
            result = self._as_teammate("search_deals", "owner", **arguments)
            if result.get("ok"):
                data = result["data"]
                what = (f"in {stage.value.replace('_', ' ')}" if stage else "still open") + (
                    f" closing {str(period).replace('_', ' ')}" if period else ""
                )
                self.answer(
                    "deals",
                    deals=data["deals"],
                    empty=f"{self._who(person)} has no deals {what}.",
                    title=f"{self._who(person)}'s deals {what}: {data['total']} deal{'s' if data['total'] != 1 else ''}"
                    + (f", {money_short(data['amount'])} in total" if data.get("amount") is not None else ""),
                )
        error = result.get("error", {})
        if error.get("code") != "not_found":
            self.answer("error", field=error.get("field"), reason=error.get("reason", "it failed"))
        if _PERFORMANCE.search(self.text) and not _TEAMMATE_DEALS.search(self.text):
            self.do_show_record()  # "how is Acme doing": an account
        self.do_list_deals()  # "Acme's deals": an account's

    def do_memory(self) -> None:
        """Earlier tickets and conversations like the problem the user describes."""
        problem = _SEEN_BEFORE.sub(" ", self.text).strip(" ?.,:;-") or self.text
        matches = [
            m for m in self.call("search_conversations", query=problem, limit=5)["data"] if m["score"] >= MEMORY_FLOOR
        ]
        self.answer("memory", matches=matches, problem=problem)

    def do_kb_question(self, *, fallback: bool = False) -> None:
        """Answer from the help center only, with the passage composed for the question's need (store.knowledge.answers),
        cited as [1]; say so plainly when nothing matches. Staff questions that the help center does not answer go on
        to the CRM intents."""
        data = self.call("kb_search", query=self.text, limit=3)["data"]
        if not data["found"]:
            if self.role == "customer":
                self.answer("kb_not_found")
            if _WHO_IS.match(self.text) and read_slots(self.text, self.model.now()).get("name"):
                return  # "who is lisa chen": a person the CRM may know
            named = read_slots(self.text, self.model.now()).get("name")
            if self.parse.intent == "unknown" and not fallback and named and is_question(self.text):
                self.slots = {**self.slots, "name": named}  # "when did i have the discovery call w sarah johnson"
                if self.find(ANYTHING, what="a record", required=False) is not None:
                    self.writing = False
                    self.do_show_record()
            named = read_slots(self.text, self.model.now()).get("name")
            if self.parse.intent == "unknown" and not fallback and named and is_question(self.text):
                self.slots = {**self.slots, "name": named}  # "when did i have the discovery call w sarah johnson"
                if self.find(ANYTHING, what="a record", required=False) is not None:
                    self.writing = False
                    self.do_show_record()
            if (
                self.parse.intent == "unknown"
                and not fallback
                and not (is_question(self.text) and self._read_intent() in _EVIDENT_READS)
            ):
                self.answer("help", unknown=True)
            return
        self.answer("kb_answer", body=data["answer"]["text"], others=data["passages"][1:])

    @overload
    def _named(self, kinds: list[str], what: str, *, required: Literal[True] = ...) -> dict[str, Any]: ...
    @overload
    def _named(self, kinds: list[str], what: str, *, required: bool) -> dict[str, Any] | None: ...
    def _named(self, kinds: list[str], what: str, *, required: bool = True) -> dict[str, Any] | None:
        """The record the request names after "to", "for", "on", "about", "with" or "of"."""
        if not self.slots.get("pick"):
            recipient = re.match(
                r"^\W*(?:please\s+)?(?:e-?mail|write|draft|send|compose|message)\s+(?!(?:a|an|the|me|to|up|out|back|some)\b)"
                r"(.+?)\s+(?:a|an|the|about|re|with|regarding)\b",
                self.text,
                re.I,
            )
            found = (
                find_name(recipient[1])
                if recipient
                else find_name(self.text, after=("to", "for", "on", "about", "with", "of", "is"))
            )
            if _TO_PRONOUN.search(self.text) and (recipient is None or _PERSON_PRONOUN.fullmatch(recipient[1].strip())):
                found = None  # "draft an email to them about the renewal": the record in focus, not the topic
            self.slots = {**self.slots, "name": found.value if found else None}
        return self.find(kinds, what=what, required=required)

    def do_draft_email(self) -> None:
        """A draft to a contact or lead, or to the primary contact of a deal (or of an account's open deal)."""
        record = self._named(ANYTHING, "a contact, lead, deal or account")
        kind, record_id = record["type"], record["id"]
        if kind == "account":
            deals = self.call("search_deals", account_id=record_id, open_only=True, limit=1)["data"]["deals"]
            if not deals:
                self.answer("not_found", what="an open deal of", name=record["name"])
            kind, record_id = "deal", deals[0]["id"]
        lowered = self.text.lower()
        purpose = next((p for word, p in _PURPOSES if word in lowered), "follow_up")
        tone = next((t for word, t in _TONES if word in lowered), "friendly")
        topic = re.search(
            r"\b(about|regarding|re:?|on the subject of|covering|after|following|with(?=\s+(?:the|our|his|her|their)\b))\s+(.+?)\s*[.?!]*$",
            self.text,
            re.I,
        )
        lead = {"regarding": "about", "re": "about", "re:": "about", "covering": "about", "on the subject of": "about"}
        notes = f"{lead.get(topic[1].lower(), topic[1].lower()).capitalize()} {topic[2]}." if topic else None
        data = self.call("draft_email", **{f"{kind}_id": record_id}, purpose=purpose, tone=tone, notes=notes)["data"]
        self.answer("draft", d=data)

    def do_explain_score(self) -> None:
        lead = self._named(["lead"], "a lead")
        self.answer("score", d=self.call("explain_score", lead_id=lead["id"])["data"])

    def do_next_best_action(self) -> None:
        record = self._named(["deal", "lead", "contact"], "a deal, lead or contact")
        self.answer(
            "next_actions", d=self.call("next_best_action", record_type=record["type"], record_id=record["id"])["data"]
        )

    def do_anomalies(self) -> None:
        days = 30 if "month" in self.text.lower() else 7
        self.answer("alerts", d=self.call("find_anomalies", days=days)["data"])

    def do_forecast(self) -> None:
        if re.search(r"\btickets?\b|\bsupport\b|\bvolume\b", self.text, re.I):
            ahead = read_slots(self.text, self.model.now())
            days = {"today": 1, "this_week": 7, "next_week": 7, "this_month": 30, "next_month": 30}.get(
                str(ahead.get("period")), 14
            )
            self.answer("ticket_forecast", d=self.call("forecast_tickets", days=int(ahead.get("days") or days))["data"])
        self.answer("forecast", d=self.call("forecast_pipeline", quarters=2)["data"])

    def do_slipping(self) -> None:
        """Deals likely to slip: the open ones closing in the period (this month unless said), the longest in their stage first."""
        period = read_slots(self.text, self.model.now()).get("period")
        period = period if period not in (None, "overdue", "today") else "this_month"
        data = self.call("deals_closing", period=period, scope=self._scope(), limit=20)["data"]
        deals = sorted(data["deals"], key=lambda d: -int(d.get("days_in_stage") or 0))
        label = str(period).replace("_", " ")
        self.answer(
            "deals",
            deals=deals,
            title=f"Open deals closing {label} ({data['from']} to {data['to']}), the longest without a stage change first",
            empty=f"No open deals close {label}.",
        )

    def do_summarize(self) -> None:
        number = re.search(r"(?:#|\bticket\s*#?\s*)(\d{3,})\b", self.text, re.I)
        viewed = int(number.group(1)) if number else self._focus_ticket() if refers_back(self.text) else None
        if viewed is not None:  # "summarize it" after a ticket
            self.answer("summary", d=self.call("summarize_ticket", number=viewed)["data"])
        if self.role == "support" and (
            bare := _BARE_TICKET.search(self.text)
        ):  # "summarize 1047": an agent's numbers are tickets
            self.answer("summary", d=self.call("summarize_ticket", number=int(bare[1]))["data"])
        described = self._described_ticket(focused=bool(self.focus.of(["ticket"]) or self._tickets_shown()))
        if described is not None:  # "summarise sarah johnson's ticket about the csv export"
            self.answer("summary", d=self.call("summarize_ticket", number=described)["data"])
        record = self._named(ANYTHING, "a ticket number or a record")
        if record["type"] != "account":  # "summarize Sarah Johnson": what we know about the person or deal
            tool, arg = NEXT_VIEW[record["type"]]
            data = self.call(tool, **{arg: record["id"]})["data"]
            self.answer(record["type"], **({"v": data} if record["type"] == "contact" else {"d": data}))
        self.answer("summary", d=self.call("summarize_account_status", account_id=record["id"])["data"])

    def do_create_lead(self) -> None:
        self.need("first_name", "last_name", "email", hint="For example: Dana Whitfield, dana@brightwave.io.")
        self.need("source", hint="Where did the lead come from: website, referral, event, cold call or social media?")
        s = self.slots
        self.write(
            "create_lead",
            first_name=s["first_name"],
            last_name=s["last_name"],
            email=s["email"],
            source=s["source"],
            company=s.get("company"),
            title=s.get("title"),
            phone=s.get("phone"),
            company_size=s.get("company_size"),
        )

    def do_show_record(self) -> None:
        record = self.find(ANYTHING, what="a contact, lead, account or deal")
        tool, arg = NEXT_VIEW[record["type"]]
        data = self.call(tool, **{arg: record["id"]})["data"]
        field = asked_field(self.text) if is_question(self.text) or field_request(self.text) else None
        if field and len(asked_fields(self.text)) > 1:
            field = None  # "what stage and how much", "what industry and how big": the record's view says both
        if field:
            self._answer_field(record["type"], data, field)
        if record["type"] in ("contact", "account"):
            self.answer(record["type"], v=data)
        self.answer(record["type"], d=data)

    def _answer_field(self, kind: str, data: dict[str, Any], field: str) -> None:
        """One field of the record, said first; the view follows when the field is not one it holds. A deal's field
        asked of its account ("the win probability on globex") is the account's one open deal's; a deal's contact is its
        primary contact's view."""
        if kind == "account" and field in FIELD_KEYS["deal"] and field not in FIELD_KEYS["account"]:
            deals = [d for d in data.get("deals") or [] if d.get("stage") not in ("closed_won", "closed_lost")]
            if len(deals) == 1 and deals[0].get("id"):
                self._answer_field("deal", self.call("get_deal", deal_id=str(deals[0]["id"]))["data"], field)
            return
        if kind == "deal" and field == "stage" and _STATUS_OF.search(self.text):
            self.answer("deal", d=data)  # "status of the northline pilot?": where it stands, not only its stage
        if kind == "deal" and field == "contact" and data.get("primary_contact_id"):
            view = self.call("get_contact", contact_id=str(data["primary_contact_id"]))["data"]
            self.answer(
                "field",
                name=data.get("deal_name") or "",
                label="main contact",
                fallback="",
                value=f"{view['contact']['name']}"
                + (f", {view['contact']['title']}" if view["contact"].get("title") else "")
                + (f" ({view['contact']['email']})" if view["contact"].get("email") else ""),
            )
        own = data.get(kind) if kind in ("contact", "account") else data
        if (
            kind == "contact" and field == "reports_to" and isinstance(own, dict)
        ):  # "who does she report to": that contact
            boss = (
                self.call("get_contact", contact_id=str(own["reporting_to_id"]))["data"]["contact"]
                if own.get("reporting_to_id")
                else None
            )
            self.answer(
                "field",
                name=own.get("name") or "",
                label="manager (reports to)",
                fallback="",
                value=f"{boss['name']}" + (f", {boss['title']}" if boss.get("title") else "") if boss else None,
            )
        if not isinstance(own, dict) or field not in FIELD_KEYS.get(kind, {}):
            return
        key = FIELD_KEYS[kind][field]
        value = own.get(key)
        fallback = ""
        if field == "mobile" and not value and own.get("phone"):
            fallback = f"the phone number is {own['phone']}"
        if field in ("amount", "revenue") and value is not None:
            from prompts.money import money_short

            value = money_short(value)
        if isinstance(value, dict):  # an address
            value = ", ".join(str(v) for v in value.values() if v)
        if field == "probability" and value is not None:
            value = f"{value}%"
        label = {
            "close_date": "close date",
            "account_number": "account number",
            "health_score": "health score",
            "employees": "number of employees" if kind == "account" else "company size",
            "revenue": "annual revenue",
        }.get(field, field)
        self.answer(
            "field", name=own.get("name") or own.get("deal_name") or "", label=label, value=value, fallback=fallback
        )

    def do_list_leads(self) -> None:
        status = self.slots.get("lead_status")
        hot = bool(
            re.search(
                r"\b(?:hot|hottest|top|best|highest|warmest|rank\w*|sort\w*)\b|\bby\s+(?:lead\s+)?score\b",
                self.text,
                re.I,
            )
        )
        data = self.call(
            "search_leads", query=None, status=status, limit=25 if hot else 20, order="score" if hot else "newest"
        )["data"]
        leads = [lead for lead in data["leads"] if status or lead["status"] not in ("converted", "lost")]
        if hot:  # the highest scores first
            leads = sorted(leads, key=lambda lead: -(lead.get("score") or 0))[:10]
        title = f"{'Your ' if self.role == 'rep' else ''}{status or 'open'} leads".strip()
        self.answer(
            "leads", leads=leads, total=len(leads) if not status else data["total"], title=title[0].upper() + title[1:]
        )

    def do_list_deals(self) -> None:
        """The deals of a named account: those whose names hold the words ("what deals do i have w northpath"), else the
        account's own."""
        open_only = not re.search(r"\b(?:all|closed|won|lost|past)\b", self.text, re.I)
        named = " ".join(
            w for w in name_words(str(self.slots.get("name") or "")) if w not in _NAME_NOISE | COMPANY_SUFFIXES
        )
        if named and not self.slots.get("pick"):
            mine = bool(re.search(r"\b(?:i|my)\b", self.text, re.I)) and self.role == "rep"
            found = self.call("search_deals", query=named, open_only=open_only, mine=mine, limit=20)["data"]["deals"]
            if found and all(_covers(named, str(d["deal_name"])) for d in found):
                title = f"{'Your o' if mine else 'O'}{'pen deals' if open_only else 'deals'} named {named.title()}"
                self.answer("deals", deals=found, title=title, empty="")
        account = self.find(["account"], what="an account")
        data = self.call("search_deals", account_id=account["id"], open_only=open_only, limit=20)["data"]
        self.answer(
            "deals",
            deals=data["deals"],
            title=f"{'Open deals' if open_only else 'Deals'} of {account['name']}",
            empty=f"{account['name']} has no {'open ' if open_only else ''}deals.",
        )

    def do_my_meetings(self) -> None:
        period = str(self.slots["period"]) if self.slots.get("period") in MEETING_PERIODS else "this_week"
        if re.search(r"\btomorrow\b", self.text, re.I):
            period = "next_week" if self.model.now().weekday() == 6 else "this_week"
        data = self.call("my_meetings", period=period)["data"]
        self.answer("meetings", meetings=data, label=period.replace("_", " "))

    def do_team_tasks(self) -> None:
        period = self.slots.get("period") or (
            "overdue" if re.search(r"\bbehind\b|\boverdue\b|\blate\b", self.text, re.I) else None
        )
        person = None if _WHO_ON_TEAM.search(self.text) else self.slots.get("person")  # "who on my team is furthest
        # behind": the whole team's, not a person named "furthest"
        result = self._as_teammate("team_tasks", "person", person=str(person) if person else None, period=period)
        if not result.get("ok"):
            error = result.get("error", {})
            self.answer("error", field=error.get("field"), reason=error.get("reason", "it failed"))
        data = result["data"]
        self.answer(
            "tasks",
            tasks=data["tasks"],
            period=period,
            person=data["person"],
            team=person is None,
            label="overdue" if period == "overdue" else "",
        )

    def do_show_ticket(self) -> None:
        self.answer("ticket", d=self.call("get_ticket", number=int(self.slots["ticket_number"]))["data"])

    def do_create_contact(self) -> None:
        self.need(
            "first_name", "last_name", "email", hint="For example: Oliver Grant, oliver.grant@acme.test, at Acme UK."
        )
        s, account = self.slots, None
        if s.get("company"):
            self.slots = {**s, "name": s["company"]}
            account = self.find(["account"], what="an account")
        self.write(
            "create_contact",
            first_name=s["first_name"],
            last_name=s["last_name"],
            email=s["email"],
            account_id=account and account["id"],
            title=s.get("title"),
            phone=s.get("phone"),
        )

    def do_update_contact(self) -> None:
        field = str(self.slots.get("field") or "phone")
        self.need("value", hint=f"What should the {field.replace('_url', '')} be?")
        who = self.find(PERSON, what="a contact or lead")
        changes = dict(self.slots.get("changes") or {field: self.slots["value"]})  # several fields in one message
        if who["type"] == "lead":
            changes = {{"mobile": "phone"}.get(k, k): v for k, v in changes.items()}
        self.write(f"update_{who['type']}", **{f"{who['type']}_id": who["id"]}, changes=changes)

    def do_assign_ticket(self) -> None:
        self._ticket_named()
        self.need("ticket_number", hint="Which ticket number?")
        assignee = str(
            self.slots.get("assignee") or "me"
        )  # a name is resolved by the tool; several people are asked back
        self._ticket_writes(
            "assign_ticket",
            {
                "number": self.slots["ticket_number"],
                "assignee": self.caller if assignee == "me" and self.caller else assignee,
            },
        )

    def _ticket_writes(self, tool: str, arguments: dict[str, Any]) -> NoReturn:
        """The ticket change asked for and the other one a further clause asks for ("assign it to noah and set it to
        pending", "escalate ... to urgent and put it on me"), proposed together; else the one."""
        calls, number = [(tool, arguments)], arguments["number"]
        for part in _TICKET_CLAUSES.split(self.text)[1:]:
            if tool == "update_ticket" and (who := _ALSO_ASSIGN.search(part)):
                to = self.caller if who[1].lower() in ("me", "myself") and self.caller else who[1]
                calls.append(("assign_ticket", {"number": number, "assignee": to}))
            elif tool == "assign_ticket" and _SETS.match(part):
                said = FILLERS["update_ticket"](part, self.model.now())
                changes = {k: said[k] for k in ("status", "priority") if said.get(k)}
                if changes:
                    calls.append(("update_ticket", {"number": number, "changes": changes}))
        if len(calls) == 1:
            self.write(tool, **arguments)
        self.write_all(calls)

    def do_update_lead_status(self) -> None:
        self.need("status", hint="Contacted, qualified or lost?")
        if self.slots["status"] == "lost":
            self.need("reason", hint="Why was the lead lost?")
        lead = self.find(["lead"], what="a lead", required=self.slots["status"] != "lost")
        if lead is not None and self.slots["status"] == "qualified":
            self._ask_bant(lead)
        if lead is None:  # "Emberforge Co - Upgrade 15 is lost": a deal's name, not a lead's
            self.slots = {**self.slots, "stage": "closed_lost"}
            self.writing = True
            deal = self._deal()
            self.write("move_deal_stage", deal_id=deal["id"], stage="closed_lost", reason=self.slots.get("reason"))
        self.write(
            "update_lead_status",
            lead_id=lead["id"],
            status=self.slots["status"],
            reason=self.slots.get("reason"),
            **{k: self.slots.get(k) for k in ("budget", "authority", "need", "timeline")},
        )

    def _ask_bant(self, lead: dict[str, Any]) -> None:
        """Qualifying needs all four BANT answers: those typed, else those the lead holds; ask for exactly the missing
        ones in one question ("unknown" is an answer)."""
        held = self._lead_state(lead)
        missing = [
            k
            for k in BANT_KEYS
            if not str(self.slots.get(k) or "").strip() and k in held.get("bant_missing", BANT_KEYS)
        ]
        if missing:
            listed = ", ".join(missing[:-1]) + (" and " if len(missing) > 1 else "") + missing[-1]
            self.answer(
                "ask",
                missing=f"to know the {listed}",
                hint=f"To qualify {held.get('name') or lead.get('name')}, tell me the {listed} "
                "(BANT); 'unknown' is fine for any you don't know.",
            )

    def _lead_state(self, lead: dict[str, Any]) -> dict[str, Any]:
        """The lead's status and the BANT answers it lacks, from the lead list (no free text of others in the turn, so
        the write that follows is still offered)."""
        rows = self.call("search_leads", query=str(lead.get("name") or ""), limit=10)["data"]["leads"]
        return next((row for row in rows if row["id"] == str(lead["id"])), {"name": lead.get("name"), "status": None})

    def do_convert_lead(self) -> None:
        lead = self.find(["lead"], what="a lead")
        held = self._lead_state(lead)
        override = self.slots.get("override_reason")
        if held.get("status") in ("new", "contacted") and not override:
            self.answer(
                "ask",
                missing="override reason",
                hint=f"{held.get('name') or lead.get('name')} is {held.get('status')}, "
                "not qualified: why convert it anyway? (Or qualify it first, with budget, authority, need and timeline.)",
            )
        self.write(
            "convert_lead",
            lead_id=lead["id"],
            amount=self.slots.get("amount"),
            close_date=self.slots.get("close_date"),
            deal_name=self.slots.get("deal_name"),
            override_reason=override,
        )

    def do_create_deal(self) -> None:
        self.need("amount", hint="How much is the deal worth?")
        account = self.find(["account"], what="an account", required=False)
        company = account["name"] if account else self.slots.get("name") or "New deal"
        named = self.slots.get("deal_name")
        said_account = (
            " - " in str(named) and _covers(str(named).split(" - ")[0], account["name"]) if account else False
        )
        if named and account and account["name"].lower() not in str(named).lower() and not said_account:
            named = f"{account['name']} - {str(named)[:1].upper()}{str(named)[1:]}"
        self.write(
            "create_deal",
            deal_name=named or f"{company} - New Business",
            amount=self.slots["amount"],
            account_id=account and account["id"],
            close_date=self.slots.get("close_date"),
            stage=self.slots.get("stage"),
        )

    def do_update_deal(self) -> None:
        changes = {k: self.slots[k] for k in ("amount", "close_date", "probability") if self.slots.get(k) is not None}
        if not changes:
            self.need("amount", hint="What should change: the amount or the close date?")
        deal = self._deal()
        self.write("update_deal", deal_id=deal["id"], changes=changes)

    def do_move_deal_stage(self) -> None:
        self.need("stage", hint="Which stage: prospecting, qualification, proposal, negotiation, won or lost?")
        if self.slots["stage"] == "closed_lost":
            self.need("reason", hint="Why was it lost?")
        deal = self._deal()
        self.write(
            "move_deal_stage",
            deal_id=deal["id"],
            stage=self.slots["stage"],
            reason=self.slots.get("reason"),
            amount=self.slots.get("amount"),
        )

    def _deal(self) -> dict[str, Any]:
        """The deal the request names: by deal name first, else the one open deal of the named account; a deal said to
        be someone's ("carlos's orbitpath platform deal") only among that person's deals.

        "Dana is lost" names a lead, not a deal: that becomes the lead's status change.
        """
        owned = self._owned_deal()
        if owned is not None:
            return owned
        deal = self.find(["deal"], what="a deal", required=False)
        if deal is not None:
            return deal
        account = self.find(["account"], what="a deal or account", required=self.slots.get("stage") != "closed_lost")
        if account is None:
            lead = self.find(["lead"], what="a deal, account or lead")
            self.write("update_lead_status", lead_id=lead["id"], status="lost", reason=self.slots.get("reason"))
        deals: list[dict[str, Any]] = self.call("search_deals", account_id=account["id"], open_only=True, limit=10)[
            "data"
        ]["deals"]
        if len(deals) == 1:
            return deals[0]
        if deals:
            self.answer(
                "clarify",
                candidates=[{"name": d["deal_name"], "type": "deal", "detail": d["stage"]} for d in deals],
                confirm=False,
            )
        self.answer("not_found", what="an open deal of", name=account["name"])
        raise AssertionError("unreachable")

    def _owned_deal(self) -> dict[str, Any] | None:
        """The deal of the person a possessive names ("carlos's orbitpath platform deal"), found among their deals
        (`search_deals` with `owner`, which says when the caller may not see them); None when the possessive names no
        teammate ("acme's deal") or none is said."""
        said = _OWNER_OF_DEAL.search(self.text) or _OWNER_OF_NAMED_DEAL.search(self.text)
        if said is None or said[1].lower() in STOPWORDS:
            return None
        words = " ".join(run.value for run in name_runs(said[2]))
        number = re.search(r"\b(\d{1,4})\b", said[2])
        key = f"{words} {number[1]}" if number else words
        named = {"query": words.split()[0]} if words else {}  # those the first word names: a teammate has many
        result = self.attempt("search_deals", owner=said[1], open_only=False, limit=50, **named)
        if named and result.get("ok") and not any(_covers(key, str(d["deal_name"])) for d in result["data"]["deals"]):
            result = self.attempt("search_deals", owner=said[1], open_only=False, limit=50)  # a typo in that word
        error = result.get("error") or {}
        if not result.get("ok") and error.get("code") == "not_found" and error.get("field") == "owner":
            return None  # no teammate by that name: an account's or a record's name
        if not result.get("ok"):
            reason = error.get("reason", "it failed")
            self.answer("error", field=None, reason=f"you can't change {said[1].capitalize()}'s deals here ({reason}).")
        deals = [d for d in result["data"]["deals"] if key.strip() and _covers(key, str(d["deal_name"]))]
        if len(deals) == 1:
            return {"type": "deal", "id": deals[0]["id"], "name": deals[0]["deal_name"]}
        if deals:
            self.answer(
                "clarify",
                candidates=[{"name": d["deal_name"], "type": "deal", "detail": d.get("stage")} for d in deals[:4]],
                confirm=False,
            )
        self.answer("not_found", what=f"a deal of {said[1].capitalize()}'s", name=key.strip() or said[2])
        raise AssertionError("unreachable")

    def do_pipeline(self) -> None:
        scope = self.slots.get("scope") or (
            "team" if self.role == "manager" else "mine" if self.role == "rep" else "all"
        )
        data = self.call(
            "pipeline_summary",
            scope=scope,
            group_by=self.slots.get("group_by") or "stage",
            period=self.slots.get("period"),
        )["data"]
        title = {"mine": "Your pipeline", "team": "Your team's pipeline", "all": "The pipeline"}[scope]
        if data["group_by"] == "owner":  # "which rep has the biggest pipeline": the biggest first, named
            data = {**data, "rows": sorted(data["rows"], key=lambda r: -float(r.get("amount") or 0))}
        reps = []
        if scope == "team" and data["group_by"] == "stage":  # a manager's team pipeline says who holds it too
            owners = self.call("pipeline_summary", scope=scope, group_by="owner", period=self.slots.get("period"))[
                "data"
            ]
            reps = sorted(owners["rows"], key=lambda r: -float(r.get("amount") or 0))
        self.answer(
            "pipeline", d=data, title=title + (" by owner" if data["group_by"] == "owner" else " by stage"), reps=reps
        )

    def do_stuck_deals(self) -> None:
        days = int(self.slots.get("days") or 14)
        data = self.call("stuck_deals", min_days=days, scope=self._scope(), limit=10)["data"]
        self.answer(
            "deals",
            deals=data["deals"],
            title=f"Deals with no stage change for more than {days} days",
            empty=f"No deals have been stuck for more than {days} days.",
        )

    def do_deals_closing(self) -> None:
        within = self.slots.get("within_days")
        if within:
            data = self.call("deals_closing", period="this_month", scope=self._scope(), limit=20, within_days=within)[
                "data"
            ]
            self.answer(
                "deals",
                deals=data["deals"],
                title=f"Open deals closing in the next {within} days ({data['from']} to {data['to']})",
                empty=f"No open deals close in the next {within} days.",
            )
        period = self.slots.get("period") or "this_month"
        data = self.call("deals_closing", period=period, scope=self._scope(), limit=20)["data"]
        if period == "overdue":
            self.answer(
                "deals",
                deals=data["deals"],
                title="Open deals past their close date",
                empty="No open deal is past its close date.",
            )
        label = period.replace("_", " ")
        self.answer(
            "deals",
            deals=data["deals"],
            title=f"Open deals closing {label} ({data['from']} to {data['to']})",
            empty=f"No open deals close {label}.",
        )

    def _scope(self) -> str:
        return self.slots.get("scope") or (
            "team" if self.role == "manager" else "mine" if self.role == "rep" else "all"
        )

    def do_log_call(self) -> None:
        who = self.find(PERSON, what="a contact or lead")
        self.write(
            "log_call",
            contact_id=who["id"] if who["type"] == "contact" else None,
            lead_id=who["id"] if who["type"] == "lead" else None,
            notes=self.slots.get("notes"),
            direction=self.slots.get("direction"),
            duration_minutes=self.slots.get("duration_minutes"),
            outcome=self.slots.get("outcome"),
        )

    def do_add_note(self) -> None:
        self.need("body", hint="What should the note say?")
        if (
            self.slots.get("name_in_body") and self.focus.of(ANYTHING) is not None
        ):  # "add a note: champion is Olga Zhou"
            self.slots = {**self.slots, "name": None}
        record = self.find(ANYTHING, what="a record")
        self.write("add_note", related_type=record["type"], related_id=record["id"], body=self.slots["body"])

    def do_schedule_meeting(self) -> None:
        self.need("start", hint="When (for example: next Wednesday at 10am)?")
        people = []
        for name in self.slots.get("names") or [self.slots.get("name")]:
            self.slots = {**self.slots, "name": name}
            people.append(self.find(["contact"], what="a contact")["id"])
        self.write(
            "schedule_meeting",
            title=self.slots.get("title") or "Meeting",
            start_at=self.slots["start"],
            contact_ids=list(dict.fromkeys(people)),
            duration_minutes=self.slots.get("duration_minutes"),
        )

    def do_create_task(self) -> None:
        assignee = None
        named = _FOR_TEAMMATE.search(self.text)
        who = next((group for group in named.groups() if group), "") if named else ""
        if who and find_date(who, self.model.now().date()) is None:
            # "a task for john: ...": a teammate, unless a CRM record goes by that name ("a task for tomorrow": a day)
            hits = self.call("search_crm", query=who, types=ANYTHING, limit=8)["data"]
            if not any(same_word(who.lower(), (name_words(str(h.get("name") or "")) or [""])[0]) for h in hits):
                if self.role not in ("manager", "admin"):
                    self.answer(
                        "error",
                        field="assignee",
                        reason="only managers (for their team) and admins give tasks to others.",
                    )
                assignee = who
        self.need("title", hint="What should I remind you to do?")
        kind = self.slots.get("related_kind")
        related = self.find([str(kind)] if kind in ANYTHING else ANYTHING, what="a record", required=bool(kind))
        title = str(self.slots["title"])
        if related and related.get("name") and not self.slots.get("name"):
            title = re.sub(r"\b(?:him|her|them|it)\b", related["name"], title, count=1)
        self.write(
            "create_task",
            title=title,
            due_date=self.slots.get("due_date"),
            priority=self.slots.get("priority"),
            related_type=related and related["type"],
            related_id=related and related["id"],
            assignee=assignee,
        )

    def do_handoff(self, handed: Handoff) -> None:
        """Give a deal or a task to a teammate: the one record the words name for sure (a task among the open ones of
        the person it belongs to: the caller's, or the teammate's the message names); else ask which."""
        if handed.kind == "ticket" and handed.bulk:
            self._assign_tickets(handed)
        if handed.kind == "ticket":  # "hand the falconstone export ticket over to sam"
            number = self.slots.get("ticket_number") or read_slots(self.text, self.model.now()).get("ticket_number")
            self.slots = {**self.slots, "assignee": handed.to, "ticket_number": number}
            self.do_assign_ticket()
        if handed.kind == "deal":
            named = self.slots.get("name") if self.slots.get("pick") else _clean_words(handed.words)
            self.slots = {**self.slots, "name": named}
            deal = self.find(["deal"], what="a deal")
            self.write("reassign_deal", deal_id=deal["id"], owner=handed.to)
        task = self._task(handed.words, handed.owner)
        self.write("update_task", task_id=task["id"], assignee=handed.to)

    def _assign_tickets(self, handed: Handoff) -> None:
        """Every open ticket the words describe ("assign all the globex calendar sync tickets to me": each word in its
        subject, requester's or account's name, `find_tickets`), proposed together; more than ten are not guessed at."""
        words = _ticket_description(handed.words)
        if not words:
            self.answer("ask", missing="tickets", hint="Which tickets (words of their subject, account or requester)?")
        found = self.call("find_tickets", description=words, open_only=True, limit=BULK_LIMIT + 1)["data"]
        if not found:
            self.answer("not_found", what="open tickets", name=words)
        if len(found) > BULK_LIMIT:
            self.answer(
                "error",
                field=None,
                reason=f'more than {BULK_LIMIT} open tickets match "{words}": say more about the ones you mean.',
            )
        to = self.caller if handed.to.lower() in ("me", "myself") and self.caller else handed.to
        self.write_all([("assign_ticket", {"number": int(t["number"]), "assignee": to}) for t in found])

    def do_task_priority(self, said: re.Match[str]) -> None:
        """Set the priority of one open task the words name: the caller's, or the teammate's a possessive names."""
        owner = re.match(r"([a-z]+)['’]s\s+", said[1], re.I)
        words = said[1][owner.end() :] if owner else said[1]
        task = self._task(words, owner[1] if owner else None)
        self.write("update_task", task_id=task["id"], priority=said[2].lower())

    def do_complete_task(self) -> None:
        """Mark one open task done: the caller's, or the teammate's the message names ("close out mike's follow up #16
        task")."""
        said = _COMPLETE_TASK.search(self.text) or _DONE_WITH_IT.search(self.text)
        assert said is not None
        parts = clauses(self.text)
        clause = next((c.value for c in parts if _COMPLETE_TASK.search(c.value)), said[0])
        if not _task_words(clause):  # "finished the follow up with X, tick it off": the words of another clause
            clause = next((c.value for c in parts if _task_words(c.value)), clause)
        if not _task_words(clause) and len(self.focus.shown) == 1:  # "mark it done" after a list of one task
            clause = re.sub(r"\s+\((?:due|overdue)\b.*$", "", self.focus.shown[0])
        owner = re.search(r"\b([a-z]+)['’]s\b", clause, re.I)
        words = clause[: owner.start()] + clause[owner.end() :] if owner else clause
        task = self._task(words, owner[1] if owner else None)
        self.write("update_task", task_id=task["id"], status="done")

    def _task(self, words: str, owner: str | None) -> dict[str, Any]:
        """The one open task whose title holds every word the user wrote about it (typos allowed; a number as
        written: "follow up #28"), else whose title and the name of the record it is about hold them ("the follow up
        with ava ito"), among the caller's or the named teammate's; several are asked back, none is said."""
        key = _task_words(words)
        if not key:
            self.need("name", hint="Which task (a few words of its title)?")
        if owner and owner.lower() not in ("my", "our", "me", "i"):
            return self._teammate_task(key, owner)
        tasks = self.call("my_tasks")["data"]["tasks"]
        lines = [
            {
                "name": t["title"],
                "type": "task",
                "detail": f"due {t['due_date']}" if t.get("due_date") else "",
                "id": t["id"],
            }
            for t in tasks
            if t.get("status") != "done"
        ]
        matched = [line for line in lines if _covers(key, line["name"])]
        if not matched:  # the words name what the task is about, not only its title
            described = self.attempt("find_tasks", description=key)
            ids = {t["id"] for t in described.get("data") or []} if described.get("ok") else set()
            matched = [line for line in lines if line["id"] in ids]
        picked = [line for line in matched if _line(line) == self.slots.get("pick")]
        if len(matched) > 1 and len(picked) == 1:
            matched = picked
        if not matched:
            self.answer("not_found", what="an open task", name=key)
        if len(matched) > 1:
            self.answer("clarify", candidates=matched[:4], confirm=False)
        return matched[0]

    def _teammate_task(self, key: str, owner: str) -> dict[str, Any]:
        """The one open task of a teammate the words name (`find_tasks`: a teammate's titles are their own text, and a
        turn that reads them proposes no write, so they are matched where they are kept and never read here)."""
        found = self.call("find_tasks", description=key, person=owner)["data"]
        if not found:
            self.answer("not_found", what=f"an open task of {owner.capitalize()}'s", name=key)
        if len(found) > 1:
            self.answer(
                "error",
                field=None,
                reason=f'{len(found)} of {owner.capitalize()}\'s open tasks match "{key}": say more of its title '
                f'("{owner}\'s tasks" lists them).',
            )
        return {"type": "task", "id": found[0]["id"], "name": ""}

    def do_my_tasks(self) -> None:
        period, within = self.slots.get("period"), self.slots.get("within_days")
        label = f"due in the next {within} days"
        if not period and not within and re.search(r"\b(?:due|for)\s+(?:tomorrow|tmrw|tmr)\b", self.text, re.I):
            within, label = 1, "due by tomorrow"  # "tasks due tmrw?": the late ones, today's and tomorrow's
        if within:
            data = self.call("my_tasks", period=None, include_done=False, within_days=within)["data"]
            self.answer("tasks", tasks=data["tasks"], period=None, label=label)
        data = self.call("my_tasks", period=period, include_done=False)["data"]
        self.answer("tasks", tasks=data["tasks"], period=period, label="overdue" if period == "overdue" else "")

    def do_list_tickets(self) -> None:
        if _CAME_IN_TODAY.search(self.text):
            self._tickets_today()
        record = self.find(["account", "contact"], what="an account or contact", required=False)
        status = self.slots.get("status")
        if _WAITING_ON_ME.search(self.text) and not re.search(r"\bpending\b", self.text, re.I):
            status = None  # "waiting on me" is the caller's queue, not the pending status
        history = bool(
            re.search(r"\b(?:history|before|ever|all|past|previous|else)\b", self.text, re.I)
        )  # closed ones too
        arguments = {
            "query": None,
            "status": status,
            "priority": self.slots.get("priority"),
            "account_id": record["id"] if record and record["type"] == "account" else None,
            "contact_id": record["id"] if record and record["type"] == "contact" else None,
            "open_only": status is None and not history,
            "limit": 10,
        }
        if (
            re.search(
                r"\bmy\s+(?:\w+\s+)?(?:queue|tickets)\b|\bassigned\s+to\s+me\b|\bmy\s+(?:own\s+)?(?:cases|queue)\b",
                self.text,
                re.I,
            )
            or _WAITING_ON_ME.search(self.text)
        ) and self.role != "customer":
            arguments["mine"] = True
        if self.slots.get("assignee"):
            arguments = {**arguments, "assignee": str(self.slots["assignee"]), "mine": False}
            result = self.attempt("search_tickets", **arguments)
            if not result.get("ok"):
                error = result.get("error", {})
                self.answer("error", field=error.get("field"), reason=error.get("reason", "it failed"))
            data = result["data"]
            who = str(self.slots["assignee"]).capitalize()
            title = f"{status.capitalize() if status else 'Open'} tickets assigned to {who}"
            self.answer("tickets", tickets=data["tickets"], total=data["total"], title=title)
        data = self.call("search_tickets", **arguments)["data"]
        title = f"{'Your ' if arguments.get('mine') else ''}{status or ('all' if history else 'open')} tickets" + (
            f" for {record['name']}" if record else ""
        )
        title = title[:1].upper() + title[1:]
        self.answer("tickets", tickets=data["tickets"], total=data["total"], title=title)

    def _tickets_today(self) -> None:
        """The tickets that came in today, about a topic when the words before "tickets" name one ("how many calendar
        sync tickets came in today?"), counted; "what's going on" with them adds what the newest one says."""
        said = _TICKET_TOPIC.search(self.text)
        topic = " ".join(w for w in (said[1].split() if said else []) if w.lower() not in _NOT_A_TOPIC)
        today = self.model.now().date().isoformat()
        found = self.call("search_tickets", query=topic or None, open_only=False, limit=50)["data"]["tickets"]
        tickets = [t for t in found if str(t.get("created_at") or "").startswith(today)]
        title = f"{topic.capitalize() + ' tickets' if topic else 'Tickets'} that came in today"
        note = None
        if tickets and _WHATS_GOING_ON.search(self.text):
            newest = self.call("get_ticket", number=int(tickets[0]["number"]))["data"]
            if newest.get("description"):
                note = f"#{newest['number']} says: {newest['description']}"
        self.answer("tickets", tickets=tickets, total=len(tickets), title=title, note=note)

    def do_create_ticket(self) -> None:
        self.need("subject", hint="What is the problem?")
        who = self.find(["contact"], what="a contact", required=False)
        self.write(
            "create_ticket",
            subject=self.slots["subject"],
            priority=self.slots.get("priority") or "medium",
            requester_contact_id=who and who["id"],
            product=self.slots.get("product"),
        )

    def _ticket_number(self) -> int | None:
        """The ticket a support request is about: a number it gives, else the one ticket in focus ("suggest a reply to it")."""
        number = self.slots.get("ticket_number") or read_slots(self.text, self.model.now()).get("ticket_number")
        bare = re.search(r"(?<![$\d.,])\b(\d{4})\b(?!\s*(?:k|m|%|[.,]\d))", self.text, re.I)
        if number is None and bare:
            number = int(bare[1])
        if number is None:
            number = self._focus_ticket()
        if number is None:
            number = self._described_ticket(focused=self._tickets_shown())
        return int(number) if number is not None else None

    def _tickets_shown(self) -> bool:
        """Whether the last answer listed tickets (so "the one from rosa rossi" is one of them)."""
        return any(r.get("type") == "ticket" for r in self.focus.records)

    def do_ticket_reply(self, number: int) -> None:
        """A reply to suggest for a ticket: the help center's answer to its subject, cited (only what the articles
        support is kept, so the reply is the cited answer itself)."""
        ticket = self.call("get_ticket", number=number)["data"]
        said = re.search(
            rf"\b{number}\b\s*[,:;-]?\s*(.{{12,}})$", self.text
        )  # what the agent adds about it: "1038, they keep ..."
        extra = said[1] if said and not asks_reply(said[1]) else ""
        data = self.call("kb_search", query=f"{ticket.get('subject') or ''}. {extra}".strip(" ."), limit=3)["data"]
        if not data["found"]:
            self.answer("ticket_no_reply", d=ticket)
        self.answer("kb_answer", body=data["answer"]["text"], others=data["passages"][1:])

    def _ticket_named(self) -> None:
        """Link a ticket named by its subject rather than its number ("escalate my sso ticket", "the sso ticket from
        orbitpath"): the open tickets whose subject holds the words, of the account or requester named after "from"/"for"
        (or the caller's own, for "my"), asked back by number even when one (the pick names it); none leaves the number to
        ask."""
        if self.slots.get("ticket_number"):
            return
        if (chosen := re.match(r"#(\d+)\b", str(self.slots.get("pick") or ""))) is not None:
            self.slots = {**self.slots, "ticket_number": int(chosen[1])}
            return
        if (number := self._described_ticket(focused=self._tickets_shown())) is not None:
            self.slots = {**self.slots, "ticket_number": number}
            return
        m = _TICKET_WORDS.search(self.text)
        if m is None:
            return
        topic = " ".join(run.value for run in name_runs(m[1], STOPWORDS))
        if not topic:
            return
        arguments: dict[str, Any] = {
            "query": topic,
            "open_only": True,
            "limit": 5,
            "mine": bool(re.search(r"\bmy\b", m[0], re.I)),
        }
        if m[2]:
            slots, self.slots = self.slots, {**self.slots, "name": m[2]}
            whose = self.find(["account", "contact"], what="an account or contact", required=False)
            self.slots = slots
            if whose is not None:
                arguments[f"{whose['type']}_id"] = whose["id"]
        tickets = self.call("search_tickets", **arguments)["data"]["tickets"]
        lines = [
            {
                "name": f"#{t['number']} {t['subject']}",
                "type": "ticket",
                "detail": f"{t['status']}, {t['priority']}",
                "number": t["number"],
            }
            for t in tickets
        ]
        if lines:  # asked back even when one: reading tickets' customer text leaves no write offered in this turn
            self.answer("clarify", candidates=lines[:4], confirm=len(lines) == 1)

    def _described_ticket(self, *, focused: bool = False) -> int | None:
        """The number of the one open ticket the message describes by its words ("the calendar sync ticket for the
        legal team", "maya dubois's sso ticket", "the one from rosa rossi" after a list of tickets): each word is in its
        subject, its requester's or its account's name (`find_tickets`, which returns no customer text, so a change can
        follow). Several are asked back by number; None when the message describes none."""
        words = _ticket_description(self.text, focused=focused)
        if not words:
            return None
        mine = bool(re.search(r"\bmy\s+(?:[\w-]+\s+){0,3}?(?:ticket|case|queue)", self.text, re.I))
        found = self.call("find_tickets", description=words, open_only=True, mine=mine, limit=5)["data"]
        shown = {str(r.get("id")) for r in self.focus.records if r.get("type") == "ticket"}
        if focused and len(listed := [t for t in found if str(t.get("id")) in shown]) >= 1:
            found = listed  # "the one from rosa rossi": among the tickets just listed
        if len(found) == 1:
            return int(found[0]["number"])
        if found:  # told apart by their subjects (read now: no change follows in this turn anyway)
            subjects = [self.call("get_ticket", number=int(t["number"]))["data"].get("subject") for t in found[:4]]
            self.answer(
                "clarify",
                candidates=[
                    {
                        "name": f"#{t['number']} {subject or ''}".strip(),
                        "type": "ticket",
                        "detail": ", ".join(str(v) for v in (t["status"], t["priority"], t.get("requester")) if v),
                    }
                    for t, subject in zip(found, subjects)
                ],
                confirm=False,
            )
        return None

    def do_update_ticket(self) -> None:
        self._ticket_named()
        self.need("ticket_number", hint="Which ticket number?")
        changes = {k: self.slots[k] for k in ("status", "priority") if self.slots.get(k)}
        if not changes:
            self.need("status", hint="What should change: the status or the priority?")
        self._ticket_writes("update_ticket", {"number": self.slots["ticket_number"], "changes": changes})


EVIDENCE: dict[str, tuple[tuple[str, ...], ...]] = {
    "create_lead": (("first_name", "email"),),
    "update_lead_status": (("status", "name"),),
    "convert_lead": (("name",),),
    "create_deal": (("amount",),),
    "update_deal": (("amount", "name"), ("close_date", "name"), ("probability", "name")),
    "move_deal_stage": (("stage", "name"),),
    "log_call": (("name", "notes"),),
    "add_note": (("body", "name"),),
    "schedule_meeting": (("start", "name"),),
    "create_task": (("title",),),
    "create_ticket": (("subject",),),
    "update_ticket": (("ticket_number", "status"), ("ticket_number", "priority")),
}
FIELD_KEYS = {
    "contact": {
        "phone": "phone",
        "mobile": "mobile",
        "email": "email",
        "title": "title",
        "owner": "owner",
        "department": "department",
    },
    "lead": {
        "phone": "phone",
        "email": "email",
        "title": "title",
        "score": "score",
        "stage": "status",
        "owner": "owner",
        "industry": "industry",
        "employees": "company_size",
        "source": "source",
    },
    "account": {
        "owner": "owner",
        "phone": "phone",
        "account_number": "account_number",
        "health_score": "health_score",
        "industry": "industry",
        "employees": "employees",
        "website": "website",
        "revenue": "annual_revenue",
        "tier": "tier",
        "address": "billing_address",
    },
    "deal": {
        "amount": "amount",
        "close_date": "close_date",
        "stage": "stage",
        "owner": "owner",
        "probability": "probability",
    },
}
_BARE_MENTION = re.compile(
    r"^\W*(?:(?:please|pls|and|ok(?:ay)?|now)[,\s]+)?(?:the\s+)?([a-z][\w&'.-]*(?:\s+[a-z0-9][\w&'.-]*){0,3}?)"
    r"(?:\s+(?:deal|account|lead|contact|opportunity|opp|record|page|profile))?(?:[,\s]+(?:please|pls|thanks|thx))?\W*$",
    re.I,
)
_COACH = re.compile(
    r"\bcoach(?:ing)?\s+([a-z]+)\b|\bwhere\s+is\s+([a-z]+)\s+(?:weakest|struggling|falling\s+short)\b", re.I
)
_WHO_IS = re.compile(r"^\W*(?:who(?:'?s|\s+is|\s+was)|whos)\s+(?!the\b|my\b|our\b|on\b|working\b)", re.I)
_MY_REPS = re.compile(
    r"\b(?:my|our)\s+(?:reps|people|teammates|team\s+members|sellers|aes)\b|\bwho\s+on\s+(?:my|the)\s+team\b", re.I
)
_TICKET_CLAUSES = re.compile(r"\s*(?:[,;]|\s[-–—]\s)\s*(?:and\s+)?|\s+and\s+(?:then\s+)?|\s+also\s+")
_ALSO_ASSIGN = re.compile(
    r"^\W*(?:(?:please|pls)\s+)?(?:assign|reassign|give|hand|put|pass)\s+(?:it|this|that|the\s+ticket)\s+(?:over\s+)?"
    r"(?:to|on)\s+(me|myself|[a-z]+)\b",
    re.I,
)
_SETS = re.compile(
    r"^\W*(?:(?:please|pls|then)\s+)?(?:set|make|mark|bump|change|move|escalate|switch|raise|lower|close|resolve|reopen)\b",
    re.I,
)
BULK_LIMIT = 10  # tickets handed on in one request, at most
_TICKET_NOUN = re.compile(r"\b(?:ticket|case|issue)s?\b", re.I)
_TICKET_VERBS = frozenset(
    "escalate escalated bump hand give pass assign reassign resolve close reopen mark put set change move summarise "
    "summarize suggest reply draft respond answer pls plz please over urgent high low medium normal priority pending "
    "resolved closed open one tix take grab".split()
)
_TICKET_TARGET = re.compile(r"\b(?:over\s+)?(?:to|on)\s+(?:me|myself|[a-z]+)\s*(?:pls|please)?\W*$", re.I)


def _ticket_description(text: str, *, focused: bool = False) -> str:
    """The words a message uses for a ticket: those of the clause naming a ticket ("the one" too, after a list of
    tickets), without its verbs, its new status or priority, whom it goes to and the words every message has."""
    parts = clauses(text)
    if not focused and not any(_TICKET_NOUN.search(c.value) for c in parts):
        return ""
    said = [
        c.value for c in parts if _TICKET_NOUN.search(c.value) or re.search(r"\bthe\s+(?:\w+\s+)?one\b", c.value, re.I)
    ]
    if not said:
        return ""
    clause = " ".join(
        _TICKET_TARGET.sub("", mask(c, find_priority(c, loose=True), find_ticket_status(c))) for c in said
    )
    return " ".join(
        t.text.lower()
        for t in tokens(clause)
        if t.key not in STOPWORDS and t.key not in _TICKET_VERBS and not t.key.isdigit()
    )


_TICKET_WORDS = re.compile(
    r"\b(?:the|my|that|this|our|their)\s+((?:[\w-]+\s+){1,3}?)(?:ticket|case|issue)\b"
    r"(?:\s+(?:from|for|at|of|with|by)\s+([^,.;?!]+?))?\s*(?=[,.;?!]|$)",
    re.I,
)
_MY_LIST = re.compile(
    r"^\W*(?:(?:my|our|all|new|open|hot|stale|the|team'?s?|\w+['’]s|biggest|largest|top|best|hottest|latest|recent|\d+)\s+){1,3}(?:\w+\s+){0,2}(?:leads|deals|tasks|tickets|"
    r"meetings|accounts|contacts|opportunities|opps|pipeline)\b|^\W*(?:deals|leads|tickets|tasks|meetings|contacts|opps)\s+"
    r"(?:on|for|at|of|with|in)\b",
    re.I,
)  # a noun phrase: "my hottest leads", "john's overdue tasks", "deals on Acme"
_CHANGE_FIELD = re.compile(
    r"(?:['’]s|\b(?:his|her|their|the))\s+(?:phone|mobile|cell|e-?mail|title|job\s+title|department)"
    r"(?:\s+(?:number|address))?\s+(?:is\s+now|is|to|=|should\s+be|now)\s+\S",
    re.I,
)
MEETING_PERIODS = ("today", "this_week", "next_week", "this_month", "next_month")
_TASK_WORDS = re.compile(
    r"\btasks?\b|\bto-?dos?\b|\bon\s+(?:my|his|her|\w+['’]s)\s+plate\b|\bbehind\b|\bto do list\b|\boverdue\b(?!.{0,20}\bdeals?\b)",
    re.I,
)
_MEETING_WORDS = re.compile(r"\bmeetings?\b|\bcalendar\b|\bagenda\b|\bappointments?\b|\bdiary\b", re.I)
_NEW_PERSON = re.compile(
    r"\b(?:new|add|create|met|meet)\b[^.:]{0,30}\b(?:contacts?|leads?|prospects?)\b|^\W*new\b", re.I
)
_NEW_RECORD = re.compile(
    r"^\W*(?:(?:please|pls|can\s+you|could\s+you|ok(?:ay)?|also|and)\W+)*(?:give|assign|create|add|make|set\s+up|put\s+in|"
    r"log|jot(?:\s+down)?|leave|write(?:\s+down)?|drop|book|schedule)\s+(?:[a-z]+\s+)?(?:a|an)\s+"
    r"(?:new\s+|quick\s+|short\s+)?(task|to-?do|reminder|note|meeting)\b",
    re.I,
)  # the record a creation names, whatever the vote ("give emma a task", "log a note on her")
# A message that opens by telling us to do something (a write's missing field is then asked, never read instead).
_ORDERED = re.compile(
    r"^\W*(?:(?:please|pls|ok(?:ay)?|so|and|also|now)[,\s]+)*(?:can\s+you\s+|could\s+you\s+)?(?:update|change|set|edit|"
    r"bump|raise|lower|move|push|make|mark|put|add|create|log|book|schedule|give|assign|close|convert|qualify)\b",
    re.I,
)
_WHO_ON_TEAM = re.compile(r"\bwho\s+(?:on|in|of)\s+(?:my|our|the)\s+team\b|\bwhich\s+(?:rep|teammate|person)\b", re.I)
_HAD_MEETING = re.compile(
    r"^\W*(?:just\s+)?(?:had|held|did|ran|finished|wrapped\s+up)\s+(?:a|an|the|my|our)\s+(?:\w+\s+)?(meeting|mtg|demo|qbr)\b"
    r"(?=.*\b(?:log|record|capture|add|put|note)\b)",
    re.I,
)  # "had a mtg yesterday w sarah connor and lisa chen ..., can u log that": a meeting held, to be recorded
_NEW_KINDS = {
    "mtg": "schedule_meeting",
    "demo": "schedule_meeting",
    "qbr": "schedule_meeting",
    "task": "create_task",
    "todo": "create_task",
    "reminder": "create_task",
    "note": "add_note",
    "meeting": "schedule_meeting",
}
_TAKE_TICKET = re.compile(
    r"\b(?:put|assign|give)\s+(?:it|this|that|the\s+ticket)\s+(?:to|on)\s+(?:me|myself)\b|\bi(?:'ll|\s+will)\s+take\s+(?:#?\d{3,}|it|this|that)\b",
    re.I,
)
_IT_AFTER_VERB = re.compile(
    r"^\W*(?:(?:ok(?:ay)?|and|also|now|so|then|please|pls)[,\s]+)*[a-z]+\s+(?:it|this|that)\b", re.I
)
_FOR_TEAMMATE = re.compile(
    r"\b(?:task|reminder|to-?do)\s+for\s+(?!me\b|myself\b|us\b|the\b|a\b)([a-z]+)\s*[:,-]"
    r"|\bremind\s+(?!me\b|us\b)([a-z]+)\s+to\b|\b(?:have|get|ask)\s+(?!me\b|us\b)([a-z]+)\s+to\b"
    r"|\b(?:give|assign)\s+(?!me\b|us\b|myself\b)([a-z]+)\s+an?\s+(?:task|reminder|to-?do)\b",
    re.I,
)
# Reads whose words alone say what to show ("what did I win", "mike's deals"): a question the classifier could not
# place goes to them rather than to the help text.
_EVIDENT_READS = (
    "won_deals",
    "lost_deals",
    "stage_deals",
    "teammate_deals",
    "team_tasks",
    "my_meetings",
    "my_tasks",
    "list_tickets",
    "list_leads",
)
_WON = re.compile(
    r"\b(?:what|which|how\s+much|how\s+many|deals?|did)\b.{0,40}\b(?:won|win|closed[\s-]won|booked)\b"
    r"|\b(?:what|which|how\s+much|how\s+many)\b.{0,30}\bdid\b.{0,30}\bclose\b(?!\s+(?:date|lost))"
    r"|\b(?:wins|closed[\s-]won\s+deals)\b"
    r"|\bdid\s+(?:i|we|he|she|they|\w+)\s+(?:close|win|sign|book)\s+(?:anything|any|something|much|many|a\s+deal)\b",
    re.I,
)
_LOST = re.compile(
    r"\b(?:what|which|how\s+much|how\s+many|deals?|opps?|opportunities|did)\b.{0,40}\b(?:lost|lose|closed[\s-]lost)\b"
    r"|\bclosed[\s-]lost\s+deals\b",
    re.I,
)
_ON_THE_LEAD = re.compile(
    r"\b(?:put|add|save|store|note|log|record)\s+(?:that|this|it|those|these|them|all\s+that)\s+(?:on|to|in|against)\s+"
    r"(?:her|his|their|the)\s+lead\b",
    re.I,
)
_CAME_IN_TODAY = re.compile(
    r"\btickets?\b.{0,40}\b(?:today|this\s+morning)\b|\b(?:today|this\s+morning)['’]?s\s+tickets\b", re.I
)
_TICKET_TOPIC = re.compile(r"\b((?:[a-z][\w-]*\s+){1,3}?)tickets\b", re.I)
_NOT_A_TOPIC = frozenset(
    "how many much any all these those the my our new open of are were have has did do what whats what's is going on "
    "with w about".split()
)
_WHATS_GOING_ON = re.compile(
    r"\bwhat['’]?s?\s+(?:is\s+)?(?:going\s+on|happening|up)\b|\bwhats\s+(?:going\s+on|happening|up)\b|\bwhy\b", re.I
)
_DEAL_WORDS = re.compile(r"\b(?:deals|opportunities|opps|pipeline)\b", re.I)
_IN_STAGE = re.compile(
    r"\b(?:in|at)\s+(?:the\s+)?(?:prospecting|qualification|proposal|negotiation)\b", re.I
)  # only deals
_STATUS_OF = re.compile(r"\bstatus\b|\bwhere\b.{0,30}\bstands?\b|\bhow(?:'?s|\s+is)\b.{0,30}\bgoing\b", re.I)
_TASK_PRIORITY = re.compile(
    r"^\W*(?:(?:please|pls|ok(?:ay)?)[,\s]+)?(?:make|set|mark|bump|flag|change|move)\s+(?:my\s+|the\s+)?(.+?)\s+"
    r"(?:task|to-?do|reminder)\s+(?:to\s+|as\s+)?(urgent|high|low|medium)(?:\s+priority)?\W*$",
    re.I,
)
_COMPLETE_TASK = re.compile(
    r"\b(?:complete|finish(?:ed)?|tick\s+off|check\s+off|cross\s+off|close\s+out|done\s+with)\s+(?:\S+\s+){0,6}?tasks?\b"
    r"|\b(?:tasks?|follow[\s-]?up\s*#\s*\d+)\s+(?:as\s+|is\s+|to\s+)?(?:done|complete(?:d)?|finished)\b",
    re.I,
)
_DONE_WITH_IT = re.compile(
    r"\b(?:tick|check|cross)\s+(?:it|that|this)\s+off\b|^\W*(?:ok(?:ay)?\W+|and\W+)?(?:please\s+)?mark\s+(?:it|that|this|the\s+(?:[\w'-]+\s+){1,4}?(?:one|task))\s+"
    r"(?:as\s+)?(?:done|complete(?:d)?|finished)\b",
    re.I,
)
_TASK_NOISE = frozenset(
    {
        "task",
        "tasks",
        "done",
        "complete",
        "completed",
        "finish",
        "finished",
        "tick",
        "cross",
        "off",
        "out",
        "todo",
        "morning",
        "overdue",
        "one",
        "mark",
    }
)
_BARE_HOUR = re.compile(r"\b(?:make\s+it|at|to)\s+(1[0-2]|[1-9])(?::([0-5]\d))?\s*(?:instead)?\W*$", re.I)
_TASK_REQUEST = re.compile(r"\b(?:task|reminder|to-?do)\b.{0,20}\bto\b|\bremind\s+\w+\s+to\b", re.I)
_DUE = re.compile(r"\bdue\b(?!\s+(?:to|date))", re.I)
_ONE_WORD = re.compile(r"^[a-z]+$", re.I)
_BIGGEST = re.compile(r"\b(?:biggest|largest|top|highest|most\s+valuable|big)\b", re.I)
_ASKS_HELP = re.compile(
    r"\bhelp\b|\bwhat\s+(?:can|do|could)\s+you\b|\bhow\s+do\s+(?:i|you)\s+use\b|\bcommands?\b", re.I
)
_THEIR_THINGS = re.compile(
    r"\b(?:her|his|their)\s+(?:\w+\s+)?(?:deals|pipeline|tasks|opps|opportunities|numbers|quota)\b", re.I
)
_PERFORMANCE_WHO = re.compile(
    r"\bhow(?:'?s|\s+is|\s+are)\s+([a-z]+)\s+(?:doing|performing|tracking|getting\s+on|going)\b|\b([a-z]+)['’]s\s+(?:pipeline|deals|numbers)\b",
    re.I,
)
_OWNER_OF_DEAL = re.compile(r"\b([a-z]+)['’]s\s+((?:[\w&-]+\s+){1,5}?)(?:deal|opportunity|opp)\b", re.I)
_OWNER_OF_NAMED_DEAL = re.compile(
    r"\b([a-z]+)['’]s\s+([\w&]+(?:\s+[\w&]+){0,3}\s+[-–]\s+[\w&]+(?:\s+\d{1,4})?)\b", re.I
)  # "emma's falconpath co - upgrade 60": a deal's whole name
_THE_AMOUNT_ONE = re.compile(r"\bthe\s+\$?\d[\d.,]*\s*[km]?\s+(?:one|deal|opp)\b", re.I)
_THOSE = re.compile(r"\b(?:those|these|them|ones)\b", re.I)
_WORKING_ON = re.compile(
    r"\bwhat(?:'?s|\s+is|\s+are)\s+([a-z]+)\s+(?:working\s+on|handling|dealing\s+with|looking\s+at|busy\s+with)\b"
    r"|\bwhat(?:'?s|\s+does|\s+has)\s+([a-z]+)\s+(?:got|have)\s+(?:on|open|in\s+(?:the|their|his|her)\s+queue)\b"
    r"|\btickets\s+(?:does|has|is)\s+([a-z]+)\s+(?:have|got|holding|carrying|working|handling)\b"
    r"|\bassigned\s+to\s+(?!me\b|myself\b|us\b)([a-z]+)\b",
    re.I,
)
_WAITING_ON_ME = re.compile(r"\b(?:waiting|pending)\s+(?:on|for)\s+me\b|\bon\s+my\s+plate\b|\bmy\s+queue\b", re.I)
_TEAMMATE_DEALS = re.compile(r"\b(?:deals|opportunities|opps|pipeline)\b", re.I)
_BARE_TICKET = re.compile(r"(?<![$\d.,#])\b(\d{4,5})\b(?!\s*(?:k|m|%|[.,]\d|days?|weeks?|months?))", re.I)
_PERFORMANCE = re.compile(
    r"\bhow(?:'?s|\s+is|\s+are)\s+\w+\s+(?:doing|performing|tracking|getting\s+on|going)\b|\b\w+['’]s\s+numbers\b", re.I
)
_TO_PRONOUN = re.compile(
    r"^\W*(?:please\s+)?(?:\w+\s+){0,5}?(?:to|for|with|on|at)\s+(?:him|her|them|it|this\s+one|that\s+one)\b", re.I
)
_PERSON_PRONOUN = re.compile(r"\b(?:him|her|he|she|his)\b", re.I)
_PLURAL_PRONOUN = re.compile(r"\b(?:them|they|their)\b", re.I)
_STUCK = re.compile(
    r"\b(?:stuck|stalled|stalling|stale|sitting|parked|not\s+moving|no\s+movement|haven'?t\s+moved|hasn'?t\s+moved)\b",
    re.I,
)
_PIPELINE_WORDS = re.compile(r"\bpipeline\b|\bweighted\b|\btotal\b", re.I)
_SEND_IT = re.compile(
    r"^\W*(?:(?:ok(?:ay)?|great|good|perfect|looks good|yes)[,.!\s]+)?(?:please\s+)?(?:go\s+ahead\s+and\s+)?"
    r"(?:send|ship|fire\s+off|mail)\s*(?:it|that|this|the\s+draft|the\s+email|it\s+off|it\s+out)?\W*(?:now|please)?\W*$",
    re.I,
)
_INSIGHTS: list[tuple[re.Pattern[str], str]] = [
    (re.compile(p, re.I), name)
    for p, name in [
        (
            r"\b(?:draft|write|compose|prepare)\b.{0,40}\b(?:e-?mail|follow[- ]?up|message|msg|dm|inmail|linkedin|intro|proposal|check[- ]?in|reply|"
            r"note\s+to)\b|^\W*(?:please\s+)?e-?mail\s+(?!address)\w+.{0,60}\b(?:recap|follow[- ]?up|summary|about|re:|thanks?|"
            r"intro|proposal|pricing|quote)\b|^\W*(?:please\s+)?write\s+(?:to|an?\s+\w+\s+to)\s+\w+"
            r"|^\W*(?:please\s+)?(?:write|draft|compose|send)\s+(?!a\b|an\b|the\b|me\b)\w+(?:\s+\w+)?\s+(?:a|an)\s+(?:[\w-]+\s+){0,3}?"
            r"(?:note|e-?mail|message|thank[- ]?you|follow[- ]?up|reply)\b",
            "draft_email",
        ),
        (
            r"\bwhy\b.{0,40}\bscor|\bexplain\b.{0,30}\bscore|\bscore\b.{0,30}\bwhy\b"
            r"|\bwhat(?:'?s|\s+is|\s+are)\s+(?:driving|behind|pushing|dragging|holding)\b.{0,40}\bscor"
            r"|\bwhat\s+(?:makes\s+up|goes\s+into)\b.{0,40}\bscor|\b\w+['’]s\s+(?:lead\s+)?score\s+(?:breakdown|factors)\b"
            r"|\bscore\s+(?:reasons?|breakdown|factors|drivers|explanation)\b|\breasons?\s+(?:for|behind)\b.{0,40}\bscore\b",
            "explain_score",
        ),
        (
            r"\bnext best action\b|\bwhat should (?:i|we) do next\b|\bnext steps? (?:on|for|with)\b"
            r"|\bwhat(?:'?s|\s+is|\s+are)\s+(?:the\s+|my\s+|our\s+)?next\s+(?:best\s+)?(?:steps?|move)\b"
            r"|\bwhat should (?:i|we) (?:do|focus on) (?:about|with|on|for)\b|\bhow (?:do|can|should) (?:i|we) (?:move|push|unstick|rescue|save)\b"
            r"|\b(?:risks?|red\s+flags?|blockers?|concerns?|worries)\s+(?:on|for|with|in|around)\b|\bis\s+\S+(?:\s+\S+){0,4}\s+at\s+risk\b",
            "next_best_action",
        ),
        (
            r"\b(?:likely|going|about|set|expected)\s+to\s+slip\b|\b(?:might|may|could|will)\s+slip\b|\bat\s+risk\s+of\s+slipping\b"
            r"|\b(?:deals?|opps?|opportunities)\b.{0,30}\bat\s+risk\b(?!\s+of\s+(?:churn|losing\s+the\s+account))",
            "slipping",
        ),
        (
            r"\b(?:unusual|anomal\w*|out of the ordinary|spikes?|weird|odd|strange|suspicious|fishy)\b|\bany (?:alerts|red flags)\b",
            "anomalies",
        ),
        (
            r"\bforecast\b|\bwill we (?:close|win)\b|\b(?:expect(?:ed)?|going) to close\b(?!.{0,30}\b(?:month|week)\b)"
            r"|\bhow many tickets will\b|\btickets?\b.{0,30}\bexpect\b|\bexpect\b.{0,30}\btickets?\b|\bticket\s+volume\b"
            r"|\bhit\s+(?:the|our|my)\s+(?:number|target|forecast)\b",
            "forecast",
        ),
        (
            r"(?:\bsummar(?:y|i[sz]e)\b|\brecap\b|\btl;?dr\b|\bgist\b)(?!.{0,25}\b(?:pipeline|forecast|quarter|numbers)\b)",
            "summarize",
        ),  # "summarise my pipeline for my 1:1": the pipeline report
    ]
]
_PURPOSES = [
    ("intro", "intro"),
    ("introduc", "intro"),
    ("demo", "demo"),
    ("proposal", "proposal"),
    ("check in", "check_in"),
    ("check-in", "check_in"),
    ("follow", "follow_up"),
]
_TONES = [
    ("formal", "formal"),
    ("brief", "brief"),
    ("short", "brief"),
    ("friendly", "friendly"),
    ("casual", "friendly"),
]
_SEEN_BEFORE = re.compile(
    r"\b(have we|did we|has anyone)\b.*?\b(seen|had|hit|met)\b.*?\bbefore\b|\bsimilar (tickets?|issues?|cases?)\b", re.I
)
MEMORY_FLOOR = 0.3
_QUESTION = re.compile(r"\?\s*$|^\s*(how|what|why|where|when|can|could|is|are|do|does|should|which|who)\b", re.I)


def _jsonable(value: Any) -> Any:
    return json.loads(json.dumps(value, default=str))


def _whole(result: dict[str, Any], plan: Plan) -> dict[str, Any]:
    """`result`, unless the loop cut it to fit the model's context (no `data` left to read): then say so plainly."""
    if result.get("truncated"):
        plan.answer(
            "error",
            field=None,
            reason="that is more than I can show at once; narrow it down (a stage, a period or a name).",
        )
    return result
