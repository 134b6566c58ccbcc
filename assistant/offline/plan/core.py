"""The building blocks every plan uses: calling a tool (or reusing this turn's result), proposing writes through
the guard, asking for what is missing, and resolving a name to one record.
"""

from __future__ import annotations

import json
import re
from abc import ABC, abstractmethod
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, Literal, NoReturn, overload

from assistant.messages import Message, ToolCall
from assistant.offline import Parse, english
from assistant.offline.act_check import Asked, asked_change
from assistant.offline.dialogue import Focus, asked_fields, refers_back
from assistant.offline.guard import (
    ACT_NAMES,
    COMPANY_SUFFIXES,
    Ledger,
    amount_said,
    closed,
    misread,
    name_words,
    unsure,
)
from assistant.offline.intents import RULE_CONFIDENCE
from assistant.offline.linking import (
    candidate_line,
    covers,
    far,
    kind_hint,
    link,
    numbered,
    other_mentions,
    other_number,
)
from assistant.offline.nlu import FILLERS
from assistant.offline.refine import deals_in_order
from assistant.offline.slots import ORDINALS, STOPWORDS, TITLE_WORDS, find_amount, find_name
from prompts import render
from prompts.money import money_short

if TYPE_CHECKING:
    from assistant.offline_model import OfflineModel

MATCH_FLOOR = 60  # search_crm hits scoring under this are no match
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
    part: bool = False  # called for one part of a message of several requests (`compound`), not for the whole


class Done(Exception):
    """Raised by a plan with the message to send (a tool call or the answer)."""

    def __init__(self, message: Message) -> None:
        self.message = message


_NTH = re.compile(r"\bthe\s+(first|second|third|fourth|fifth|last)\s+(?:one|deal|lead|contact|account)\b", re.I)
# A message that opens by telling us to do something (a write's missing field is then asked, never read instead).
_ORDERED = re.compile(
    r"^\W*(?:(?:please|pls|ok(?:ay)?|so|and|also|now)[,\s]+)*(?:can\s+you\s+|could\s+you\s+)?(?:update|change|set|edit|"
    r"bump|raise|lower|move|push|make|mark|put|add|create|log|book|schedule|give|assign|close|convert|qualify)\b",
    re.I,
)
_NAMED_TITLE = re.compile(
    r"\b([A-Z][\w'-]+(?:\s+[A-Z][\w'-]+){1,2})\s+\(([A-Za-z][^()]{1,40})\)"
)  # "Tom Smith (Procurement Director)"
_THE_AMOUNT_ONE = re.compile(r"\bthe\s+\$?\d[\d.,]*\s*[km]?\s+(?:one|deal|opp)\b", re.I)
# What qualifies a name right after it: "from falconpath", "@ brightline", "over at crestlogic", "(northfield)",
# "- the cedarline one", or the company's words alone ("olga zhou silverfield"); and "the cedarline one" anywhere.
_QUALIFIED = r"(?:['’]s)?\s*[(\-–]?\s*(?:(?:over\s+)?at|from|@|of|with)?\s*((?:[\w&'-]+\s*){1,2})"
_THE_ONE = re.compile(r"\bthe\s+((?:[\w-]+\s+){1,2})one\b", re.I)
# A person of a shared name picked by where they work: "- the cedarline one"
_THE_PLACE_ONE = r"the\s+([a-z][\w&-]*)\s+one\b"
# A person picked by title: "the ceo one", "the one who's cfo", "whos ceo at northfield".
_TITLE_PICK = re.compile(_THE_ONE.pattern + r"|\bwho(?:'?s|\s+is)\s+(?:the\s+)?((?:[\w-]+\s+){0,2}[\w-]+)", re.I)
_TO_PRONOUN = re.compile(
    r"^\W*(?:please\s+)?(?:\w+\s+){0,5}?(?:to|for|with|on|at)\s+(?:him|her|them|it|this\s+one|that\s+one)\b", re.I
)
_PERSON_PRONOUN = re.compile(r"\b(?:him|her|he|she|his)\b", re.I)
_PLURAL_PRONOUN = re.compile(r"\b(?:them|they|their)\b", re.I)
_ASKING = re.compile(r"(?:what|whats|how|which|who|whose|when|where|why|is|are|does|do|did|can|could)\b", re.I)
STUCK = re.compile(
    r"\b(?:stuck|stalled|stalling|stale|sitting|parked|not\s+moving|no\s+movement|haven'?t\s+moved|hasn'?t\s+moved)\b",
    re.I,
)


