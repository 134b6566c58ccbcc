"""The plan of a turn: which act the request asks for (a read is never turned into a write), then that act."""

from __future__ import annotations

import re

from assistant.offline import Parse, understand
from assistant.offline.account_fields import account_change
from assistant.offline.acts import asks_creation, change_intent, deal_news
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
    refers_back,
    smalltalk,
)
from assistant.offline.handoff import handed_to, handoff
from assistant.offline.intents import RULE_CONFIDENCE, rule_intent
from assistant.offline.listed import asked_most, listed, most_of
from assistant.offline.nlu import FILLERS, NOTE_AFTER, find_bant, read_slots
from assistant.offline.plan.accounts import NEW_ACCOUNT, AccountActs
from assistant.offline.plan.activities import CALLS_LOGGED, ActivityActs
from assistant.offline.plan.commerce import CommerceActs
from assistant.offline.plan.core import WRITES
from assistant.offline.plan.handoffs import HandoffActs
from assistant.offline.plan.inbox import InboxActs
from assistant.offline.plan.insights import InsightActs
from assistant.offline.plan.lookups import EVIDENT_READS, SEEN_BEFORE
from assistant.offline.plan.marketing import MarketingActs
from assistant.offline.plan.people import PeopleActs
from assistant.offline.plan.questions import DEAL_WORDS, MY_REPS, TASK_WORDS, QuestionReads
from assistant.offline.plan.quotes import QuoteActs
from assistant.offline.plan.tasks import COMPLETE_TASK, DONE_WITH_IT
from assistant.offline.plan.tickets import PUT_ON_ME
from assistant.offline.reports import asked_metric
from assistant.offline.slots import (
    BARE_TICKET,
    NUMBERED_TASK,
    STOPWORDS,
    find_date,
    find_name,
    find_shift,
    is_priority,
    name_runs,
)
from assistant.offline.support import asks_reply

