"""What the user's latest message asks, read in its conversation (`Reader.read`): a correction of what we proposed,
more about a proposed call, a change to a draft, an answer to our question, a follow-up of an earlier question, or a
request of its own."""

from __future__ import annotations

import json
import re
from collections.abc import Callable, Sequence
from datetime import date, datetime, timedelta
from typing import NamedTuple

from assistant.messages import Message
from assistant.offline import IntentClassifier, Parse, english, understand
from assistant.offline.amend import (
    AMOUNT_PICK,
    SWAPPED_COUNT,
    added_person,
    corrected_values,
    day_shift,
    draft_turn,
    is_correction,
    kept_instead,
    named_as,
    proposal_turn,
    proposed_arguments,
    proposed_tool,
    restyles,
    retarget,
    swapped_count,
    tells_more,
)
from assistant.offline.areas import asked_area
from assistant.offline.dialogue import PART, asked_after_holding_off, company_in_brackets, other_shown, smalltalk
from assistant.offline.handoff import handoff
from assistant.offline.listed import line_pointed
from assistant.offline.nlu import FILLERS
from assistant.offline.plan.core import WRITES, Step
from assistant.offline.plan.route import SEND_IT
from assistant.offline.refine import refined
from assistant.offline.replies import (
    ASK,
    CLARIFY,
    YES,
    bant_reply,
    beyond_choice,
    choose,
    follow_up,
    object_first,
    object_implied,
    one_of_kind,
    without_greeting,
)
from assistant.offline.slots import find_date

# The fields asked for whose reply is the value itself ("I need reason" - "they went with a competitor")
FREE_TEXT = {"reason", "body", "subject", "title", "notes", "override_reason"}
_THE_OTHER = re.compile(r"\bthe\s+other\s+(?:one|ticket|deal|contact|lead|account)\b", re.I)
_BARE_HOUR = re.compile(r"\b(?:make\s+it|at|to)\s+(1[0-2]|[1-9])(?::([0-5]\d))?\s*(?:instead)?\W*$", re.I)
# Writes about one person, whose "no, the northpath one" is the same name at another company (a deal's "the globex one"
# is another deal)
_ABOUT_A_PERSON = {"update_contact", "log_call", "schedule_meeting", "update_lead_status", "convert_lead"}
# Writes to one deal, whose "no wait, the renewal" is the deal of that kind at the same company
_ABOUT_A_DEAL = {"update_deal", "move_deal_stage"}
# Words that name a deal's kind, not a company: the spec's deal types and the usual words of deal names
_DEAL_KIND = re.compile(
    r"(?:new\s+business|upsell|up-sell|renewal|cross[\s-]?sell|expansion|pilot|upgrade|platform|add-?on|licen[cs]e"
    r"|subscription|poc|trial)",
    re.I,
)


class Reading(NamedTuple):
    """A user's message read in its conversation."""

    parse: Parse  # the request to serve, merged with the one we asked about
    steps: list[Step]  # this turn's tool calls with their results
    role: str  # the caller's role
    text: str  # the request's words (the original request's when the message answers our "which one")
    fresh: bool  # the request is this message alone: nothing of ours or of an earlier message merged into it