def _jsonable(value: Any) -> Any:
    """`value` as a tool call carries it (dates as ISO strings)."""
    return json.loads(json.dumps(value, default=str))


def _whole(result: dict[str, Any], plan: PlanCore) -> dict[str, Any]:
    """`result`, unless the loop cut it to fit the model's context (no `data` left to read): then say so plainly."""
    if result.get("truncated"):
        plan.answer(
            "error",
            field=None,
            reason="that is more than I can show at once; narrow it down (a stage, a period or a name).",
        )
    return result


class PlanCore(ABC):
    """One intent's sequence of tool calls, resumed from the steps already taken: the shared building blocks."""

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
        self.redone = False  # whether the act check already replaced a creation by the change the words ask for
        self.used: list[Step] = []  # the steps of this turn the plan read (a part's own views, of several parts)
        self.answered = ""  # the template of the answer the plan ended with, if it answered

    def answer(self, template: str, **values: Any) -> NoReturn:
        """End the turn with `template` rendered; a list of deals in the order the request asks ("sort by amount")."""
        if template == "deals" and values.get("deals"):
            values["deals"], order = deals_in_order(self.text, list(values["deals"]))
            values["title"] = values.get("title", "") + (order if order not in values.get("title", "") else "")
        self.answered = template
        raise Done(Message("assistant", render(f"offline/{template}.md", **values)))

    def call(self, name: str, **arguments: Any) -> dict[str, Any]:
        """The result of `name(arguments)` if this turn called it already; else call it now."""
        for step in self.steps:
            if step.name == name and step.arguments == _jsonable(arguments):
                self.used.append(step)
                if not step.result.get("ok", False):
                    error = step.result.get("error", {})
                    missing = self.writing and error.get("code") == "not_found"  # "set 1099 to pending": which one?
                    self.answer("error", field=error.get("field"), reason=error.get("reason", "it failed"), ask=missing)
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
        said = self.text if self.latest in self.text else f"{self.text} {self.latest}"
        for name, arguments in calls:
            if not self.redone and (change := asked_change(name, arguments, said)) is not None:
                self.redo(change)
            if asked := misread(name, arguments):
                self.answer("misread", request=asked, what=ACT_NAMES.get(name, "write down"))
        ledger = Ledger()
        for step in self.steps:
            ledger.step(step.name, step.arguments, step.result, said)
        doubt = unsure(
            [(name, _jsonable(arguments)) for name, arguments in calls],
            ledger,
            said,
            focus=[*self.focus.records, *self.focus.people, *self.focus.behind],  # what the last turn viewed
            shown=self.focus.shown,
            picked=str(self.slots.get("pick") or ""),
            latest=self.latest,
        )
        if doubt:
            self.answer("clarify", candidates=doubt[:4], confirm=len(doubt) == 1)

    def redo(self, change: Asked) -> NoReturn:
        """Plan the change the words ask for instead of a creation (`act_check`): its own steps, its record guard; a
        change that cannot be planned is asked about, never replaced by the creation."""
        self.redone = True
        slots = {**FILLERS[change.intent](self.text, self.model.now()), **change.slots}
        if change.intent == "create_task":
            slots = {**self.slots, **change.slots}
        self.parse, self.slots, self.writing = Parse(change.intent, self.parse.confidence, slots), slots, True
        getattr(self, f"do_{change.intent}")()
        self.answer("misread", request=change.words, what=ACT_NAMES.get(change.intent, "write down"))

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
        account = self.focus.of(["account"])
        if nth and len(listed) <= 1 and kinds == ["deal"] and account is not None and account.get("id"):
            # "the second one - what's the close date" after an account's view: the second of the deals it showed
            deals = self.call("get_account", account_id=str(account["id"]))["data"].get("deals") or []
            word = nth[1].lower()
            index = len(deals) if word == "last" else ORDINALS[word]
            if 1 <= index <= len(deals) and deals[index - 1].get("id"):
                return {"type": "deal", "id": str(deals[index - 1]["id"]), "name": deals[index - 1].get("deal_name")}
        if nth and len(listed) > 1:  # "the second one" of the list the last turn showed
            word = nth[1].lower()
            picked = self.focus.pick(len(listed) if word == "last" else ORDINALS[word], kinds)
            if picked is not None:
                return picked
            self.need("name", hint="Which one (its name)?")  # the list shown does not say which record: never a guess
        if name and len(listed) > 1:  # "push the cedarline one": the one listed record the words point to
            named = [r for r in listed if covers(str(name), str(r.get("name") or ""))]
            if len(named) == 1:
                return named[0]
            if len(named) > 1 and (
                (self.writing and all(r.get("type") in PERSON for r in named)) or len(self.text.split()) <= 4
            ):  # "the maya one" of a list with two Mayas, "the pilot" of the deals listed: asked among those
                self.answer("clarify", candidates=[self._hit_of(r) for r in named[:4]], confirm=False)
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
        if not name and self.writing and 1 < len(listed) <= 4 and refers_back(self.text):
            # "move it to negotiation" after "show me A and B": which of them, asked
            self.answer("clarify", candidates=[self._hit_of(r) for r in listed], confirm=False)
        if not name:
            if required:  # a name slot that names nothing ("the biggest one", "that one" with nothing shown): asked
                self.slots = {**self.slots, "name": None}
                self.need("name", hint=f"Who or what is it about ({what})?")
            return None
        kinds = kind_hint(self.text, str(name), kinds)
        dashed = re.search(re.escape(str(name)) + r"\s+[-–—]\s+([A-Za-z]+(?:\s+\d+)?)\b", self.text, re.I)
        whole = f"{name} - {dashed[1]}" if dashed else ""
        if (
            dashed
            and "deal" in kinds
            and not _ASKING.match(dashed[1])
            and not _ORDERED.match(dashed[1])
            and any(covers(whole, str(h["name"])) for h in self.call("search_crm", query=whole, types=["deal"])["data"])
        ):  # "Novaline Systems - Expansion 188": a deal's whole name, the part after the dash too, when a deal has it
            # ("tom smith - prefers email": no deal goes on so; "northworks inc - how many ppl ...": no question word)
            name = whole
        elif {"deal", "account"} & set(kinds):  # "northfield pilot 64": the number ending a name
            name = numbered(str(name), self.text)
        said = str(name)  # a record whose name holds other numbers than the ones said is never it ("platform 1")
        if (lead := self._lead_at(said, kinds)) is not None:
            return lead
        if "contact" in kinds and (person := self._by_role(said)) is not None:
            return person  # "the globex cto", "the cfo at acme corp": the one contact of that title there
        hits: list[dict[str, Any]] = [
            h
            for h in self.call("search_crm", query=str(name), types=kinds, limit=8)["data"]
            if h["score"] >= MATCH_FLOOR and not other_number(said, str(h["name"]))
        ]
        retries = [
            re.sub(r"^(\w{3,})s\b", r"\1", str(name)),  # "need toms direct line": a possessive without its apostrophe
            " ".join(str(name).split()[:2]),  # "why's sarah johnson scored 90": a name run that took the verb after it
            str(name).split()[0] if len(str(name).split()[0]) > 3 else str(name),  # "acme came back, ..."
        ]
        for shorter in dict.fromkeys(r for r in retries if r != str(name)):
            if hits:
                break
            dropped = {w.lower() for w in str(name).split()[len(shorter.split()) :]}
            if self.writing and dropped & english.nouns(self.text):
                continue  # "add a note to lisa wong": a write never follows "lisa" alone when "wong" was said as a name
            hits = [  # a shorter name is kept only when its words are all in the record's ("vera" is no "vertexlabs")
                h
                for h in self.call("search_crm", query=shorter, types=kinds, limit=8)["data"]
                if h["score"] >= MATCH_FLOOR
                and covers(shorter, f"{h['name']} {h.get('detail') or ''}")
                and not other_number(said, str(h["name"]))
            ]
            name = shorter if hits else name
        pick = self.slots.get("pick")
        if pick:  # the reply to our "which one" question names the line it chose
            chosen = [h for h in hits if candidate_line(h) == pick]
            if len(chosen) == 1:
                return chosen[0]
        if (
            not hits and not pick
        ):  # "curious what stage globex is at", "acme came back, ... bump the enterprise plan deal"
            for other in other_mentions(self.text, str(name)):
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
        if not hits and "contact" in kinds and (titled := self._titled(str(name))) is not None:
            return titled  # "log a call w the procurement director" after an account's view: its contact of that title
        if not hits and refers_back(self.text) and (focused := self.focus.of(kinds)) is not None and focused.get("id"):
            return focused  # "ok they got the proposal doc yesterday, move it to proposal": no "doc", "it" is the focus
        if not hits:
            if required and "kb_search" in self.tools and (not self.writing or self.parse.confidence < RULE_CONFIDENCE):
                self.do_kb_question(fallback=True)  # nothing in the CRM by that name: a question for the help center?
            if required:  # a write asks which record it meant (nothing is changed on a guess)
                self.answer("not_found", what=what, name=name, writing=self.writing)
            return None
        at = (
            re.search(re.escape(str(name)) + r"\s+(?:at|from|@|of)\s+([A-Za-z][\w&-]*)", self.text, re.I)
            or re.search(re.escape(str(name)) + r"['’]?s?\s*[,(–—-]?\s*" + _THE_PLACE_ONE, self.text, re.I)
            or re.search(r"[,(–—-]\s*" + _THE_PLACE_ONE + r"\W*$", self.text, re.I)
        )  # "tara ueda, the crestlogic one", "... - the cedarline one" (never a company inside a note's text)
        employed = [h for h in hits if at and h["type"] in PERSON and covers(at[1], str(h.get("detail") or ""))]
        if employed:  # "rosa rossi at lumenpoint": the Rosa Rossi who works there
            hits = employed
        worth = _THE_AMOUNT_ONE.search(self.text)
        priced = [h for h in hits if worth and covers(str(name), h["name"]) and amount_said(str(h["detail"]), worth[0])]
        if worth and len(priced) == 1:
            hits = priced  # "vertexfield pilot, the 80k one": that one, whoever's it is (a write then says if it may)
            if (amount := find_amount(worth[0])) is not None and self.slots.get("amount") == amount.value:
                self.slots = {k: v for k, v in self.slots.items() if k != "amount"}  # the pick, no new amount
        namesakes = [h for h in hits if str(h["name"]).lower() == str(hits[0]["name"]).lower()]
        if len(namesakes) > 1 and (placed := self._placed(namesakes)) is not None:
            hits = [placed, *(h for h in hits if h not in namesakes)]  # "olga zhou silverfield - title?"
        record, doubt = link(str(name), self.text, hits, writing=self.writing)
        if record is not None and not doubt:
            return record
        if len(doubt) > 1 and (told := self._told_apart(doubt)) is not None:
            return told
        if record is not None and doubt:
            if self.writing and len(doubt) == 1 and far(str(name), doubt[0]):  # never "yes" to a look-alike for a write
                if not required:
                    return None  # "a task to review the acme deal w john": John is no record; the task links to none
                self.answer("not_found_near", what=what, name=name, near=candidate_line(doubt[0]))
            self.answer("clarify", candidates=doubt[:4], confirm=len(doubt) == 1 and not doubt[0]["exact"])
        return record or hits[0]

    def _lead_at(self, said: str, kinds: list[str]) -> dict[str, Any] | None:
        """The lead in focus when a lone word names its company, which is no CRM record ("tell me about the bruno
        quist lead" - "pinebridge": Bruno Quist of Pinebridge Systems again, not a look-alike account)."""
        lead = self.focus.of(["lead"]) if "lead" in kinds and len(said.split()) == 1 else None
        if lead is None or not lead.get("id"):
            return None
        found = self.call("search_leads", query=said, limit=5)["data"]["leads"]  # by name, email or company
        ours = [f for f in found if str(f["id"]) == str(lead["id"]) and covers(said, str(f.get("company") or ""))]
        return lead if ours and not covers(said, str(lead.get("name") or "")) else None

    def _hit_of(self, record: dict[str, Any]) -> dict[str, Any]:
        """A record shown, as search finds it (with the detail a "which one" question lists and its reply is matched
        by)."""
        found = self.call("search_crm", query=str(record["name"]), types=[str(record["type"])], limit=8)["data"]
        return next((h for h in found if str(h["id"]) == str(record["id"])), {**record, "detail": ""})

    def _by_role(self, words: str) -> dict[str, Any] | None:
        """The one contact of an account the words name by title: "the globex cto" (the company before the title), "the
        cfo at acme corp" (after it); None when the words hold no title word or the account or title is not one."""
        said = name_words(words)
        first = next((i for i, w in enumerate(said) if w in TITLE_WORDS), None)
        if first is None or any(w not in TITLE_WORDS and w not in ("of", "the") for w in said[first:]):
            return None
        at = re.search(
            re.escape(words) + r"\s+(?:at|@|from|of)\s+([a-z][\w&.-]*(?:\s+[a-z][\w&.-]*)?)", self.text, re.I
        )
        company = " ".join(w for w in said[:first] if w != "the") or (at[1] if at else "")
        if not company:
            return None
        accounts = [
            h
            for h in self.call("search_crm", query=company, types=["account"], limit=8)["data"]
            if covers(company, str(h["name"]))
        ]
        accounts = [h for h in accounts if h.get("exact")] or accounts  # "acme corp": not Acme UK too
        if len(accounts) != 1:
            return None
        view = self.call("get_account", account_id=str(accounts[0]["id"]))["data"]
        titled = [c for c in view.get("contacts") or [] if covers(" ".join(said[first:]), str(c.get("title") or ""))]
        if len(titled) != 1:
            return None
        return {"type": "contact", "id": titled[0]["id"], "name": titled[0]["name"]}

    def _titled(self, words: str) -> dict[str, Any] | None:
        """The one person our last answer listed with a title holding every word said ("log a call w the procurement
        director" after "Contacts: ..., Tom Smith (Procurement Director)"), found by that name; else None. (The view is
        not read again: a write is not proposed in a turn that read other people's text.)"""
        titled = [name for name, title in _NAMED_TITLE.findall(self.focus.answer) if covers(words, title)]
        if len(titled) != 1:
            return None
        found = self.call("search_crm", query=titled[0], types=["contact"], limit=8)["data"]
        hits: list[dict[str, Any]] = [h for h in found if h["exact"]]
        if len(hits) != 1:
            return None
        self.slots = {**self.slots, "pick": titled[0]}  # the line of our answer the words point at (the guard reads it)
        return hits[0]

    def _told_apart(self, candidates: list[dict[str, Any]]) -> dict[str, Any] | None:
        """The one candidate the rest of the message tells apart: the one live deal or lead among closed or lost ones of
        its kind ("orbitpath renewal -> proposal": the work is on the open deal; a closed one is named as such, "the
        lost one"), or a person by title or company (`_placed`); None when that leaves more than one."""
        kinds = {c.get("type") for c in candidates}
        live = [c for c in candidates if not closed(str(c.get("detail") or ""))]
        if len(kinds) == 1 and kinds <= {"deal", "lead"} and len(live) == 1:
            return live[0]
        if not self.writing and self.parse.intent == "list_tickets" and kinds == {"contact"} and len(candidates) <= 4:
            asking = [  # "rosa rossi's tickets?": the one namesake who has raised any
                c for c in candidates if self.call("search_tickets", contact_id=str(c["id"]), limit=1)["data"]["total"]
            ]
            if len(asking) == 1:
                return asking[0]
        return self._placed(candidates)

    def _placed(self, candidates: list[dict[str, Any]]) -> dict[str, Any] | None:
        """The one person of a shared name whose title the message says as a pick ("ben weber (the ceo one)", "the kara
        zhou whos ceo", "ben weber the engineer"), or for a read whose company it says as a qualifier of the name ("olga zhou silverfield -
        title?"; a company in a note's body, "she's moving to crestlogic", picks no one); never a word of a value the
        message sets ("set tara ueda's title to IT Director": "director" is the new title, not the Director of
        Finance). A write goes by the company only through "X at/from Y" or "X, the Y one" said right after the name or
        ending the message (`find`): looser qualifiers put a note on the wrong namesake in a blind set (its case id and
        the tool taken were read, not its words)."""
        if len({str(c.get("name")).lower() for c in candidates}) != 1 or any(
            c["type"] not in PERSON for c in candidates
        ):
            return None
        values = " ".join(str(v) for k, v in self.slots.items() if k not in ("name", "pick") and isinstance(v, str))
        said = set(name_words(self.text)) - set(name_words(str(candidates[0]["name"]))) - set(name_words(values))
        said = {w for w in said if w not in STOPWORDS and w not in COMPANY_SUFFIXES and not w.isdigit()}
        named = re.escape(str(candidates[0]["name"])).replace(r"\ ", r"\s+")
        titled = re.search(named + r"\s*,?\s+the\s+((?:[\w-]+\s+)?[\w-]+)", self.text, re.I)  # "ben weber the ceo"
        picked = {w for m in _TITLE_PICK.finditer(self.text) for w in name_words(m[1] or m[2])} | set(
            name_words(titled[1]) if titled else []
        )
        after = re.search(named + _QUALIFIED, self.text, re.I)
        qualified = {w for m in _THE_ONE.finditer(self.text) for w in name_words(m[1])} | set(
            name_words(after[1]) if after else []
        )
        companies = set() if self.writing else said & qualified  # a write's company is the "at"/"from" rule's (`find`)
        for part, words in ((1, companies), (0, said & picked)):  # the company, else the title said as a pick
            placed = [c for c in candidates if words & set(_where_and_what(c)[part])]
            if len(placed) == 1:
                return placed[0]
        return None

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
        """The person of the one deal, ticket or account in focus: the deal's primary contact, the ticket's requester
        (the one its view named: the ticket is not read again, since a turn that reads customer text proposes no
        write), the account's one contact ("who do we know at solarforge" - "log a call with her")."""
        deal, ticket = self.focus.of(["deal"]), self.focus.of(["ticket"])
        named = ticket is not None or (deal is None and self.focus.of(["account"]) is not None)
        if named and len(people := [p for p in self.focus.people if p.get("id")]) == 1:
            return {"type": "contact", "id": str(people[0]["id"]), "name": str(people[0].get("name") or "")}
        contact_id = None
        if deal is not None and deal.get("id"):
            contact_id = self.call("get_deal", deal_id=str(deal["id"]))["data"].get("primary_contact_id")
        elif ticket is not None and ticket.get("number"):
            contact_id = self.call("get_ticket", number=int(ticket["number"]))["data"].get("requester_contact_id")
        return {"type": "contact", "id": str(contact_id), "name": ""} if contact_id else None

    def attempt(self, name: str, **arguments: Any) -> dict[str, Any]:
        """Like `call`, but a failed result is returned for the plan to handle instead of said."""
        for step in self.steps:
            if step.name == name and step.arguments == _jsonable(arguments):
                self.used.append(step)
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

    def within_reach(self, person: str, doing: str) -> None:
        """Refuse, with the tool's reason, when `person` is someone the caller may not act for ("give carlos's pilot
        144 to john", "a task for emma" from another team's manager); a name that is nobody's passes (a record's)."""
        result = self.attempt("search_deals", owner=person, open_only=True, limit=1)  # open deals: no customer text
        error = result.get("error") or {}
        if not result.get("ok") and not (error.get("code") == "not_found" and error.get("field") == "owner"):
            self.answer("error", field=None, reason=f"you can't {doing} ({error.get('reason', 'it failed')}).")

    def _who(self, person: str) -> str:
        """The teammate's name as found (see `_as_teammate`), capitalised."""
        return str(self.slots.get("person") or person).capitalize()

    def _teammate(self) -> str | None:
        """The teammate a question is about ("mike's deals"; managers and admins, and reps, who read their team's
        records), else None (the caller's own)."""
        person = self.slots.get("person")
        if (
            person
            and str(person).lower() not in ("i", "my", "me", "we", "our", "the", "team")
            and (self.role in ("manager", "admin", "rep") or STUCK.search(self.text))
        ):
            return str(person)
        return None

    @overload
    def _named(self, kinds: list[str], what: str, *, required: Literal[True] = ...) -> dict[str, Any]: ...
    @overload
    def _named(self, kinds: list[str], what: str, *, required: bool) -> dict[str, Any] | None: ...
    def _named(self, kinds: list[str], what: str, *, required: bool = True) -> dict[str, Any] | None:
        """The record the request names after "to", "for", "on", "about", "with" or "of"."""
        if not self.slots.get("pick"):
            recipient = re.match(
                r"^\W*(?:please\s+|pls\s+)?(?:e-?mail|write|draft|send|compose|message|shoot|fire\s+off|drop)\s+"
                r"(?!(?:a|an|the|me|to|up|out|back|some)\b)"
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

    def _scope(self) -> str:
        return self.slots.get("scope") or (
            "team" if self.role == "manager" else "mine" if self.role == "rep" else "all"
        )

    @abstractmethod
    def _read_intent(self) -> str:
        """The read a question asks for (`route.Plan`)."""

    @abstractmethod
    def do_kb_question(self, *, fallback: bool = False) -> None:
        """Answer from the help center (`lookups.RecordReads`); `find` falls back to it."""


def _where_and_what(candidate: dict[str, Any]) -> tuple[list[str], list[str]]:
    """A person's title words and company words, from its search line ("CEO at Helixforge Holdings 30, email"; a
    lead's is its company)."""
    detail = str(candidate.get("detail") or "").split(",")[0]
    title, _, company = detail.rpartition(" at ") if candidate["type"] == "contact" else ("", "", detail)
    return name_words(title), [w for w in name_words(company) if w not in COMPANY_SUFFIXES and not w.isdigit()]
