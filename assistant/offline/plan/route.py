"""The plan of a turn: which act the request asks for (a read is never turned into a write), then that act."""

from __future__ import annotations

import re

from assistant.offline import Parse, understand
from assistant.offline.account_fields import account_change
from assistant.offline.acts import asks_creation, change_intent
from assistant.offline.amend import restyles
from assistant.offline.areas import Asked, asked_area
from assistant.offline.dialogue import (
    DEAL_VALUE,
    DONE_ELSEWHERE,
    RECORD_FIELDS,
    asked_field,
    asks_recap,
    field_request,
    is_howto,
    is_question,
    is_staff_question,
    out_of_scope,
    possessor,
    refers_back,
    smalltalk,
    stands_for_person,
)
from assistant.offline.handoff import handed_to, handoff
from assistant.offline.intents import RULE_CONFIDENCE, rule_intent
from assistant.offline.linking import covers
from assistant.offline.listed import asked_most, listed, most_of
from assistant.offline.nlu import FILLERS, NOTE_AFTER, find_bant, read_slots
from assistant.offline.plan.accounts import NEW_ACCOUNT, AccountActs
from assistant.offline.plan.activities import CALLS_LOGGED, ActivityActs
from assistant.offline.plan.commerce import CommerceActs
from assistant.offline.plan.core import ANYTHING, STUCK, WRITES
from assistant.offline.plan.deals import COACH, PERFORMANCE, PIPELINE_WORDS, TEAMMATE_DEALS
from assistant.offline.plan.handoffs import HandoffActs
from assistant.offline.plan.inbox import InboxActs
from assistant.offline.plan.insights import InsightActs
from assistant.offline.plan.lookups import EVIDENT_READS, SEEN_BEFORE
from assistant.offline.plan.marketing import MarketingActs
from assistant.offline.plan.people import PeopleActs
from assistant.offline.plan.quotes import QuoteActs
from assistant.offline.plan.tasks import COMPLETE_TASK, DONE_WITH_IT
from assistant.offline.plan.tickets import UNASSIGNED, WAITING_ON_ME
from assistant.offline.replies import NOT_A_NAME
from assistant.offline.reports import asked_metric
from assistant.offline.slots import (
    BARE_TICKET,
    NUMBERED_TASK,
    STOPWORDS,
    find_date,
    find_floor,
    find_name,
    find_shift,
    find_stage,
    is_priority,
    name_runs,
)
from assistant.offline.support import asks_reply