# Below this kNN confidence a write intent is not acted on (measured: under 0.85, about 4 in 10 were right).
WRITE_CONFIDENCE = 0.85
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
# The requester of the ticket in focus asked for, or their other tickets: "who's it from", "what else have they opened"
_WHO_RAISED = re.compile(
    r"^\W*(?:and\s+|so\s+)?who(?:'?s|\s+is|\s+was)?\s+(?:it|this(?:\s+one)?|that(?:\s+one)?|the\s+ticket)\s+from\b"
    r"|^\W*(?:and\s+|so\s+)?who\s+(?:sent|raised|reported|opened|filed|logged|submitted)\s+(?:it|this|that|the\s+ticket)\b",
    re.I,
)
_THEIR_OTHERS = re.compile(
    r"\bwhat\s+else\s+(?:have|has|did)\s+(?:they|he|she)\s+(?:opened|raised|sent|filed|reported|logged)\b"
    r"|\b(?:their|his|her)\s+other\s+tickets\b|\bother\s+tickets\s+from\s+(?:them|him|her)\b",
    re.I,
)
# How the most asked for is said in the answer: "whose is bigger" -> "The biggest: ..."
_PICKED_AS = {
    "more": "top",
    "most": "top",
    "best": "top",
    "bigger": "biggest",
    "larger": "largest",
    "higher": "highest",
    "smaller": "smallest",
    "lower": "lowest",
}
_BARE_MENTION = re.compile(
    r"^\W*(?:(?:please|pls|and|ok(?:ay)?|now)[,\s]+)?(?:the\s+)?([a-z][\w&'.-]*(?:\s+[a-z0-9@][\w&'.-]*){0,4}?)"
    r"(?:['’]s)?(?:\s+(?:deal|account|lead|contact|opportunity|opp|record|page|profile|details|info|information|card))?"
    r"(?:[,\s]+(?:please|pls|thanks|thx))?\W*$",
    re.I,
)
# A teammate whose late work a manager asks about: "mike overdue list", "what's john behind on", "is emma behind"
_WHOSE_LATE = re.compile(
    r"^\W*([a-z]+)(?:['’]?s)?\s+(?:overdue|late)\s+(?:tasks?|to-?dos?|list|stuff|items)\b"
    r"|\bwhat(?:'?s|\s+is)\s+([a-z]+)\s+behind\s+on\b|\bis\s+([a-z]+)\s+behind\b"
    # "mike said hes on top of things... what's actually overdue for him": the one person named before "him"
    r"|^\W*([a-z]+)\s+(?:said|says|thinks|claims|swears|insists|told\s+me)\b.*\b(?:overdue|behind|late)\b.*\b(?:him|her)\b",
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
# "met jonas silva + liam costa yesterday re pricing - log it pls": people met, the meeting to be recorded
_MET = re.compile(
    r"^\W*(?:(?:just|we|i)\s+)*(met)\s+(?:up\s+)?(?:with\s+|w/?\s+)?[a-z](?=.*\b(?:log|record|capture)\b)", re.I
)
# "had a 20 min call w pablo ito - budget frozen till april": a call held with a person, told to be logged
_HAD_CALL = re.compile(
    r"^\W*(?:just\s+)?(?:had|did|finished|got\s+off)\s+(?:a|an|my|the)\s+(?:[\w-]+\s+){0,2}?(call)\s+(?:w/?|with)\s+[a-z]",
    re.I,
)
# "need to finish the harborline proposal eod friday, urgent", "urgent: finish the pricing deck eod friday": something
# to do by a day, said of oneself
_NEED_TO = re.compile(
    r"^\W*(?:(?:i\s+)?(?:need|have|gotta|got)\s+to|(?:urgent|asap|todo|to-do)\s*[:-])\s+"
    r"(?!know\b|see\b|find\s+out\b|check\s+(?:what|which|how|if)\b|tickets?\b|cases?\b)[a-z]+\b()"
    r"(?=.*\b(?:today|tonight|tomorrow|eod|cob|eow|by|before|monday|tuesday|wednesday|thursday|friday|next\s+week)\b)",
    re.I,
)
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
    "met": "schedule_meeting",
    "call": "log_call",
}
# several tickets handed to one person by their numbers alone: "1059 and 1041 both to sam pls"
_NUMBERS_TO = re.compile(
    r"\b\d{4,5}(?:\s*(?:,|and|&)\s*#?\d{4,5})+[,\s]+(?:(?:both|all|each)\s+)?(?:over\s+)?to\s+([a-z][\w.+-]*(?:@[\w.-]+)?)\b",
    re.I,
)
# several numbered tickets handed on together: "put both on sam", "put 1026 and 1056 on sam", "assign them to noah"
_PUT_BOTH_ON = re.compile(
    r"\b(?:put|assign|give|hand|pass|move)\s+(?:them|both|all|these|those|#?\d{4,5}(?:\s*(?:,|and|&)\s*#?\d{4,5})+)"
    r"(?:\s+(?:both|all))?\s+(?:over\s+)?(?:on|to)\s+([a-z][\w.+-]*(?:@[\w.-]+)?)\b",
    re.I,
)
# a change said of a ticket number, whatever the value: "set 1062 priority", "1042 to 50k", "1036 -> pending", and
# anywhere in the message: "webhook delays are spreading, bump 1048 up to high"
_CHANGES_TICKET = re.compile(
    r"^\W*(?:(?:please|pls)\s+)?(?:set|change|update|make|bump|raise|lower|mark)\b|^\W*#?\d{4,5}\s+(?:to|->|→)\s+\S"
    r"|^\W*#?\d{4,5}\s+(?:is\s+|now\s+)?(?:pending|open|resolved|closed|urgent|high|medium|low)\b(?!\s+(?:tickets?|ones?)\b)"
    r"|\b(?:bump|set|make|mark|move|raise|lower|escalate|change|switch|flip)\s+(?:ticket\s+|#)?\d{4,5}\b",
    re.I,
)
# One BANT answer of a lead set: "set rosa ueda's timeline to Q4", "set the budget to 40k"
_BANT_SET = re.compile(
    r"\b(?:set|change|update|make|put)\s+(?:(?P<who>[a-z]+(?:\s+[a-z]+)?)['’]s\s+|the\s+|her\s+|his\s+|their\s+)"
    r"(?:bant\s+)?(?P<field>budget|authority|need|timeline)\s+(?:to|=|as|:)\s+(?P<value>\S.*?)\W*$",
    re.I,
)
_IT_AFTER_VERB = re.compile(
    r"^\W*(?:(?:ok(?:ay)?|and|also|now|so|then|please|pls)[,\s]+)*[a-z]+\s+(?:it|this|that)\b", re.I
)
_ON_THE_LEAD = re.compile(
    r"\b(?:put|add|save|store|note|log|record)\s+(?:that|this|it|those|these|them|all\s+that)\s+(?:on|to|in|against)\s+"
    r"(?:her|his|their|the)\s+lead\b",
    re.I,
)
_PRIORITY_LAST = re.compile(
    r"^\W*(?:(?:please|pls|ok(?:ay)?)[,\s]+)?(?:make|set|mark|bump|flag|change|move)\s+(?:my\s+|the\s+)?"
    rf"(?:(.+?)\s+(?:task|to-?do|reminder)|({NUMBERED_TASK}))\s+(?:to\s+|as\s+)?(urgent|high|low|medium)"
    r"(?:\s+priority)?"
    r"(?:\s*(?:,|and)\s+(.+?))?\W*$",  # "... high priority and move it to monday": its due date too
    re.I,
)
_BANT_FOR = re.compile(
    r"^\W*bant\s+(?:for|on|of)\s+(?:the\s+)?([a-z][\w'-]*(?:\s+[a-z][\w'-]*)?)(?:\s+lead)?\s*[:,-]", re.I
)
_NOTE_ON_TICKET = re.compile(
    r"^\W*(?:(?:pls|please)\s+)?(?:(?:add|put|leave|drop|log)\s+(?:a\s+|an\s+)?)?(?:internal\s+)?note\s+(?:to|on|for)\s+"
    r"(?:ticket\s+|case\s+)?#?(\d{4,5})\s*(?:[:,]|\s[-–—])\s*(\S.*)$",
    re.I | re.S,
)
_PRIORITY_FIRST = re.compile(  # "set priority high on follow up #8 and move it to aug 19"
    r"^\W*(?:(?:please|pls|ok(?:ay)?)[,\s]+)?(?:make|set|change|bump)\s+(?:the\s+)?priority\s+(?:to\s+)?"
    rf"(urgent|high|low|medium)\s+(?:on|for)\s+(?:my\s+|the\s+)?({NUMBERED_TASK}|.+?\s+(?:task|to-?do|reminder))"
    r"(?:\s*(?:,|and)\s+(.+?))?\W*$",
    re.I,
)


