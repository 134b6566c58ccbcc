"""Ticket plans: queues, one ticket, creating, changing and assigning tickets, and suggested replies."""

from __future__ import annotations

import re
from typing import Any, NoReturn

from assistant.offline import Parse
from assistant.offline.acts import asks_creation
from assistant.offline.dialogue import field_request, is_question, refers_back
from assistant.offline.handoff import handed_to
from assistant.offline.listed import listed
from assistant.offline.nlu import FILLERS, FOR_THEM, STATE_POINTER, read_slots
from assistant.offline.plan.core import PlanCore
from assistant.offline.slots import (
    BARE_TICKET,
    STOPWORDS,
    clauses,
    find_priority,
    find_ticket_status,
    mask,
    name_runs,
    tokens,
)
from assistant.offline.support import asks_reply
from prompts.periods import period_words

_TICKET_CLAUSES = re.compile(r"\s*(?:[,;]|[.!?]\s|\s[-–—]\s)\s*(?:and\s+)?|\s+and\s+(?:then\s+)?|\s+also\s+")
_TAKEN_BACK = re.compile(
    r"\bno\s+wait\b|\bscratch\s+that\b|\bleave\s+it\b|\bnever\s*mind\b|\bforget\s+(?:it|that)\b", re.I
)
_SETS = re.compile(
    r"^\W*(?:(?:please|pls|then)\s+)?(?:set|make|mark|bump|change|move|escalate|switch|raise|lower|close|resolve|reopen)\b",
    re.I,
)
_COMPANY_ASKED = re.compile(
    r"\b(?:what|which)\s+(?:company|account|customer|org(?:anization|anisation)?)\b|\bcompany\b", re.I
)
_TICKET_NOUN = re.compile(r"\b(?:ticket|case|issue)s?\b", re.I)
_TICKET_VERBS = frozenset(
    "escalate escalated bump hand give pass assign reassign resolve close reopen mark put set change move summarise "
    "summarize suggest reply draft respond answer pls plz please over urgent high low medium normal priority pending "
    "resolved closed open one tix take grab drop raise lower make push wait waiting while".split()
)


def _said_as_topic(words: str, text: str) -> bool:
    """Whether `words` are said as the subject of tickets: "invoice tickets", "tickets about sso"."""
    w = re.escape(words)
    return bool(
        re.search(
            rf"\b{w}\s+(?:tickets?|tix|cases?|issues?)\b"
            rf"|\b(?:tickets?|tix|cases?|issues?|ones?)\s+(?:about|regarding|re|mentioning)\s+{w}\b",
            text,
            re.I,
        )
    )


_LISTED_STATE = re.compile(r"\((\w+), (\w+)\b[^()]*\)\s*$")  # "#1025 SSO configuration error (pending, low, from ...)"
_THEIR_TICKET = re.compile(r"^\W*(?:his|her|their)\s+(?:ticket|case|issue)\W*$", re.I)
_TICKET_TARGET = re.compile(r"\b(?:over\s+)?(?:to|on)\s+(?:me|myself|[a-z]+)\s*(?:pls|please)?\W*$", re.I)