# Below this kNN confidence a write intent is not acted on (measured: under 0.85, about 4 in 10 were right).
WRITE_CONFIDENCE = 0.85
READS = {"show_record", "pipeline", "stuck_deals", "deals_closing", "my_tasks", "list_tickets", "help"}
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
_BARE_MENTION = re.compile(
    r"^\W*(?:(?:please|pls|and|ok(?:ay)?|now)[,\s]+)?(?:the\s+)?([a-z][\w&'.-]*(?:\s+[a-z0-9][\w&'.-]*){0,3}?)"
    r"(?:['’]s)?(?:\s+(?:deal|account|lead|contact|opportunity|opp|record|page|profile|details|info|information|card))?"
    r"(?:[,\s]+(?:please|pls|thanks|thx))?\W*$",
    re.I,
)
_MY_REPS = re.compile(
    r"\b(?:my|our)\s+(?:reps|people|teammates|team\s+members|sellers|aes)\b|\bwho\s+on\s+(?:my|the)\s+team\b"
    r"|\bwhich\s+(?:rep|one\s+of\s+my\s+reps)\b",
    re.I,
)
# A teammate whose late work a manager asks about: "mike overdue list", "what's john behind on", "is emma behind"
_WHOSE_LATE = re.compile(
    r"^\W*([a-z]+)(?:['’]?s)?\s+(?:overdue|late)\s+(?:tasks?|to-?dos?|list|stuff|items)\b"
    r"|\bwhat(?:'?s|\s+is)\s+([a-z]+)\s+behind\s+on\b|\bis\s+([a-z]+)\s+behind\b",
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
_TASK_WORDS = re.compile(
    rf"\btasks?\b|\b{NUMBERED_TASK}|\bto-?dos?\b|\bon\s+(?:my|his|her|\w+['’]s)\s+plate\b|\bbehind\b|\bto do list\b|\boverdue\b(?!.{{0,20}}\bdeals?\b)",
    re.I,
)
_MEETING_WORDS = re.compile(r"\bmeetings?\b|\bcalendar\b|\bagenda\b|\bappointments?\b|\bdiary\b", re.I)
_NEW_PERSON = re.compile(
    r"\b(?:new|add|create|met|meet)\b[^.:]{0,30}\b(?:contacts?|leads?|prospects?)\b|^\W*new\b", re.I
)
NEW_RECORD = re.compile(
    r"^\W*(?:(?:please|pls|can\s+you|could\s+you|ok(?:ay)?|also|and)\W+)*(?:give|assign|create|add|make|set\s+up|put\s+in|"
    r"log|jot(?:\s+down)?|leave|write(?:\s+down)?|drop|book|schedule)\s+(?:[a-z]+\s+)?(?:a|an)\s+"
    r"(?:[\w-]+\s+){0,2}?(task|to-?do|reminder|note|meeting)\b",  # "a high priority task"
    re.I,
)  # the record a creation names, whatever the vote ("give emma a task", "log a note on her")
_HAD_MEETING = re.compile(
    r"^\W*(?:just\s+)?(?:had|held|did|ran|finished|wrapped\s+up)\s+(?:a|an|the|my|our)\s+(?:\w+\s+)?(meeting|mtg|demo|qbr)\b"
    r"(?=.*\b(?:log|record|capture|add|put|note)\b)",
    re.I,
)  # "had a mtg yesterday w sarah connor and lisa chen ..., can u log that": a meeting held, to be recorded
_REMIND_ME = re.compile(r"^\W*(?:(?:please|pls)\s+)?(?:ping|nudge|poke|remind)\s+me\s+(?:to|about)\b()", re.I)
_NEW_KINDS = {
    "": "create_task",  # "ping me to chase sarah connor about the questionnaire on monday": a reminder
    "mtg": "schedule_meeting",
    "demo": "schedule_meeting",
    "qbr": "schedule_meeting",
    "task": "create_task",
    "todo": "create_task",
    "reminder": "create_task",
    "note": "add_note",
    "meeting": "schedule_meeting",
}
# several tickets handed to one person by their numbers alone: "1059 and 1041 both to sam pls"
_NUMBERS_TO = re.compile(
    r"\b\d{4,5}(?:\s*(?:,|and|&)\s*#?\d{4,5})+[,\s]+(?:(?:both|all|each)\s+)?(?:over\s+)?to\s+([a-z][\w.+-]*(?:@[\w.-]+)?)\b",
    re.I,
)
# a change said of a ticket number, whatever the value: "set 1062 priority", "1042 to 50k"
_CHANGES_TICKET = re.compile(
    r"^\W*(?:(?:please|pls)\s+)?(?:set|change|update|make|bump|raise|lower|mark)\b|^\W*#?\d{4,5}\s+(?:to|->|→)\s+\S",
    re.I,
)
_TAKE_TICKET = re.compile(
    r"\b(?:put|assign|give)\s+(?:it|this|that|the\s+ticket)\s+(?:to|on)\s+(?:me|myself)\b|\bi(?:'ll|\s+will)\s+take\s+(?:#?\d{3,}|it|this|that)\b",
    re.I,
)
_IT_AFTER_VERB = re.compile(
    r"^\W*(?:(?:ok(?:ay)?|and|also|now|so|then|please|pls)[,\s]+)*[a-z]+\s+(?:it|this|that)\b", re.I
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
_ROLL_UP = re.compile(r"\btotal\s+(?:open\s+)?(?:deal\s+)?(?:value|amount|worth)\s+(?:on|of|for|at|across)\b", re.I)
_OPENING_WORD = re.compile(r"^\W*([a-z]+)\b", re.I)
_CLOSING = re.compile(r"\bclosing\b(?!\s+date)", re.I)
_DEAL_WORDS = re.compile(r"\b(?:deals|opportunities|opps|pipeline)\b", re.I)
_IN_STAGE = re.compile(
    r"\b(?:in|at)\s+(?:the\s+)?(?:prospecting|qualification|proposal|negotiation)\b", re.I
)  # only deals
TASK_PRIORITY = re.compile(
    r"^\W*(?:(?:please|pls|ok(?:ay)?)[,\s]+)?(?:make|set|mark|bump|flag|change|move)\s+(?:my\s+|the\s+)?(.+?)\s+"
    r"(?:task|to-?do|reminder)\s+(?:to\s+|as\s+)?(urgent|high|low|medium)(?:\s+priority)?"
    r"(?:\s*(?:,|and)\s+(.+?))?\W*$",  # "... high priority and move it to monday": its due date too
    re.I,
)
# "move my task 'Send specs to Lisa Chen' to next tuesday", "push my follow up task to friday": a task that exists
# gets a new due date (named by its title's words: never a new task called by the rest of the sentence)
TASK_DUE = re.compile(
    r"^\W*(?:(?:please|pls|ok(?:ay)?)[,\s]+)?(?:move|push|reschedule|shift|bump|postpone)\s+"
    r"((?:my\s+|the\s+|[a-z]+['’]s\s+)?(?:(?:task|to-?do|reminder)\s+['\"‘“].+?['\"’”]|.+?\s+(?:task|to-?do|reminder)"
    rf"|{NUMBERED_TASK}))"
    r"\s+(?:to|till|until|out\s+to)\s+(.+?)\W*$",
    re.I,
)
_IT_DUE = re.compile(
    r"^\W*(?:(?:ok(?:ay)?|so|pls|please|and)[,\s]+)*(?:move|push|reschedule|shift|bump|postpone)\s+(?:it|that)\s+"
    r"(?:back\s+|out\s+)?(?:to|till|until)\s+(.+?)\W*$",
    re.I,
)
_TASK_REQUEST = re.compile(r"\b(?:task|reminder|to-?do)\b.{0,20}\bto\b|\bremind\s+\w+\s+to\b", re.I)
_DUE = re.compile(r"\bdue\b(?!\s+(?:to|date))", re.I)
_ONE_WORD = re.compile(r"^[a-z]+$", re.I)
_CAPABILITIES = re.compile(
    r"\bwhat\s+(?:kinds?\s+of\s+|sorts?\s+of\s+|other\s+)?(?:things|stuff)\s+(?:can|could|do)\s+(?:you|u)\b"
    r"|\bwhat\s+(?:can|could)\s+(?:you|u)\s+(?:do|help)\b|\bhow\s+(?:can|could)\s+(?:you|u)\s+help\s+me\b",
    re.I,
)
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
_MY_DEALS = re.compile(
    r"^\W*(?:(?:can\s+(?:you|u)\s+|pls\s+|please\s+)?(?:list|show|see|display|give|get|pull(?:\s+up)?)\s+(?:me\s+)?"
    r"|(?:what|which)(?:'?s|\s+is|\s+are)\s+|whats\s+)?"
    r"(?:all\s+(?:of\s+)?)?my\s+(?:(?:biggest|largest|top)\s+)?(?:open\s+|current\s+|active\s+)?"
    r"(?:deals?|opps?|opportunit(?:y|ies))(?:\s+(?:please|pls))?\W*$",
    re.I,
)  # "list my deals", "my biggest deal": the deals themselves (the pipeline report sums them by stage)
_WHOLE_DEAL = re.compile(r"\b[a-z][\w&'.]*\s+-\s+[a-z]+\s+\d{1,4}\b", re.I)  # "Brightfield Partners - Expansion 108"
_GOT_OPEN = re.compile(r"\bhow\s+much\b.*\b(?:got|have|has)\s+open\b")
_THOSE = re.compile(r"\b(?:those|these|them|ones)\b", re.I)
# A question that asks who: from a manager, about the people of the team ("who has overdue tasks?").
_WHO_ASKED = re.compile(r"^\W*who(?:'?s|\s+is|\s+has|\s+have|\s+got)?\b", re.I)
_WORKING_ON = re.compile(
    r"\bwhat(?:'?s|\s+is|\s+are)\s+([a-z]+)\s+(?:working\s+on|handling|dealing\s+with|looking\s+at|busy\s+with)\b"
    r"|\bwhat(?:'?s|\s+does|\s+has)\s+([a-z]+)\s+(?:got|have)\s+(?:on|open|in\s+(?:the|their|his|her)\s+queue)\b"
    r"|\btickets\s+(?:does|has|is)\s+([a-z]+)\s+(?:have|got|holding|carrying|working|handling)\b"
    r"|\bassigned\s+to\s+(?!me\b|myself\b|us\b)([a-z]+)\b",
    re.I,
)
SEND_IT = re.compile(
    r"^\W*(?:(?:ok(?:ay)?|great|good|perfect|looks good|yes)[,.!\s]+)?(?:please\s+)?(?:go\s+ahead\s+and\s+)?"
    r"(?:send|ship|fire\s+off|mail)\s*(?:it|that|this|the\s+draft|the\s+email|it\s+off|it\s+out)?\W*(?:now|please)?\W*$",
    re.I,
)
# Where a request starts: the message's start, or a sentence's ("more formal pls. email grace ...": a restyle said first)
_STARTS = r"(?:^|[.!?]\s+)\W*"
INSIGHTS: list[tuple[re.Pattern[str], str]] = [
    (re.compile(p, re.I), name)
    for p, name in [
        (
            r"\b(?:draft|write|compose|prepare)\b.{0,40}\b(?:e-?mail|follow[- ]?up|message|msg|dm|inmail|linkedin|intro|proposal|check[- ]?in|reply|"
            r"note\s+to)\b|"
            + _STARTS
            + r"(?:please\s+)?e-?mail\s+(?!address)\w+.{0,60}\b(?:recap|follow[- ]?up|summary|about|re:|thanks?|"
            r"intro|proposal|pricing|quote)\b|" + _STARTS + r"(?:please\s+)?write\s+(?:to|an?\s+\w+\s+to)\s+\w+"
            r"|"
            + _STARTS
            + r"(?:(?:can|could|would)\s+(?:you|u)\s+|please\s+|pls\s+)?(?:write|draft|compose|send)\s+(?!a\b|an\b|the\b|me\b)\w+(?:\s+\w+)?\s+(?:a|an)\s+(?:[\w-]+\s+){0,3}?"
            r"(?:note|e-?mail|message|thank[- ]?you|follow[- ]?up|reply)\b"
            r"|"
            + _STARTS
            + r"(?:(?:can|could|would)\s+(?:you|u)\s+|please\s+|pls\s+)?(?:draft|write|compose)\s+(?:something|a\s+few\s+lines|a\s+line)\s+(?:to|for)\s+\w+"
            r"|"
            + _STARTS
            + r"(?:please\s+|pls\s+)?(?:an?\s+)?(?:(?:short|quick|brief|follow[- ]?up|thank[- ]?you)\s+)?(?:e-?mail|message)\s+(?:to|on|about|for|re)\s+\w+"
            r"|" + _STARTS + r"(?:please\s+|pls\s+)?e-?mail\s+(?!address)\w+.{0,40}\bre\b"
            r"|"
            + _STARTS
            + r"(?:please\s+|pls\s+)?(?:shoot|send|fire\s+off|drop)\s+(?!a\b|an\b|the\b|me\b|it\b)\w+(?:\s+\w+)?\s+an?\s+(?:quick\s+|short\s+)?e-?mail\b",
            # "short email to quinn zhou ...", "follow up email to umar ito about ...", "email grace re the legal review"
            "draft_email",
        ),
        (
            r"\bwhy\b.{0,40}\bscor|\bexplain\b.{0,30}\bscore|\bscore\b.{0,30}\bwhy\b"
            r"|\bwhat(?:'?s|\s+is|\s+are)\s+(?:driving|behind|pushing|dragging|holding)\b.{0,40}\bscor"
            r"|\bwhat\s+(?:makes\s+up|goes\s+into)\b.{0,40}\bscor|\b\w+['’]s\s+(?:lead\s+)?score\s+(?:breakdown|factors)\b"
            r"|\bscore\s+(?:reasons?|breakdown|factors|drivers|explanation)\b|\breasons?\s+(?:for|behind)\b.{0,40}\bscore\b"
            r"|\b(?:sitting|stuck|scored?)\s+(?:at\s+)?\d{1,3}\b.{0,20}\bwhy\b",  # "bruno quist is sitting at 68 - why"
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
            r"\bforecast\b(?!\s+(?:call|meeting|review|sync)\b)|\bwill we (?:close|win)\b|\b(?:expect(?:ed)?|going) to close\b(?!.{0,30}\b(?:month|week)\b)"
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
_QUESTION = re.compile(r"\?\s*$|^\s*(how|what|why|where|when|can|could|is|are|do|does|should|which|who)\b", re.I)


# The acts of the areas around the records (`assistant.offline.areas`) that take what the words named.
_NAMING_ACTS = frozenset(
    {"list_members", "add_to_list", "campaign_email", "send_campaign", "thread_summary", "assign_thread"}
)


# Asked to be briefed on someone or something before talking to them: a read, whatever else the message says.
_BRIEFING = re.compile(
    r"\b(?:(?:give|get)\s+me\s+(?:a\s+|the\s+)?(?:quick\s+)?(?:rundown|run\s+down|low-?down|briefing)|brief\s+me|prep\s+me|(?:meeting|call)\s+prep(?:\s+(?:on|for|with)|\s*[-:–—]\s*)|prep\s+(?:notes?\s+)?(?:on|for)|"
    r"get\s+me\s+up\s+to\s+speed|catch\s+me\s+up\s+on|what\s+(?:should|do)\s+i\s+(?:need\s+to\s+)?know\s+(?:about|before))\b",
    re.I,
)
_MY_QUEUE = re.compile(r"\bassigned\s+to\s+me\b|\bon\s+my\s+plate\b|\bin\s+my\s+queue\b")
_MY_DEALS_SAID = re.compile(r"\bmy\s+(?:open\s+|current\s+|active\s+)?(?:deals|opps|opportunities)\b")
# A ticket's field asked about, in a few words, after looking at the ticket.
_TICKET_FIELD = re.compile(
    r"\b(?:requester|requestor|reporter|reported|raised|filed|opened|assignee|assigned|priority|status|subject|customer|"
    r"client)\b"
)


def _briefed(rest: str) -> str | None:
    """The name said right after a briefing's words ("meeting prep - liam jensen"), if the rest is one name."""
    words = re.sub(r"^\W+|\W*(?:pls|please|thanks)?\W*$", "", rest)
    return words if words and _one_name(words) else None


def _one_name(words: str) -> bool:
    """Whether the words are one name and nothing else (a number after it aside: "upgrade 145")."""
    return [run.value for run in name_runs(words)] == [re.sub(r"\s+\d+$", "", words)]


class Plan(
    HandoffActs, InsightActs, PeopleActs, AccountActs, ActivityActs, MarketingActs, InboxActs, CommerceActs, QuoteActs
):
    """One request's plan: the act it asks for, then that act's plan."""

    def run(self) -> None:
        """Serve the request: the act its words say (a question reads), then that act's plan; ends in `Done`."""
        text = self.text
        if self.role == "customer" and "kb_search" in self.tools:
            self.do_kb_question()
        kind = smalltalk(text)
        if kind:
            self.answer("smalltalk", kind=kind)
        if (most := asked_most(text)) and (lines := most_of(most, self.focus.answer)):
            which = "top" if most in ("more", "most", "best") else most  # "which one closes first" of the deals listed
            self.answer("picked", which=which, lines=[line.text for line in lines])
        if asks_recap(text):  # "summarize this thread": the conversation itself
            self.answer("recap", turns=self.focus.turns)
        if _CAPABILITIES.search(text):  # "first week here, what kinds of things can you help me with?"
            self.answer("help", unknown=False)
        briefing = _BRIEFING.search(text)
        if briefing and (named := _briefed(text[briefing.end() :]) or read_slots(text, self.model.now()).get("name")):
            # "ive got a call with quinn zhou in 10, give me the rundown": a look at the person, no call logged
            self.parse, self.slots, self.writing = (
                Parse("show_record", self.parse.confidence, {"name": named}),
                {"name": named},
                False,
            )
            self.do_show_record()
        if SEND_IT.match(text) and self.focus.draft:
            self.writing = True
            self.do_send_draft(self.focus.draft)
        restyle, _, drafted = text.partition(". ")
        if self.focus.draft and self.focus.draft.tool == "draft_email" and restyles(restyle) and drafted:
            self.text = drafted
            self.slots = understand(drafted, now=self.model.now(), classifier=self.model.classifier).slots
            self.do_draft_email(restyle)  # "make it shorter" after a draft: the draft first asked for, in that style
        if SEND_IT.match(text):  # "send it" with no draft in this conversation: never a task called "Send it"
            self.answer(
                "error",
                field=None,
                reason='there is no draft here to send; ask me for one first ("draft a follow-up to Sarah Johnson about pricing").',
            )
        if "search_conversations" in self.tools and SEEN_BEFORE.search(text):
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
        cannot = None if howto else out_of_scope(text)
        if not howto and not cannot and (asked := asked_area(text, self.focus.said)) is not None:
            self._serve_area(
                asked
            )  # "who's on the VIP list", "how did the Q4 promo do", "what's waiting on me in support@"
        if (
            handed := handoff(text, {str(r.get("type")) for r in self.focus.records})
        ) is not None:  # "give emma's falconpath deal to carlos"
            self.writing = True
            self.do_handoff(handed)
        if "create_account" in self.tools and (new := NEW_ACCOUNT.match(text)) is not None:
            self.writing = True
            self.do_create_account(new)
        if not is_question(text) and not cannot and (change := account_change(text)) is not None:
            self.writing = True  # "northworks inc - headcount is 18000 now"
            self.do_update_account(change)
        if _ON_THE_LEAD.search(text) and (bant := find_bant(text)) and not is_question(text):
            self.writing = True  # "spoke w rosa tanaka, budget is 60k ..., put that on her lead": its BANT answers
            person = find_name(text, after=("with", "w", "to"))
            self.slots = {**self.slots, "name": self.slots.get("name") or (person and person.value)}
            lead = self.find(["lead"], what="a lead")
            self.write("update_lead", lead_id=lead["id"], changes={f"bant_{k}": v for k, v in bant.items()})
        if (
            self.role == "support"
            and self.parse.intent not in ("assign_ticket", "list_tickets")
            and (
                self.parse.intent != "create_ticket"
                or (not asks_creation("create_ticket", text) and not asks_reply(text) and self._ticket_change(text))
            )  # "customer on 1054 says webhooks are down. escalate to urgent and loop in noah": no new ticket
            and (not self.slots.get("ticket_number") or self.parse.intent == "update_ticket")
            and not _TAKE_TICKET.search(text)
            and not asks_reply(text)  # "draft a reply for 1001 pls": the reply's own step below
            and not cannot  # "refund the customer on 1010 $200": what the product cannot do, said so below
            and (bare := BARE_TICKET.search(text)) is not None
        ):  # "make 1001 urgent", "catch me up on 1001": an agent's four-digit number is a ticket, not a deal's amount
            if (
                (many := _NUMBERS_TO.search(text))
                and not is_priority(many[1])
                and (many[1].lower() in ("me", "myself") or many[1].lower() not in STOPWORDS)
            ):
                self.writing = True  # "1059 and 1041 both to sam pls": each one handed on, one approval
                numbers = dict.fromkeys(int(n) for n in re.findall(r"\d{4,5}", many[0]))
                self.write_all([("assign_ticket", {"number": n, "assignee": self._person(many[1])}) for n in numbers])
            numbered = {**FILLERS["update_ticket"](text, self.model.now()), "ticket_number": int(bare[1])}
            if (
                numbered.get("status") or numbered.get("priority") or handed_to(text) or _CHANGES_TICKET.match(text)
            ) and not is_question(text):  # "set 1062 priority", "1042 to 50k": what should change is asked
                self.parse, self.slots = Parse("update_ticket", self.parse.confidence, numbered), numbered
                self.writing = True
                self.do_update_ticket()
            self.parse, self.slots = Parse("show_ticket", self.parse.confidence, numbered), numbered
            self.writing = False
            self.do_show_ticket()
        if cannot:
            self.answer("cannot", what=cannot, elsewhere=DONE_ELSEWHERE.get(cannot))
        late = _WHOSE_LATE.search(text)
        if (
            late
            and "team_tasks" in self.tools
            and (who := next(g for g in late.groups() if g)).lower() not in STOPWORDS
        ):
            self.slots = {**self.slots, "person": who, "period": "overdue"}  # "mike overdue list": his overdue tasks
            self.do_team_tasks()
        if "team_tasks" in self.tools and _MY_REPS.search(text) and _TASK_WORDS.search(text.lower()):
            self.slots = {**self.slots, "person": None}  # "which rep has more overdue tasks, john or mike": the team's
            self.do_team_tasks()
        if CALLS_LOGGED.search(text) and "search_calls" in self.tools:
            self.do_calls_logged()  # "how many calls has mike logged this week"
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
        for pattern, insight in INSIGHTS:
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
            COMPLETE_TASK.search(text) or (DONE_WITH_IT.search(text) and not self.focus.of(["ticket", "deal", "lead"]))
        ) and not is_question(text):
            self.writing = True
            self.do_complete_task()
        if (prioritised := TASK_PRIORITY.match(text)) is not None:  # "make my call sarah johnson task urgent"
            self.writing = True
            self.do_task_priority(prioritised)
        moved = TASK_DUE.match(text)
        if moved is not None and (due := find_date(moved[2], self.model.now().date())) is not None:
            self.writing = True
            self.do_task_due(moved[1], due.value)
        tasks = [line for line in listed(self.focus.answer) if line.kind == "task"]
        if (
            len(tasks) == 1
            and (moved := _IT_DUE.match(text)) is not None
            and (due := find_date(moved[1], self.model.now().date())) is not None
        ):  # "push it to monday" after the one task shown
            self.writing = True
            self.do_task_due(tasks[0].name, due.value)
        if (
            self.parse.intent in ("pipeline", "stuck_deals", "deals_closing", "show_record")
            and DEAL_VALUE.search(text)
            and not is_question(text)
            and (said := FILLERS["update_deal"](text, self.model.now())).get("name")
            and (said.get("close_date") or said.get("amount"))
        ):  # "northline expansion 118 close date 2027-05-15": that deal's change, not the deals closing
            self.parse = Parse("update_deal", self.parse.confidence, said)
            self.slots, self.writing = said, True
            self.do_update_deal()
        if (
            (shift := find_shift(text)) is not None
            and not is_question(text)
            and not re.search(r"\b(?:task|to-?do|meeting|call|demo|ticket)s?\b", text, re.I)
            and (
                self.focus.of(["deal", "account"])
                or re.search(r"\b(?:deal|close|closing)\b", text, re.I)
                or _WHOLE_DEAL.search(text)  # "push Brightfield Partners - Expansion 108 2 weeks"
            )
        ):  # "push it a week" after a look at a deal: its close date, a week later
            rest = text[: shift.start] + text[shift.end :]  # "two weeks" is no deal's name
            self.parse = Parse("update_deal", self.parse.confidence, FILLERS["update_deal"](rest, self.model.now()))
            self.slots, self.writing = self.parse.slots, True
            self.do_update_deal()
        changed = change_intent(text, {str(r.get("type")) for r in self.focus.records})
        framed = changed is not None and changed == self.parse.intent
        if (
            changed
            and changed != self.parse.intent
            and (self.parse.confidence < RULE_CONFIDENCE or rule_intent(text) is None)  # a vote, however unanimous
            and changed in FILLERS
        ):
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
        created = NEW_RECORD.match(text) or _HAD_MEETING.match(text) or _REMIND_ME.match(text)
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
                BARE_TICKET.search(text)
                or self._focus_ticket_kind()
                or (re.search(r"\bticket\b", text, re.I) and self.parse.intent != "update_ticket")
            )
        ):  # "i'll take 1002 off the unassigned pile, put it on me"; "the finance team calendar sync ticket"
            self.parse = Parse("assign_ticket", self.parse.confidence, FILLERS["assign_ticket"](text, self.model.now()))
            self.slots, framed = self.parse.slots, True
        elif (
            self.parse.intent != "assign_ticket"
            and (who := handed_to(text))
            and refers_back(text)
            and self._focus_ticket_kind()
            and not is_question(text)
        ):  # "give it to sam" after a look at a ticket: that ticket handed on
            self.parse = Parse("assign_ticket", self.parse.confidence, {"assignee": who})
            self.slots, framed = self.parse.slots, True
        if framed and _IT_AFTER_VERB.match(text) and self.focus.records and self.slots.get("name"):
            # "ok bump it to proposal, sarah confirmed the budget": "it" is the record in focus, not a name said later
            self.slots = {k: v for k, v in self.slots.items() if k != "name"}
        if (
            self.parse.confidence < RULE_CONFIDENCE
            and (bare := _BARE_MENTION.match(text))
            and not smalltalk(text)
            and _one_name(mention := re.sub(r"['’]s$", "", bare[1]))  # "upgrade 145", "lisa chen's details"
        ):
            picked = {k: v for k, v in self.slots.items() if k == "pick"}  # the reply to our "which one" stays
            self.parse = Parse(
                "show_record", self.parse.confidence, {"name": mention, **picked}
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
            intent = read if read in EVIDENT_READS else "help"
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

    def _serve_area(self, asked: Asked) -> None:
        """The act of a list, campaign, commission, catalog, order, health or shared-inbox request (a price asked of
        no product the catalog holds goes on to the other readings)."""
        self.writing = False
        act = getattr(self, f"do_{asked.act}")
        act(asked) if asked.act in _NAMING_ACTS else act()

    def _ticket_change(self, text: str) -> bool:
        """Whether the words change a ticket: a new status or priority, or a teammate it is handed to."""
        said = FILLERS["update_ticket"](text, self.model.now())
        return bool(said.get("status") or said.get("priority") or handed_to(text))

    def _names_account(self, name: str) -> bool:
        """Whether an account's name holds every word of `name` (a company, not a teammate, said after "for")."""
        hits = self.call("search_crm", query=name, types=["account"], limit=3)["data"]
        return any(covers(name, str(h.get("name") or "")) for h in hits)

    def _evident(self, intent: str) -> bool:
        """Whether the message carries what the write needs (a weakly classified write is acted on only then)."""
        return any(all(self.slots.get(k) not in (None, "", []) for k in keys) for keys in EVIDENCE.get(intent, ()))

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
            and not _DEAL_WORDS.search(lowered)
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
        tasks = _TASK_WORDS.search(lowered) or (_DUE.search(lowered) and not _DEAL_WORDS.search(lowered))
        opener = _OPENING_WORD.match(self.text)
        if (
            manager
            and not person
            and opener
            and opener[1].lower() not in STOPWORDS
            and stands_for_person(self.text, opener[1])
            and (_IN_STAGE.search(lowered) or _CLOSING.search(lowered) or _DEAL_WORDS.search(lowered))
        ):
            person = self.slots["person"] = opener[1]  # "carlos has a bunch of stuff in negotiation, ..."
        reads_team = manager or self.role == "rep"  # a rep reads the team's deals ("covering for john")
        if (
            (manager or (reads_team and not tasks))
            and not person
            and _ONE_WORD.match(str(self.slots.get("name") or ""))
            and (
                tasks
                or _DEAL_WORDS.search(lowered)
                or _CLOSING.search(lowered)
                or _IN_STAGE.search(lowered)  # "how much has john got in negotiation"
                or _GOT_OPEN.search(lowered)  # "how much has john got open rn"
                or _WON.search(lowered)
                or _LOST.search(lowered)
            )
            and stands_for_person(self.text, str(self.slots["name"]))
        ):
            person = self.slots["person"] = str(self.slots["name"])  # "what's emma got due": a teammate, else a record
        if (
            _WON.search(lowered)
            and not _TASK_WORDS.search(lowered)
            and not re.search(r"\b(?:tickets?|cases?)\b", lowered)
        ):
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
                    (self.slots.get("scope") == "team" or _MY_REPS.search(lowered) or _WHO_ASKED.match(lowered))
                    and not self.slots.get("name")
                )
            )
        ):
            return "team_tasks"  # a teammate's tasks, or the whole team's ("overdue tasks on my team?", "who has ...")
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
            return "list_tickets"  # "whats sam working on", "noah's queue": a teammate's tickets
        if manager and working and queue_of and queue_of.lower() not in NOT_A_NAME:
            self.slots = {**self.slots, "person": queue_of}
            return "teammate_deals"  # "what's mike working on" from his manager: the deals he has open
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
            and not _DEAL_WORDS.search(lowered)
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
            and not _DEAL_WORDS.search(lowered)
            and not STUCK.search(lowered)
        ):
            return "show_record"  # "did the novaline renewal close?", "pull up the globex deal": that record
        if self.slots.get("name") and not person and _ROLL_UP.search(lowered):
            return "show_record"  # "total open value on acme? all deals pls": the account's view sums its deals
        if _MY_DEALS.match(self.text):
            return "my_deals"
        if intent in ("pipeline", "stuck_deals", "deals_closing", "list_tickets", "my_tasks"):
            return intent
        if intent == "show_record" or self.slots.get("name") or self.focus.records:
            return "show_record"
        return intent if intent in READS else "help"