class Reader:
    """Reads the latest user message against what came before it, at the model's clock."""

    def __init__(self, classifier: IntentClassifier, now: Callable[[], datetime]) -> None:
        self.classifier = classifier
        self.now = now

    def read(self, messages: Sequence[Message]) -> Reading:
        """The latest user message, its pointers to our last answer named, read as what it answers or as itself."""
        last_user = max(i for i, m in enumerate(messages) if m.role == "user")
        said = _as_said(messages[last_user].content or "")
        before = [
            Message(m.role, english.plain_words(m.content or "") if m.role == "user" else m.content)
            for m in messages[:last_user]
            if m.role in ("user", "assistant") and m.content
        ]
        text = said
        if before and before[-1].role == "assistant":
            text = _pointed(text, before[-1].content or "", messages, last_user)
        text = asked_after_holding_off(text) or text  # "no wait leave it. whats mike's pipeline total": that question
        text = object_first(text)  # "prismpoint sso ticket - put it on me": "put prismpoint sso ticket on me"
        now = self.now()
        parse, text = self._answering(messages, last_user, before, text, now)
        fresh = parse is None and text == object_first(said)
        parse = parse or understand(text, now=now, classifier=self.classifier)
        return Reading(parse, _steps(messages, last_user), _role(messages), text, fresh)

    def _answering(
        self, messages: Sequence[Message], last_user: int, before: list[Message], text: str, now: datetime
    ) -> tuple[Parse | None, str]:
        """What a message asks by answering what came before it, in that order: our proposal, our draft, our question,
        an earlier question of the user's. The parse when the answer settles it, else the words to read."""
        proposed = proposal_turn(messages, last_user)
        if proposed is not None:
            parse, text = self._after_proposal(messages, last_user, proposed, text, now)
            if parse is not None:
                return parse, text
        drafted = draft_turn(messages, last_user)
        if drafted is not None and (is_correction(text, now.date()) or restyles(text)) and not SEND_IT.match(text):
            text = f"{text}. {messages[drafted].content}"  # "make it more formal": the same draft again, as now asked
        prompt = before[-1].content or "" if before else ""
        if len(before) >= 2 and before[-1].role == "assistant" and prompt.startswith((ASK, CLARIFY)):
            parse, text = self._answer(before, prompt, text, now)
            if parse is not None:
                return parse, text
        if again := refined(_exchanges(before), text):
            return None, again  # "only the ones over 50k" after "emma's deals in proposal": that list, refined
        said = [m.content or "" for m in before if m.role == "user"]
        if said and (kind := one_of_kind(said[-1], text)):
            return None, kind  # "log one for yesterday 2pm" after "did i meet maya zhou lately?": a meeting
        if said and (again := follow_up(said[-1], text, now)):
            return None, again  # "and john's?" after "show mike's overdue tasks": the same question about john
        return None, text

    def _after_proposal(
        self, messages: Sequence[Message], last_user: int, proposed: int, text: str, now: datetime
    ) -> tuple[Parse | None, str]:
        """A message after our proposal: its correction ("no wait, tuesday") read as the corrected request; what a
        proposed call's person said, told without a summary ("she asked about calendar sync"), as the call's summary."""
        tool = proposed_tool(messages, last_user)
        if tool == "schedule_meeting" and (person := added_person(text)):
            meeting = self.read(messages[: proposed + 1])  # "add anika ueda too": the meeting with one more attendee
            booked = meeting.parse.slots if meeting.parse.intent == tool else FILLERS[tool](meeting.text, now)
            names = booked.get("names") or [booked.get("name")]
            slots = {**booked, "names": [*names, person]}
            return Parse(tool, meeting.parse.confidence, slots), meeting.text
        instead = kept_instead(text) if tool == "assign_ticket" else None
        number = proposed_arguments(messages, last_user).get("number") if instead else None
        if (
            instead and number
        ):  # "reassign 1038 to noah" - "actually leave it with me, just make it high": 1038's change
            return None, re.sub(r"\bit\b", f"ticket {number}", instead, count=1)
        if SWAPPED_COUNT.match(text) and (counted := swapped_count(text, self.read(messages[: proposed + 1]).text)):
            return None, counted  # "... pricing for 50 seats" - "actually make that 60 seats": the request, 60 seats
        if AMOUNT_PICK.match(text):  # "the 5k one" after "move granitewave pilot to proposal": that request, that deal
            return None, f"{self.read(messages[: proposed + 1]).text}, {text}"
        if is_correction(text, now.date()) and not smalltalk(text):
            corrected = self._correct(messages[: proposed + 1], text, tool)
            if corrected is not None:
                return corrected
        if tool == "log_call" and tells_more(text):
            call = self.read(messages[: proposed + 1])
            if call.parse.intent == "log_call" and not call.parse.slots.get("notes"):
                told = FILLERS["log_call"](f"{call.text}: {text}", now)  # the person picked before stays picked
                slots = {**call.parse.slots, **{k: v for k, v in told.items() if k != "name"}}
                return Parse("log_call", call.parse.confidence, slots), f"{call.text}: {text}"
        return None, text

    def _correct(self, proposal: Sequence[Message], correction: str, tool: str | None) -> tuple[Parse, str] | None:
        """The proposal's request with the values a correction states ("make it urgent", "no wait, tuesday", "put it
        on the Acme account instead"), or None when the correction states nothing the proposal's write takes. The
        request is read as the write proposed (`tool`) when the plan proposed another act than the words' first reading."""
        original, _, _, said, _ = self.read(proposal)
        target = retarget(correction)
        if target is not None and (handed := handoff(said)) is not None and handed.words:
            # "sorry, pilot 184" after "reassign silverline platform 26 to carlos": the hand-off, of that record
            return original, said.replace(handed.words, f"{handed.kind} {target[0]}", 1)
        if tool in FILLERS and tool != original.intent:
            original = Parse(tool, original.confidence, FILLERS[tool](said, self.now()))
        filler = FILLERS.get(original.intent)
        if original.intent not in WRITES or filler is None:
            return None
        now = self.now()
        values = corrected_values(filler(correction, now), filler("", now)) | named_as(original.intent, correction)
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
        if (days := day_shift(correction)) is not None:  # "no, the day after": the proposed day, one day on
            values |= {
                key: day + timedelta(days=days)
                for key in ("due_date", "start", "close_date")
                if isinstance(day := original.slots.get(key), date)
            }
        if not values and target is None:
            return None
        for key, value in values.items():  # "close 1050" -> "not that one, 1054"; "set 1048 to high" -> "no - make it
            old = original.slots.get(key)  # urgent": the words the plan reads again say the new value
            if isinstance(old, (str, int)) and isinstance(value, (str, int)) and not isinstance(old, bool):
                said = re.sub(rf"\b{re.escape(str(old))}\b", str(value), said, flags=re.I)
        slots = {**original.slots, **values}
        if target is not None:  # the record named now goes first, so its type word ("the Acme account") is read
            meant = target[0]
            before = original.slots.get("name")
            if original.intent in _ABOUT_A_PERSON and isinstance(before, str):
                meant = _same_person(meant, before)
            elif original.intent in _ABOUT_A_DEAL and isinstance(before, str):
                meant = _same_account(meant, before)
                said = re.sub(
                    rf"{re.escape(before)}(?:\s+\d+)?", meant, said, count=1, flags=re.I
                )  # the deal said no longer meant
            slots = {**{k: v for k, v in slots.items() if k != "pick"}, "name": meant}
            said = f"{meant} {target[1] or ''}. {said}"
        return Parse(original.intent, original.confidence, slots), said

    def _answer(self, before: list[Message], prompt: str, text: str, now: datetime) -> tuple[Parse | None, str]:
        """A reply to our question: a pick after "which one?", the field after "I need ...", the area after "which
        products?"."""
        clarifying = prompt.startswith(CLARIFY)
        request = object_first(_asked_request(before) if clarifying else before[-2].content or "")
        original = understand(request, now=now, classifier=self.classifier)
        if clarifying:
            return _picked(prompt, text, request, original, now)
        if original.intent in FILLERS:
            return _filled(prompt, text, request, original, now)
        if asked_area(request) is not None:
            return None, f"{request}: {text}"  # "which products?" answered: "10 pro seats" completes "quote acme"
        return None, text


