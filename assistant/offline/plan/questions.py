"""The read a question asks for: a question is never turned into a write (nor asked for a write's field); its words
say the list, the report or the record it reads ("whats sam working on", "my deals in proposal", "who's behind")."""

from __future__ import annotations

import re

from assistant.offline.dialogue import (
    RECORD_FIELDS,
    asked_field,
    is_question,
    possessor,
    refers_back,
    stands_for_person,
)
from assistant.offline.linking import covers
from assistant.offline.nlu import read_slots
from assistant.offline.plan.core import ANYTHING, STUCK, PlanCore
from assistant.offline.plan.deals import COACH, PERFORMANCE, PIPELINE_WORDS, TEAMMATE_DEALS
from assistant.offline.plan.tickets import UNASSIGNED, WAITING_ON_ME
from assistant.offline.replies import NOT_A_NAME
from assistant.offline.slots import BARE_TICKET, NUMBERED_TASK, STOPWORDS, find_floor, find_stage

READS = {"show_record", "pipeline", "stuck_deals", "deals_closing", "my_tasks", "list_tickets", "help"}
_CLOSING = re.compile(r"\bclosing\b(?!\s+date)", re.I)
DEAL_WORDS = re.compile(r"\b(?:deals|opportunities|opps|pipeline)\b", re.I)
_DUE = re.compile(r"\bdue\b(?!\s+(?:to|date))", re.I)
_HOW_MUCH_MINE = re.compile(
    r"^\W*how\s+much\s+(?:have\s+i|do\s+i\s+have|i\s+have|i'?ve|am\s+i\s+(?:carrying|holding|sitting\s+on))\b", re.I
)  # "how much have i got in q3": the caller's pipeline
_GOT_OPEN = re.compile(r"\bhow\s+much\b.*\b(?:(?:got|have|has)\s+open|carrying)\b")  # "how much is mike carrying"
_IN_STAGE = re.compile(
    r"\b(?:in|at)\s+(?:the\s+)?(?:prospecting|qualification|proposal|negotiation)\b", re.I
)  # only deals
_LOST = re.compile(
    r"\b(?:what|which|how\s+much|how\s+many|deals?|opps?|opportunities|did)\b.{0,40}\b(?:lost|lose|closed[\s-]lost)\b"
    r"|\bclosed[\s-]lost\s+deals\b",
    re.I,
)
_MEETING_WORDS = re.compile(r"\bmeetings?\b|\bcalendar\b|\bagenda\b|\bappointments?\b|\bdiary\b", re.I)
_MY_DEALS = re.compile(
    r"^\W*(?:(?:can\s+(?:you|u)\s+|pls\s+|please\s+)?(?:list|show|see|display|give|get|pull(?:\s+up)?)\s+(?:me\s+)?"
    r"|(?:what|which)(?:'?s|\s+is|\s+are)\s+|whats\s+)?"
    r"(?:all\s+(?:of\s+)?)?my\s+(?:(?:biggest|largest|top)\s+)?(?:open\s+|current\s+|active\s+)?"
    r"(?:deals?|opps?|opportunit(?:y|ies))(?:\s+(?:please|pls))?\W*$"
    r"|^\W*(?:what(?:'?s|\s+is)\s+|whats\s+)?(?:the\s+|my\s+)?(?:biggest|largest|top)\s+(?:open\s+)?"
    r"(?:deal|opp|opportunity)\s+(?:i\s+have|i'?ve\s+got|i\s+got)(?:\s+open)?\W*$",
    re.I,
)  # "list my deals", "my biggest deal", "largest deal i have open?": the deals themselves (the pipeline report sums
# them by stage)
_MY_DEALS_SAID = re.compile(r"\bmy\s+(?:open\s+|current\s+|active\s+)?(?:deals|opps|opportunities)\b")
_MY_QUEUE = re.compile(r"\bassigned\s+to\s+me\b|\bon\s+my\s+plate\b|\bin\s+my\s+queue\b")
MY_REPS = re.compile(
    r"\b(?:my|our)\s+(?:reps|people|teammates|team\s+members|sellers|aes)\b|\bwho\s+on\s+(?:my|the)\s+team\b"
    r"|\bwhich\s+(?:rep|one\s+of\s+my\s+reps)\b",
    re.I,
)
_ONE_WORD = re.compile(r"^[a-z]+$", re.I)
_OPENING_WORD = re.compile(r"^\W*([a-z]+)\b", re.I)
_PERFORMANCE_WHO = re.compile(
    r"\bhow(?:'?s|\s+is|\s+are)\s+([a-z]+)\s+(?:doing|performing|tracking|getting\s+on|going)\b|\b([a-z]+)['’]s\s+(?:pipeline|deals|numbers)\b",
    re.I,
)
_ROLL_UP = re.compile(r"\btotal\s+(?:open\s+)?(?:deal\s+)?(?:value|amount|worth)\s+(?:on|of|for|at|across)\b", re.I)
TASK_WORDS = re.compile(
    rf"\btasks?\b|\b{NUMBERED_TASK}|\bto-?dos?\b|\bon\s+(?:my|his|her|\w+['’]s)\s+plate\b|\bbehind\b|\bto do list\b|\boverdue\b(?!.{{0,20}}\bdeals?\b)",
    re.I,
)
_THEIR_THINGS = re.compile(
    r"\b(?:her|his|their)\s+(?:\w+\s+)?(?:deals|pipeline|tasks|opps|opportunities|numbers|quota)\b", re.I
)
_THOSE = re.compile(r"\b(?:those|these|them|ones)\b", re.I)
# A ticket's field asked about, in a few words, after looking at the ticket.
_TICKET_FIELD = re.compile(
    r"\b(?:requester|requestor|reporter|reported|raised|filed|opened|assignee|assigned|priority|status|subject|customer|"
    r"client)\b"
)
# A question that asks who: from a manager, about the people of the team ("who has overdue tasks?").
_WHO_ASKED = re.compile(r"^\W*who(?:'?s|\s+is|\s+has|\s+have|\s+got)?\b", re.I)
# Who else works where the contact in focus does: "other contacts there?", "who else is at that company"
_ELSE_THERE = re.compile(
    r"\b(?:other|else|more)\b.{0,30}\b(?:there|at\s+(?:that|the\s+same|this)\s+(?:company|account|place))\b", re.I
)
_WON = re.compile(
    r"\b(?:what|which|how\s+much|how\s+many|deals?|did)\b.{0,40}\b(?:won|win|closed[\s-]won|booked)\b"
    r"|\b(?:what|which|how\s+much|how\s+many)\b.{0,30}\bdid\b.{0,30}\bclose\b(?!\s+(?:date|lost))"
    r"|\b(?:wins|closed[\s-]won\s+deals)\b"
    r"|\bdid\s+(?:i|we|he|she|they|\w+)\s+(?:close|win|sign|book)\s+(?:anything|any|something|much|many|a\s+deal)\b"
    r"|\b(?:won|signed|booked|closed)\s+(?:anything|any\s+deals?|something)\b",  # "won anything this month?"
    re.I,
)
_WORKING_ON = re.compile(
    r"\bwhat(?:'?s|\s+is|\s+are)\s+([a-z]+)\s+(?:working\s+on|handling|dealing\s+with|looking\s+at|busy\s+with)\b"
    r"|\bwhat(?:'?s|\s+does|\s+has)\s+([a-z]+)\s+(?:got|have)\s+(?:on|open|in\s+(?:the|their|his|her)\s+queue)\b"
    r"|\btickets\s+(?:does|has|is)\s+([a-z]+)\s+(?:have|got|holding|carrying|working|handling)\b"
    r"|\bassigned\s+to\s+(?!me\b|myself\b|us\b)([a-z]+)\b"
    r"|\bwhat(?:'?s|\s+is)\s+(?:sitting|waiting)\s+(?:on|with)\s+(?!me\b|us\b|the\b|a\b)([a-z]+)\W*$",  # "what's waiting on sam?"
    re.I,
)