_PRIORITY_NOW = re.compile(  # "follow up #26 is urgent now", "follow up #2 -> urgent" (the arrow read as "to")
    rf"^\W*(?:my\s+|the\s+)?({NUMBERED_TASK})\s+(?:is|should\s+be|to)\s+(?:now\s+)?(urgent|high|low|medium)"
    r"(?:\s+priority)?(?:\s+now)?\W*$",
    re.I,
)


def task_priority(text: str) -> tuple[str, str, str | None] | None:
    """The task a priority change names, the priority and what further clause follows (a due date), or None."""
    if said := _PRIORITY_LAST.match(text):
        return said[1] or said[2], said[3], said[4]
    if said := _PRIORITY_FIRST.match(text):
        return said[2], said[1], said[3]
    if said := _PRIORITY_NOW.match(text):
        return said[1], said[2], None
    return None


# "move my task 'Send specs to Lisa Chen' to next tuesday", "push my follow up task to friday": a task that exists
# gets a new due date (named by its title's words: never a new task called by the rest of the sentence)
TASK_DUE = re.compile(
    r"^\W*(?:(?:please|pls|ok(?:ay)?)[,\s]+)?(?:move|push|reschedule|shift|bump|postpone|(?:change|set|update)(?=\s.*\bdue\b))\s+"
    r"((?:my\s+|the\s+|[a-z]+['’]s\s+)?(?:(?:task|to-?do|reminder)\s+['\"‘“].+?['\"’”]|.+?\s+(?:task|to-?do|reminder)"
    rf"|{NUMBERED_TASK}))"
    r"(?:['’]s)?(?:\s+due(?:\s+date)?)?\s+(?:to|till|until|out\s+to)\s+(.+?)\W*$",  # "change follow up #24 due date to feb 5"
    re.I,
)
_IT_DUE = re.compile(
    r"^\W*(?:(?:ok(?:ay)?|so|pls|please|and)[,\s]+)*(?:move|push|reschedule|shift|bump|postpone)\s+(?:it|that)\s+"
    r"(?:back\s+|out\s+)?(?:to|till|until)\s+(.+?)\W*$",
    re.I,
)
_TASK_REQUEST = re.compile(
    r"\b(?:task|reminder|to-?do)\b.{0,20}\bto\b|\bremind\s+\w+\s+to\b|\b(?:task|reminder|to-?do)\s+for\s+\w+\s*[-–—:,]",
    re.I,
)  # "a task to update the forecast", "task for john - update the forecast sheet"
_CAPABILITIES = re.compile(
    r"\bwhat\s+(?:kinds?\s+of\s+|sorts?\s+of\s+|other\s+)?(?:things|stuff)\s+(?:can|could|do)\s+(?:you|u|(?:i|we)\s+ask)\b"
    r"|\bwhat\s+(?:can|could)\s+(?:you|u)\s+(?:do|help)\b|\bhow\s+(?:can|could)\s+(?:you|u)\s+help\s+me\b"
    r"|^\W*what\s+(?:can|could|should)\s+(?:i|we)\s+(?:use\s+(?:you|u)\s+for|ask\s+(?:you|u)(?:\s+about)?|do\s+with\s+(?:you|u))\W*$"
    r"|^\W*what\s+(?:do\s+(?:you|u)\s+do|are\s+(?:you|u)\s+(?:good\s+)?for)\W*$",
    re.I,
)
_ASKS_HELP = re.compile(
    r"\bhelp\b|\bwhat\s+(?:can|do|could)\s+you\b|\bhow\s+do\s+(?:i|you)\s+use\b|\bcommands?\b", re.I
)
_WHOLE_DEAL = re.compile(r"\b[a-z][\w&'.]*\s+-\s+[a-z]+\s+\d{1,4}\b", re.I)  # "Brightfield Partners - Expansion 108"
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
            r"note\s+to|thank[- ]?you\s+(?:note\s+|e-?mail\s+|message\s+)?(?:to|for))\b|"
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