def _picked(prompt: str, text: str, request: str, original: Parse, now: datetime) -> tuple[Parse | None, str]:
    """A reply to "which one?": the request about the record picked (by name, place or a listed ticket's number) with
    the values the reply adds; a "yes" to several picks, the request as first read (asked again)."""
    chosen = choose(prompt, text)
    if chosen:
        slots = {**original.slots, "name": chosen[0], "pick": chosen[1]}
        if ticket := re.match(r"#(\d+)\b", chosen[1]):  # a ticket listed by its number
            slots["ticket_number"] = int(ticket[1])
        extra = beyond_choice(text, chosen[1])
        if extra and original.intent in FILLERS:  # what the reply adds: "10 min, she said the PO is ..."
            more = FILLERS[original.intent](f"{request}: {extra}", now)
            slots.update({k: v for k, v in more.items() if k not in ("name", "pick") and not slots.get(k)})
        return Parse(original.intent, original.confidence, slots), request
    number = re.match(r"^\W*#?(\d{3,})\W*$", text)
    if number and re.search(r"^\d\. #\d+ ", prompt, re.M):  # a ticket's number, listed or not, answers "which ticket"
        return Parse(original.intent, original.confidence, {**original.slots, "ticket_number": int(number[1])}), request
    if YES.match(text):
        return original, request
    return None, text


def _filled(prompt: str, text: str, request: str, original: Parse, now: datetime) -> tuple[Parse, str]:
    """A reply to "To do that I need ...": the request with what the reply gives (another record meant, the free text
    asked for, the teammate a task is for, a BANT answer); "yes" leaves the request as it was."""
    meant = retarget(text)  # "no sorry, i meant the platform 171 one": another record, not the reason
    asked = re.match(r"To do that I need (\w+(?: \w+)?)\.", prompt)
    teammate = bool(asked and asked[1] == "assignee" and re.fullmatch(r"\W*[a-z]+\W*", text, re.I))
    teammate = teammate and not YES.match(text)  # "who is the task for?" - "mike"
    merged = request if YES.match(text) or meant or teammate else f"{request}. {text}"
    # the reply fills what the request left out; what the request said stands ("new lead ilse varga at kestrel air ..."
    # - "she came in from a webinar": the source, the company as said); "yes" to "what is the problem?": the request alone
    filled = FILLERS[original.intent](merged, now)
    slots = {k: v for k, v in filled.items() if original.slots.get(k) in (None, "", [])}
    if meant is not None:
        slots["name"] = meant[0]
    elif asked and asked[1].replace(" ", "_") in FREE_TEXT and not smalltalk(text) and not YES.match(text):
        slots[asked[1].replace(" ", "_")] = text.strip().rstrip(".")
    elif teammate:
        slots["assignee"] = text.strip(" .!")
    slots.update(bant_reply(prompt, text, slots))  # the reply to "I need reason" is the reason
    parse = Parse(original.intent, original.confidence, {**original.slots, **slots})
    return parse, request if teammate else f"{request}. {text}"