class QuestionReads(PlanCore):
    """The read a question asks for, whatever the classifier's vote."""

    def _read_intent(self) -> str:
        """The read a question asks for: a question is never turned into a write (nor asked for a write's field)."""
        lowered, intent = self.text.lower(), self.parse.intent
        kept = ("name", "pick") if self.slots.get("pick") else ("name",) if intent in READS else ()
        self.slots = {**read_slots(self.text, self.model.now()), **{k: v for k, v in self.slots.items() if k in kept}}
        if self.role == "support" and not self.slots.get("ticket_number") and (bare := BARE_TICKET.search(self.text)):
            self.slots = {
                **self.slots,
                "ticket_number": int(bare[1]),
            }  # "who is working on 1047?": an agent's numbers are tickets
        if (
            self.role == "support"
            and re.search(
                r"\b(?:still\s+)?open\b|\boutstanding\b|^\W*anything\s+(?:new\s+)?(?:from|for|on|with)\b", lowered
            )
            and not DEAL_WORDS.search(lowered)
            and not re.search(r"\b(?:deal|lead|task|ticket|case)s?\b|\bqueue\b", lowered)  # tickets said: read below
            and not self.slots.get("ticket_number")
            and not (
                self.slots.get("name")
                and stands_for_person(self.text, str(self.slots["name"]))
                and not self._names_account(str(self.slots["name"]))  # "what's open for blueforge": the company's
            )
        ):  # ("what's sam got open": sam's queue, read below)
            return "list_tickets"  # "anything from lumenpoint still open?": what is open for a support agent is tickets
        if self.role == "support" and not self.slots.get("ticket_number") and _MY_QUEUE.search(lowered):
            return "list_tickets"  # "urgent stuff assigned to me": a support agent's own queue
        coached = COACH.search(self.text) if self.role in ("manager", "admin") else None
        person = self.slots.get("person") or possessor(self.text, STOPWORDS) or (coached and (coached[1] or coached[2]))
        if person:
            self.slots = {**self.slots, "person": person}
        manager = self.role in ("manager", "admin")
        named = str(self.slots.get("name") or "")
        if (
            self.role in ("manager", "admin", "rep")
            and re.search(r"\bleads\b", lowered)
            and (person or (_ONE_WORD.match(named) and stands_for_person(self.text, named)))
        ):  # "mike's new leads", "what leads does emma have": theirs (the tool says when the caller may not see them)
            self.slots = {**self.slots, "name": None, "person": person or named}
            return "list_leads"
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
            and ((manager and PERFORMANCE.search(self.text)) or STUCK.search(lowered) or PIPELINE_WORDS.search(lowered))
            and re.search(
                rf"\b{re.escape(str(self.slots['name']))}(?:['’]s|\s+(?:is|doing|got|has))\b", self.text, re.I
            )
        ):
            person = self.slots["person"] = str(
                self.slots["name"]
            )  # "how is emma doing", "what is stuck in john's pipeline"
        tasks = TASK_WORDS.search(lowered) or (_DUE.search(lowered) and not DEAL_WORDS.search(lowered))
        opener = _OPENING_WORD.match(self.text)
        if (
            manager
            and not person
            and opener
            and opener[1].lower() not in STOPWORDS
            and stands_for_person(self.text, opener[1])
            and (_IN_STAGE.search(lowered) or _CLOSING.search(lowered) or DEAL_WORDS.search(lowered))
        ):
            person = self.slots["person"] = opener[1]  # "carlos has a bunch of stuff in negotiation, ..."
        reads_team = manager or self.role == "rep"  # a rep reads the team's deals ("covering for john")
        if (
            (manager or (reads_team and not tasks))
            and not person
            and _ONE_WORD.match(str(self.slots.get("name") or ""))
            and (
                tasks
                or DEAL_WORDS.search(lowered)
                or _CLOSING.search(lowered)
                or _IN_STAGE.search(lowered)  # "how much has john got in negotiation"
                or _GOT_OPEN.search(lowered)  # "how much has john got open rn"
                or TEAMMATE_DEALS.search(lowered)  # "biggest open deal mike has going"
                or _WON.search(lowered)
                or _LOST.search(lowered)
            )
            and stands_for_person(self.text, str(self.slots["name"]))
        ):
            person = self.slots["person"] = str(self.slots["name"])  # "what's emma got due": a teammate, else a record
        if (
            _WON.search(lowered)
            and not TASK_WORDS.search(lowered)
            and not re.search(r"\b(?:tickets?|cases?)\b", lowered)
        ):
            return "won_deals"
        if (
            _LOST.search(lowered)
            and not TASK_WORDS.search(lowered)
            and not re.search(r"\bleads?\b", lowered)
            and not (self.slots.get("name") and re.search(r"\bwhy\b", lowered) and not person)
        ):  # "why did we lose X": that deal (but "how many did emma lose and why": hers)
            return "lost_deals"
        if (
            person
            and (
                reads_team
                and (
                    TEAMMATE_DEALS.search(lowered)
                    or _IN_STAGE.search(lowered)
                    or _CLOSING.search(lowered)  # "what's john got closing between now and end of month"
                    or PERFORMANCE.search(self.text)
                    or coached
                )
                or STUCK.search(lowered)
                and TEAMMATE_DEALS.search(lowered)
            )
            and not self.slots.get("ticket_number")
        ):
            return "teammate_deals"  # a teammate's deals: the tool says when the caller may not see them
        if (
            manager
            and "team_tasks" in self.tools
            and tasks
            and (
                person
                or (
                    (self.slots.get("scope") == "team" or MY_REPS.search(lowered) or _WHO_ASKED.match(lowered))
                    and not self.slots.get("name")
                )
            )
        ):
            return "team_tasks"  # a teammate's tasks, or the whole team's ("overdue tasks on my team?", "who has ...")
        if (
            (
                DEAL_WORDS.search(lowered)
                or _IN_STAGE.search(lowered)
                or (_THOSE.search(lowered) and DEAL_WORDS.search(self.focus.said))
            )
            and find_stage(self.text)
            and not _WON.search(lowered)
            and not self.slots.get("name")
        ):
            return "stage_deals"  # "which of my deals are in proposal"; "which of those are" after the pipeline
        if (
            self.role == "support"
            and WAITING_ON_ME.search(lowered)
            and not re.search(r"\btasks?\b|\bto-?dos?\b", lowered)
        ):  # an agent's plate is their queue
            return "list_tickets"
        working = _WORKING_ON.search(self.text)
        queue_of = (working and next((g for g in working.groups() if g), None)) or possessor(self.text, STOPWORDS)
        if (
            queue_of
            and queue_of.lower() not in NOT_A_NAME
            and (re.search(r"\b(?:queue|tickets|cases)\b", lowered) or (self.role == "support" and working))
            and not self.slots.get("ticket_number")
        ):
            self.slots = {**self.slots, "assignee": queue_of}
            if re.search(
                r"\b(?:waiting|sitting)\s+(?:on|with)\b", lowered
            ):  # "what's waiting on sam": all his open ones
                self.slots.pop("status", None)
            return "list_tickets"  # "whats sam working on", "noah's queue": a teammate's tickets
        if manager and working and queue_of and queue_of.lower() not in NOT_A_NAME:
            self.slots = {**self.slots, "person": queue_of}
            return "teammate_deals"  # "what's mike working on" from his manager: the deals he has open
        if (
            DEAL_WORDS.search(lowered)
            and not self.slots.get("name")
            and refers_back(self.text)
            and self.focus.of(["account", "contact"])
        ):
            return "list_deals"  # "what deals do they have open?" after looking at an account, "her deals?"
        if _ELSE_THERE.search(lowered) and not self.slots.get("name") and (person := self.focus.of(["contact"])):
            account = self.call("get_contact", contact_id=str(person["id"]))["data"].get("account")
            if account:  # "other contacts there?" after looking at a contact: her account's view names them all
                self.slots = {**self.slots, "name": account["name"]}
                return "show_record"
        if _MEETING_WORDS.search(lowered) and not re.search(r"\btickets\b", lowered):
            return "my_meetings"  # "calendar sync tickets" are tickets
        if TASK_WORDS.search(lowered) and not self.slots.get("name"):
            return "my_tasks"
        if self.slots.get("ticket_number"):
            return "show_ticket"
        if (
            _TICKET_FIELD.search(lowered)
            and len(self.text.split()) <= 6
            and (number := self._focus_ticket()) is not None
        ):  # "who's the requester" right after looking at a ticket: that ticket's
            self.slots = {**self.slots, "ticket_number": number}
            return "show_ticket"
        if (floor := find_floor(self.text)) is not None:  # "my deals over 100k", "leads scoring above 80"
            if _MY_DEALS_SAID.search(lowered) and floor.value[0] >= 1000:
                return "my_deals"
            if re.search(r"\bleads\b", lowered) and floor.value[0] <= 100:
                return "list_leads"
        if re.search(
            r"\btickets\b|\bsupport (?:issues|cases|requests)\b|\bcomplaints\b|\bescalations\b|\bqueue\b", lowered
        ):
            return "list_tickets"
        if re.search(
            r"\bleads\b|\b(?:hottest|warmest|top|best|highest[\s-]scor\w*)\s+lead\b", lowered
        ) and not self.slots.get("name"):  # "whos my hottest lead right now, by score"
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
            asked_field(self.text) in RECORD_FIELDS
            and len(self.text.split()) <= 6
            and is_question(self.text)
            and not (self.slots.get("period") or self.slots.get("within_days"))
            and self.focus.of(ANYTHING)
        ):
            return "show_record"  # "what's the close date" right after looking at a deal: that deal's
        if (
            self.slots.get("name")
            and asked_field(self.text) in ("stage", "amount", "owner")
            and not DEAL_WORDS.search(lowered)
            and not person
        ):
            return "show_record"  # "ironpath platform 31 - what stage and how much": a named record's fields
        if UNASSIGNED.search(self.text) and (
            intent in ("pipeline", "stuck_deals", "deals_closing", "my_tasks") or self.role == "support"
        ):
            return "list_tickets"  # "anything sitting with nobody on it?": every deal has an owner, the queue is asked
        if (
            self.slots.get("name")
            and intent in ("pipeline", "stuck_deals", "deals_closing")
            and not (self.slots.get("period") or self.slots.get("within_days") or self.slots.get("scope"))
            and not DEAL_WORDS.search(lowered)
            and not STUCK.search(lowered)
        ):
            return "show_record"  # "did the novaline renewal close?", "pull up the globex deal": that record
        if self.slots.get("name") and not person and _ROLL_UP.search(lowered):
            return "show_record"  # "total open value on acme? all deals pls": the account's view sums its deals
        if _MY_DEALS.match(self.text):
            return "my_deals"
        if intent == "pipeline" and STUCK.search(lowered):
            return "stuck_deals"  # "anything stalled in my pipe"
        if _HOW_MUCH_MINE.match(lowered) and not tasks and not person:
            return "pipeline"
        if intent in ("pipeline", "stuck_deals", "deals_closing", "list_tickets", "my_tasks"):
            return intent
        if intent == "show_record" or self.slots.get("name") or self.focus.records:
            return "show_record"
        return intent if intent in READS else "help"

    def _names_account(self, name: str) -> bool:
        """Whether an account's name holds every word of `name` (a company, not a teammate, said after "for")."""
        hits = self.call("search_crm", query=name, types=["account"], limit=3)["data"]
        return any(covers(name, str(h.get("name") or "")) for h in hits)