def _briefed(rest: str) -> str | None:
    """The name said right after a briefing's words ("meeting prep - liam jensen"), if the rest is one name."""
    words = re.sub(r"^\W+|\W*(?:pls|please|thanks)?\W*$", "", rest)
    return words if words and _one_name(words) else None


def _one_name(words: str) -> bool:
    """Whether the words are one name and nothing else (a number after it aside: "upgrade 145"), or a person's and
    the company they are at ("vera hansen at northpath")."""
    at = re.fullmatch(r"(\S.*?)\s+(?:at|@|from)\s+(\S.*)", words, re.I)
    if at is not None and " " in at[1]:
        return _one_name(at[1]) and _one_name(at[2])
    return [run.value for run in name_runs(words)] == [re.sub(r"\s+\d+$", "", words)]


class Plan(
    HandoffActs,
    InsightActs,
    PeopleActs,
    AccountActs,
    ActivityActs,
    MarketingActs,
    InboxActs,
    CommerceActs,
    QuoteActs,
    QuestionReads,
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
            which = _PICKED_AS.get(most, most)  # "which one closes first" of the deals listed; "whose is bigger"
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
        if (raised := _WHO_RAISED.search(text) or _THEIR_OTHERS.search(text)) and (number := self._focus_ticket()):
            self.writing = False  # "1038" then "who's it from": its view names the requester; "what else have they
            if _THEIR_OTHERS.search(raised[0]):  # opened": the requester's tickets
                self.do_requester_tickets()
            self.slots = {**self.slots, "ticket_number": number}
            self.do_show_ticket()
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
        # "BANT for rosa tanaka: budget 60k signed off, ...": her answers, no conversion ("... mark him qualified": that)
        bant_for = _BANT_FOR.match(text) if rule_intent(text) != "update_lead_status" else None
        if (_ON_THE_LEAD.search(text) or bant_for) and (bant := find_bant(text)) and not is_question(text):
            self.writing = True  # "spoke w rosa tanaka, budget is 60k ..., put that on her lead": its BANT answers
            person = find_name(text, after=("with", "w", "to"))
            named = bant_for[1] if bant_for else self.slots.get("name") or (person and person.value)
            self.slots = {**self.slots, "name": named}
            lead = self.find(["lead"], what="a lead")
            self.write("update_lead", lead_id=lead["id"], changes={f"bant_{k}": v for k, v in bant.items()})
        if (field := _BANT_SET.search(text)) and not is_question(text):
            self.writing = True  # "set rosa ueda's timeline to Q4", "for the second one set the timeline to Q4"
            self.slots = {**self.slots, "name": field["who"]}
            lead = self.find(["lead"], what="a lead")
            self.write("update_lead", lead_id=lead["id"], changes={f"bant_{field['field'].lower()}": field["value"]})
        if (noted := _NOTE_ON_TICKET.match(text)) is not None:  # "add note to 1013: customer sent a SAML trace"
            self.writing = True
            self.do_ticket_note(int(noted[1]), noted[2].strip())
        if not cannot:
            self.changed_as_described(text)  # "the emberpoint csv export one, make it urgent"
        self.show_described(text)  # "whats the status on the acme csv export ticket"
        if (
            self.role == "support"
            and (
                self.parse.intent not in ("assign_ticket", "list_tickets")
                or (self.parse.intent == "list_tickets" and _CHANGES_TICKET.search(text))
            )  # "1036 -> pending, waiting on their logs", "webhook delays are spreading, bump 1048 up to high": a change
            and (
                self.parse.intent != "create_ticket"
                or (not asks_creation("create_ticket", text) and not asks_reply(text) and self._ticket_change(text))
            )  # "customer on 1054 says webhooks are down. escalate to urgent and loop in noah": no new ticket
            and (not self.slots.get("ticket_number") or self.parse.intent == "update_ticket")
            and not PUT_ON_ME.search(text)
            and not asks_reply(text)  # "draft a reply for 1001 pls": the reply's own step below
            and not cannot  # "refund the customer on 1010 $200": what the product cannot do, said so below
            and (bare := BARE_TICKET.search(text)) is not None
        ):  # "make 1001 urgent", "catch me up on 1001": an agent's four-digit number is a ticket, not a deal's amount
            many = _NUMBERS_TO.search(text)
            if many is None and len(re.findall(r"\b\d{4,5}\b", text)) >= 2:
                many = _PUT_BOTH_ON.search(text)  # "1026 and 1056 are the same login problem - put both on sam"
            if (
                many is not None
                and not is_priority(many[1])
                and (many[1].lower() in ("me", "myself") or many[1].lower() not in STOPWORDS)
            ):
                self.writing = True  # "1059 and 1041 both to sam pls": each one handed on, one approval
                numbers_said = many[0] if many.re is _NUMBERS_TO else text
                numbers = dict.fromkeys(int(n) for n in re.findall(r"\b\d{4,5}\b", numbers_said))
                self.write_all([("assign_ticket", {"number": n, "assignee": self._person(many[1])}) for n in numbers])
            kept = {k: v for k, v in self.slots.items() if k in ("status", "priority") and v}  # a correction's values
            numbered = {
                **FILLERS["update_ticket"](text, self.model.now()),
                **(kept if self.parse.intent == "update_ticket" else {}),  # "... and bump priority to urgent too"
                "ticket_number": int(bare[1]),
            }
            if (
                numbered.get("status") or numbered.get("priority") or handed_to(text) or _CHANGES_TICKET.search(text)
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
        if "team_tasks" in self.tools and MY_REPS.search(text) and TASK_WORDS.search(text.lower()):
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
        if (prioritised := task_priority(text)) is not None:  # "make my call sarah johnson task urgent"
            self.writing = True
            self.do_task_priority(*prioritised)
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
            (
                (
                    self.parse.intent in ("pipeline", "stuck_deals", "deals_closing", "show_record")
                    and DEAL_VALUE.search(text)
                )
                or (
                    (self.parse.intent not in WRITES or self.parse.confidence < RULE_CONFIDENCE)
                    and deal_news(text) == "close_date"
                    and not DEAL_WORDS.search(text)
                )  # "x isnt closing on the 14th, its jan 31 now"
            )
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
        created = (
            NEW_RECORD.match(text)
            or _HAD_MEETING.match(text)
            or _MET.match(text)
            or _HAD_CALL.match(text)
            or _REMIND_ME.match(text)
            or _NEED_TO.match(text)
        )
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
            and PUT_ON_ME.search(text)
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
            picked = {k: v for k, v in self.slots.items() if k in ("pick", "name")} if self.slots.get("pick") else {}
            self.parse = Parse(
                "show_record", self.parse.confidence, {"name": mention, **picked}
            )  # "globex deal": a mention is a look at it (the record picked in reply to our "which one" stays)
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

    def _evident(self, intent: str) -> bool:
        """Whether the message carries what the write needs (a weakly classified write is acted on only then)."""
        return any(all(self.slots.get(k) not in (None, "", []) for k in keys) for keys in EVIDENCE.get(intent, ()))