def _pointed(text: str, answer: str, messages: Sequence[Message], last_user: int) -> str:
    """The message with its pointers to our last answer named: "the export one" of the tickets just listed, "set to
    pending" of the record just shown, "the other one" of two records shown."""
    text = line_pointed(text, answer)
    text = object_implied(text)
    if _THE_OTHER.search(text) and proposal_turn(messages, last_user) is None:
        other = other_shown(messages[:last_user])  # "assign the other one to sam" after two tickets shown
        text = _THE_OTHER.sub(other, text) if other else text
    return text


def _steps(messages: Sequence[Message], last_user: int) -> list[Step]:
    """This turn's tool calls with their results, a part's (`compound`) marked."""
    calls = {c.id: c for m in messages[last_user:] if m.role == "assistant" for c in m.tool_calls}
    return [
        Step(
            calls[m.tool_call_id].name,
            json.loads(calls[m.tool_call_id].arguments or "{}"),
            json.loads(m.content or "{}"),
            part=m.tool_call_id.startswith(PART),
        )
        for m in messages[last_user:]
        if m.role == "tool" and m.tool_call_id in calls
    ]


def _role(messages: Sequence[Message]) -> str:
    """The caller's role, as the system message states it; a rep's when it does not."""
    system = messages[0].content if messages and messages[0].role == "system" else ""
    return stated[1] if (stated := re.search(r"role is (\w+)", system or "")) else "rep"


def _as_said(content: str) -> str:
    """A user's message in plain words, without its greeting, a company in brackets after a person read as where they
    work ("nils varga (brightpath) direct line ..." is Nils Varga at Brightpath)."""
    return company_in_brackets(without_greeting(english.plain_words(content)))


def _same_account(meant: str, before: str) -> str:
    """The deal a correction naming only a kind means: "the expansion one" after a proposal about "orbitpath renewal
    32" is Orbitpath's expansion deal (said as "orbitpath expansion"); any other correction is taken as said."""
    kind = re.sub(r"\s+(?:one|deal|opp|opportunity)$", "", meant, flags=re.I)
    company = re.split(r"\s+[-–—]\s+", before)[0] if re.search(r"\s[-–—]\s", before) else ""
    company = company or re.sub(rf"\s+{_DEAL_KIND.pattern}(?:\s+\d+)?$", "", before, flags=re.I)
    if not _DEAL_KIND.fullmatch(kind) or company.lower() == before.lower():
        return meant
    return f"{company} {kind}"


def _same_person(meant: str, before: str) -> str:
    """The person a correction means when it names the company of the same name: "no, the northpath one" and "the
    helixfield ben weber" after a proposal about Ben Weber are Ben Weber at Northpath or Helixfield."""
    name = re.sub(r"\s+(?:at|from|@)\s+.*$", "", before, flags=re.I)
    if not meant or meant.lower().startswith("at "):  # "the contact at brightfield": the same person there
        return f"{name} {meant}".strip()
    if re.search(r"\sone$", meant, re.I):
        return f"{before} {meant[:-4]}"
    if meant.lower().endswith(f" {name.lower()}"):
        return f"{name} at {meant[: -len(name) - 1]}"
    return meant


def _exchanges(before: Sequence[Message]) -> list[tuple[str, str]]:
    """Each user message of the conversation with the answer that closed its turn."""
    turns: list[tuple[str, str]] = []
    for message in before:
        if message.role == "user":
            turns.append((message.content or "", ""))
        elif turns:
            turns[-1] = (turns[-1][0], message.content or "")
    return turns


def _asked_request(before: Sequence[Message]) -> str:
    """The request our "which one" question asks about: the user's message before it, past any "yes" that answered an
    earlier "which one" listing several records (it picked none, so the question was asked again)."""
    at = len(before) - 2
    while (
        at >= 2
        and YES.match(before[at].content or "")
        and (before[at - 1].content or "").startswith(CLARIFY)
        and len(re.findall(r"^\d+\. ", before[at - 1].content or "", re.M)) > 1
    ):
        at -= 2
    return before[at].content or ""