def ticket_description(text: str, *, focused: bool = False) -> str:
    """The words a message uses for a ticket: those of the clause naming a ticket ("the one" too, after a list of
    tickets), without its verbs, its new status or priority, whom it goes to and the words every message has."""
    parts = clauses(text)
    if not focused and not any(_TICKET_NOUN.search(c.value) for c in parts):
        return ""
    said = [
        c.value
        for c in parts
        if _TICKET_NOUN.search(c.value) or re.search(r"\bthe\s+(?:\w+\s+){0,3}one\b", c.value, re.I)
    ]
    if said and _THEIR_TICKET.match(said[0]) and parts[0].value != said[0]:
        said = [parts[0].value]  # "jonas young at deltaline - his ticket, close it": the person said first
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
_CAME_IN_TODAY = re.compile(
    r"\btickets?\b.{0,40}\b(?:today|this\s+morning)\b|\b(?:today|this\s+morning)['’]?s\s+tickets\b", re.I
)
_TICKET_TOPIC = re.compile(r"\b((?:[a-z][\w-]*\s+){1,3}?)tickets\b", re.I)
_NOT_A_TOPIC = frozenset(
    "how many much any all these those the my our new open of are were have has did do what whats what's is going on "
    "with w about so such lots lot very really getting".split()  # "so many calendar tickets": the topic is "calendar"
)
_WHATS_GOING_ON = re.compile(
    r"\bwhat['’]?s?\s+(?:is\s+)?(?:going\s+on|happening|up)\b|\bwhats\s+(?:going\s+on|happening|up)\b|\bwhy\b", re.I
)
UNASSIGNED = re.compile(
    r"\bunassigned\b|\bnot\s+(?:yet\s+)?assigned\b|\bno\s+(?:one|assignee|owner)\b|\bnobody(?:'?s|\s+(?:has|owns|took|on))\b"
    r"|\bwith\s+(?:nobody|no\s+one)\b",
    re.I,
)
_OLDEST = re.compile(
    r"\b(?:oldest|earliest|longest[\s-]+(?:waiting|open|running)|(?:open|waiting)\s+(?:the\s+)?longest)\b", re.I
)
# whose queue: "sam's open tickets", "sams tickets" (a possessive without its apostrophe is tried as written, then not)
_QUEUE_OF = re.compile(
    r"\b([a-z]+)(?:['’]s|s['’]|(?<=s))\s+(?:(?:open|urgent|pending|new|current|high)\s+)*(?:tickets|queue|cases)\b",
    re.I,
)
WAITING_ON_ME = re.compile(
    r"\b(?:waiting|pending|sitting|parked)\s+(?:on|for|with)\s+me\b|\bon\s+my\s+plate\b|\bmy\s+queue\b", re.I
)


# A ticket that exists, named by its words: "the emberpoint csv export one", "rosa rossi's login ticket" (never "ticket
# for grace jensen (emberpoint): invoices missing VAT number", a new one)
A_TICKET_WE_HAVE = re.compile(
    r"\bthe\s+(?:[\w-]+\s+){1,3}(?:one|ticket|case)\b|['’]s\s+(?:[\w-]+\s+){0,3}(?:ticket|case)\b", re.I
)
# A ticket named and nothing else: "the sso ticket from prismpoint"
A_TICKET_ALONE = re.compile(
    r"^\W*(?:the|my|that|this)\s+(?:[\w-]+\s+){1,3}(?:ticket|case)(?:\s+(?:from|for|at|of|with|by)\s+[^,.;?!]+?)?\W*$",
    re.I,
)
# A ticket the caller takes, said anywhere: "put it on me", "i'll take 1002" (a whole "take 1004" is read as an
# assignment before: `replies.object_first`)
PUT_ON_ME = re.compile(
    r"\b(?:put|assign|give)\s+(?:it|this|that|the\s+ticket)\s+(?:to|on)\s+(?:me|myself)\b|\bi(?:'ll|\s+will)\s+take\s+(?:#?\d{3,}|it|this|that)\b",
    re.I,
)


class TicketActs(PlanCore):
    """Plans over support tickets."""

    def _ticket_change(self, text: str) -> bool:
        """Whether the words change a ticket: a new status or priority, or a teammate it is handed to."""
        said = FILLERS["update_ticket"](text, self.model.now())
        return bool(said.get("status") or said.get("priority") or handed_to(text))

    def changed_as_described(self, text: str) -> None:
        """A support agent's change of the one open ticket the words describe, read as a new ticket ("the emberpoint
        csv export one, make it urgent", "rosa rossi's login ticket - set it pending"): that ticket's update instead."""
        if (
            self.role == "support"
            and self.parse.intent == "create_ticket"
            and not asks_creation("create_ticket", text)
            and not asks_reply(text)
            and not self.slots.get("ticket_number")
            and A_TICKET_WE_HAVE.search(text)
            and self._ticket_change(text)
            and (number := self._described_ticket(focused=True)) is not None
        ):
            change = FILLERS["update_ticket"](text, self.model.now())
            self.parse = Parse("update_ticket", self.parse.confidence, {**change, "ticket_number": number})
            self.slots = self.parse.slots

    def show_described(self, text: str) -> None:
        """The one open ticket a question or a bare mention describes by its words ("whats the status on the acme csv
        export ticket", "the sso ticket from prismpoint"), looked at; nothing when the words change it."""
        if (
            "find_tickets" in self.tools
            and (
                (self.parse.intent in ("create_ticket", "show_record") and (is_question(text) or field_request(text)))
                or A_TICKET_ALONE.match(text)
            )
            and not self._ticket_change(text)
            and not PUT_ON_ME.search(text)
            and not asks_creation("create_ticket", text)
            and not self.slots.get("ticket_number")
            and A_TICKET_WE_HAVE.search(text)
            and (number := self._described_ticket(focused=self._tickets_shown())) is not None
        ):
            self.parse = Parse("show_ticket", self.parse.confidence, {"ticket_number": number})
            self.slots, self.writing = self.parse.slots, False
            self.do_show_ticket()

    def do_show_ticket(self) -> None:
        data = self.call("get_ticket", number=int(self.slots["ticket_number"]))["data"]
        account = None
        if _COMPANY_ASKED.search(self.text) and data.get(
            "account_id"
        ):  # "who's the requester on 1042 and what company"
            account = self.call("get_account", account_id=str(data["account_id"]))["data"]["account"]["name"]
        self.answer("ticket", d=data, account=account)

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
                "assignee": self._person(assignee),
            },
        )

    def _person(self, who: str) -> str:
        """The assignee a ticket is handed to: the caller for "me", else the name or email said."""
        return self.caller if who.lower() in ("me", "myself") and self.caller else who

    def _ticket_writes(self, tool: str, arguments: dict[str, Any]) -> NoReturn:
        """The ticket change asked for and the other one another clause asks for ("assign it to noah and set it to
        pending", "escalate 1013 to urgent and put it on me"), proposed together; else the one."""
        calls, number = [(tool, arguments)], arguments["number"]
        clauses = _TICKET_CLAUSES.split(self.text)
        taken_back = [i for i, part in enumerate(clauses) if _TAKEN_BACK.search(part)]
        clauses = clauses[taken_back[-1] + 1 :] if taken_back else clauses  # "bump it to high... no wait, leave it"
        for part in clauses[1:] if tool == "update_ticket" or handed_to(clauses[0]) else clauses:
            if tool == "update_ticket" and (who := handed_to(part)):
                calls.append(("assign_ticket", {"number": number, "assignee": self._person(who)}))
            elif tool == "assign_ticket" and _SETS.match(part):
                said = FILLERS["update_ticket"](part, self.model.now())
                changes = {k: said[k] for k in ("status", "priority") if said.get(k)}
                if changes:
                    calls.append(("update_ticket", {"number": number, "changes": changes}))
        if tool == "update_ticket" and len(calls) == 1 and (handed := handed_to(self.text)):  # "escalate it to noah"
            calls.append(("assign_ticket", {"number": number, "assignee": self._person(handed)}))
        if len(calls) == 1:
            self.write(tool, **arguments)
        self.write_all(calls)

    def do_list_tickets(self) -> None:
        if _CAME_IN_TODAY.search(self.text):
            self._tickets_today()
        status = self.slots.get("status")
        period = read_slots(self.text, self.model.now()).get("period")
        if status in ("resolved", "closed") and period not in (None, "overdue"):
            self._tickets_resolved(str(period))
        if (WAITING_ON_ME.search(self.text) or _OLDEST.search(self.text)) and not re.search(
            r"\bpending\b", self.text, re.I
        ):
            status = None  # "waiting on me" is the caller's queue, "waiting the longest" its oldest: no pending status
        history = bool(
            re.search(r"\b(?:history|before|ever|all|past|previous|else)\b", self.text, re.I)
        )  # closed ones too
        whose, nobody = _QUEUE_OF.search(self.text), None
        who = self.slots.get("assignee") or (whose[1] if whose and whose[1].lower() not in STOPWORDS else None)
        if who and self.role != "customer":  # a teammate's queue ("sams open tickets"), before any account or contact
            queue = self._as_teammate(
                "search_tickets",
                "assignee",
                assignee=str(who),
                status=status,
                priority=self.slots.get("priority"),
                open_only=status is None and not history,
                limit=20,
            )
            if queue.get("ok"):
                title = f"{status.capitalize() if status else 'Open'} tickets assigned to {self._who(str(who))}"
                self.answer("tickets", tickets=queue["data"]["tickets"], total=queue["data"]["total"], title=title)
            if (error := queue.get("error", {})).get("code") != "not_found":
                self.answer("error", field=error.get("field"), reason=error.get("reason", "it failed"))
            self.slots, nobody = {**self.slots, "assignee": None}, error  # no teammate: an account's or contact's?
        unassigned = bool(UNASSIGNED.search(self.text))
        if unassigned and str(self.slots.get("name") or "").lower() == "unassigned":
            self.slots = {**self.slots, "name": None}  # "whats sitting unassigned": a queue, no account named
        queue_asked = bool(unassigned or _OLDEST.search(self.text) or WAITING_ON_ME.search(self.text)) and not (
            self.slots.get("name") or refers_back(self.text)
        )  # "oldest unassigned ticket?" after looking at lisa chen: the queue's, not hers
        record = (
            None if queue_asked else self.find(["account", "contact"], what="an account or contact", required=False)
        )
        if nobody and record is None:  # neither a teammate nor a record by that name: say so, list nothing else
            self.answer("error", field=nobody.get("field"), reason=nobody.get("reason", "it failed"))
        named = str(self.slots.get("name") or "")
        subject = named if record is None and not nobody and _said_as_topic(named, self.text) else None
        arguments = {
            "query": subject,  # "invoice tickets still open", "tickets about sso": no account or person, a subject
            "status": status,
            "priority": self.slots.get("priority"),
            "account_id": record["id"] if record and record["type"] == "account" else None,
            "contact_id": record["id"] if record and record["type"] == "contact" else None,
            "open_only": status is None and not history,
            "limit": 20,
        }
        if unassigned:  # "whats sitting unassigned in the queue?": the tickets no one has
            arguments["unassigned"] = True
        oldest = bool(_OLDEST.search(self.text))
        if oldest:  # "the oldest open one in my queue": the longest waiting first
            arguments["order"] = "oldest"
        if (
            re.search(
                r"\bmy\s+(?:\w+\s+){0,2}(?:queue|tickets?|ones?)\b|\bassigned\s+to\s+me\b|\bmy\s+(?:own\s+)?(?:cases|queue)\b|\bof\s+mine\b"
                r"|\btickets\b.*\b(?:have\s+i\s+got|do\s+i\s+have|i(?:'ve|\s+have)?\s+got)\b|\btickets\s+on\s+me\b",
                self.text,
                re.I,
            )
            or WAITING_ON_ME.search(self.text)
        ) and self.role != "customer":
            arguments["mine"] = True
        data = self.call("search_tickets", **arguments)["data"]
        title = (
            f"{'Your ' if arguments.get('mine') else ''}{status or ('all' if history else 'open')}"
            + (" unassigned" if unassigned else "")
            + " tickets"
            + (f" for {record.get('name') or 'them'}" if record else "")
            + (f' about "{subject}"' if subject else "")
            + (f", {arguments['priority']} priority" if arguments.get("priority") else "")
            + (", oldest first" if oldest else "")
        )
        title = title[:1].upper() + title[1:]
        self.answer("tickets", tickets=data["tickets"], total=data["total"], title=title)

    def do_requester_tickets(self) -> None:
        """Every ticket the requester of the ticket in focus raised ("1038", then "what else have they opened")."""
        person = self._focus_person()
        if person is None:
            self.answer("ask", missing="name", hint="Whose tickets (a contact)?")
        data = self.call("search_tickets", contact_id=person["id"], open_only=False, limit=20)["data"]
        named = person.get("name") or next((t["requester"] for t in data["tickets"] if t.get("requester")), "them")
        title = f"All tickets from {named}"
        self.answer("tickets", tickets=data["tickets"], total=data["total"], title=title)

    def _tickets_today(self) -> None:
        """The tickets that came in today, about a topic when the words before "tickets" name one ("how many calendar
        sync tickets came in today?"), counted; "what's going on" with them adds what the newest one says."""
        said = _TICKET_TOPIC.search(self.text)
        topic = " ".join(w for w in (said[1].split() if said else []) if w.lower() not in _NOT_A_TOPIC)
        today = self.model.now().date().isoformat()
        tickets = self.call("search_tickets", query=topic or None, created_since=today, limit=50)["data"]["tickets"]
        title = f"{topic.capitalize() + ' tickets' if topic else 'Tickets'} that came in today"
        note = None
        if tickets and _WHATS_GOING_ON.search(self.text):
            newest = self.call("get_ticket", number=int(tickets[0]["number"]))["data"]
            if newest.get("description"):
                note = f"#{newest['number']} says: {newest['description']}"
        self.answer("tickets", tickets=tickets, total=len(tickets), title=title, note=note)

    def do_create_ticket(self) -> None:
        self.need("subject", hint="What is the problem?")
        who: dict[str, Any] | None
        if not self.slots.get("name") and FOR_THEM.search(self.text):
            # "open a new ticket for her" after her ticket's view, "open one for him" after his (empty) ticket list
            who = self.focus.people[0] if len(self.focus.people) == 1 else self.focus.of(["contact"])
            if who is None or not who.get("id"):
                self.need("name", hint="Who is it for (a contact)?")  # never a ticket for no one when "him" was said
        else:
            who = self.find(["contact"], what="a contact", required=False)
        self.write(
            "create_ticket",
            subject=self.slots["subject"],
            priority=self.slots.get("priority") or "medium",
            requester_contact_id=who and who["id"],
            product=self.slots.get("product"),
        )

    def _tickets_resolved(self, period: str) -> None:
        """The tickets resolved or closed in a period ("how many tickets did we close last week"): the caller's for
        "my"/"i", else every ticket they see."""
        mine = bool(re.search(r"\b(?:my|i)\b", self.text, re.I)) and self.role != "customer"
        data = self.call("search_tickets", resolved_in=period, mine=mine, limit=20)["data"]
        label = period_words(period)
        title = f"{'Your t' if mine else 'T'}ickets resolved {label}"
        self.answer("tickets", tickets=data["tickets"], total=data["total"], title=title)

    def do_ticket_note(self, number: int, body: str) -> None:
        """A note on the ticket of that number ("add note to 1013: customer sent a SAML trace"), found without reading
        its thread (a turn that read other people's text writes nothing)."""
        found = [
            t
            for t in self.call("find_tickets", description=str(number), open_only=False)["data"]
            if t["number"] == number
        ]
        if not found:
            self.answer(
                "error", field="number", reason=f"no ticket #{number}. Which one did you mean? Nothing was changed."
            )
        self.write("add_note", related_type="ticket", related_id=found[0]["id"], body=body)

    def _ticket_number(self) -> int | None:
        """The ticket a support request is about: a number it gives, else the one ticket in focus ("suggest a reply to it")."""
        number = self.slots.get("ticket_number") or read_slots(self.text, self.model.now()).get("ticket_number")
        bare = BARE_TICKET.search(self.text)
        if number is None and bare:
            number = int(bare[1])
        if number is None:
            number = self._focus_ticket()
        if number is None:
            number = self._listed_by_state()
        if number is None:
            number = self._described_ticket(focused=self._tickets_shown())
        return int(number) if number is not None else None

    def _listed_by_state(self) -> int | None:
        """The number of the one ticket of the list just shown whose status or priority the words point at ("the
        pending one - set it back to open"). Several are asked back by number; None when the words point at none."""
        said = STATE_POINTER.search(self.text)
        if said is None:
            return None
        state = said[1].lower()
        tickets = [line for line in listed(self.focus.answer) if line.kind == "ticket"]
        states = [(line, _LISTED_STATE.search(line.text)) for line in tickets]
        matching = [line for line, m in states if m and state in (m[1].lower(), m[2].lower())]
        if len(matching) > 1:
            self.answer(
                "clarify",
                candidates=[
                    {"name": line.text.rsplit(" (", 1)[0], "type": "ticket", "detail": f"{m[1]}, {m[2]}"}
                    for line, m in states
                    if m and line in matching[:4]
                ],
                confirm=False,
            )
        if len(matching) != 1:
            return None
        return int(matching[0].name.split()[-1])

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
        if (number := self._listed_by_state()) is not None:
            self.slots = {**self.slots, "ticket_number": number}
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
        words = ticket_description(self.text, focused=focused)
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
        if not changes and (who := handed_to(self.text)):  # "1033 is an SSO thing really, pass it to noah"
            self.slots = {**self.slots, "assignee": who}
            self.do_assign_ticket()
        if not changes:
            self.need("status", hint="What should change: the status or the priority?")
        self._ticket_writes("update_ticket", {"number": self.slots["ticket_number"], "changes": changes})
