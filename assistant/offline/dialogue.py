"""What kind of turn a message is, before which intent: small talk, a question (a read), a how-to for the
knowledge base, a request the product cannot serve, or a command; which field a question asks for;
and what the conversation already has in focus (records shown or written, the last draft).

These decide what the intent classifier may pick: a question is never turned into a write, a greeting
never runs a report, and a request outside the CRM gets an honest "I can't do that yet".
"""

from __future__ import annotations

import json
import re
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import date
from typing import Any

from assistant.messages import Message
from assistant.offline import slots
from assistant.offline.amend import retarget
from assistant.offline.linking import covers
from store.models import EmailMessage

_POLITE = r"(?:(?:please|pls|hey|hi|ok|okay|so|and|also|quick question|nexa)[,:\s]+)*"
GREETING = re.compile(
    r"^\W*(?:hi|hello|hey|hiya|howdy|yo|sup|greetings|good\s+(?:morning|afternoon|evening|day)|g?morning|gm|afternoon|evening)"
    r"(?:\s+(?:there|nexa|team|all|everyone|again))?(?:[\s,!.]+(?:how are you|how's it going|hows it going)\??)?\W*$",
    re.IGNORECASE,
)
THANKS = re.compile(
    r"^\W*(?:(?:ok(?:ay)?|great|perfect|cool|nice|awesome|brilliant|got it)[,!.\s]*)?(?:thanks?(?:\s+(?:you|a lot|so much))?|thx|ty|"
    r"cheers|much appreciated|appreciate it|that'?s all|that is all|bye|goodbye|see you|later|"
    r"you'?re\s+(?:awesome|great|the best|amazing|a star|a lifesaver|a legend|a hero|brilliant)|you\s+rock|lifesaver|"
    r"good\s*night|night|ttyl|have\s+a\s+(?:good|nice|great)\s+(?:one|day|evening|night|weekend)|love it|well done|good job|nice work|great work|perfect|cool|"
    r"awesome|great|ok(?:ay)?|got it)\b[\w\s,!.']{0,30}$",
    re.IGNORECASE,
)
IDENTITY = re.compile(
    r"^\W*(?:who|what)\s+are\s+you\b|\bare\s+you\s+(?:a\s+bot|human|real|an?\s+ai|a\s+person)\b"
    r"|\bwhat'?s\s+your\s+name\b|\bhow\s+are\s+you\b",
    re.IGNORECASE,
)

# Requests the product cannot serve (yet): named so that the answer says what it cannot do.
_QUOTED = re.compile(r"\"[^\"]*\"|“[^”]*”")
OUT_OF_SCOPE: list[tuple[re.Pattern[str], str]] = [
    (re.compile(p, re.IGNORECASE), what)
    for p, what in [
        (r"\b(?:docusign|e-?sign(?:ature)?s?|adobe\s+sign|hellosign|pandadoc)\b", "send documents for e-signature"),
        (r"\b(?:flights?|hotels?|airbnb|travel|trip|uber|taxi|cab|car rental|train tickets?)\b", "book travel"),
        (r"\bweather\b|\btemperature\s+(?:in|outside)\b", "check the weather"),
        (
            r"\b(?:forecast|predict|project(?:ion)?|estimate)\w*\b.{0,40}\b(?:in|for|by|of)\s+(?:20[3-9]\d|next\s+(?:few\s+)?years?|"
            r"the\s+next\s+(?:\w+\s+)?years?|\d+\s+years)\b",
            "forecast years ahead",
        ),  # "forecast our revenue for 2030"
        (r"\bfax(?:es|ed|ing)?\b", "send faxes"),
        (
            r"^\W*(?:(?:pls|please|can\s+you|could\s+you)\s+)?text\s+(?!me\b)[a-z]+|\b(?:sms|whatsapp|imessage)\b"
            r"|\bsend\s+(?:him|her|them|\w+)?\s*(?:an?\s+)?text(?:\s+message)?\b",
            "send text messages",
        ),  # "text nils kowalski on his mobile that i'm running late"
        (
            r"\bconvert\s+\$?\d[\d.,]*\s*k?\s*(?:euros?|eur|dollars?|usd|gbp|pounds?|yen|francs?)\b|\bexchange\s+rates?\b",
            "convert currencies",
        ),
        (
            r"\b(?:super\s*bowl|world\s+cup|world\s+series|nba|nfl|premier\s+league|stock\s+price|bitcoin|crypto|lottery)\b",
            "answer general-knowledge questions",
        ),
        (
            r"\b(?:in|on|to|into|from)\s+(?:our\s+|the\s+)?(?:old\s+)?(?:salesforce|hubspot|pipedrive|zoho|dynamics)\b"
            r"|\b(?:salesforce|hubspot|pipedrive|zoho)\s+(?:org|instance|crm)\b",
            "change records in another CRM",
        ),
        (r"\btranslat\w*\b", "translate text"),
        (r"\b(?:ad\s+spend|adwords|google\s+ads|facebook\s+ads|ad\s+campaigns?)\b", "run paid advertising"),
        (
            r"\b(?:salary|salaries|raises?(?!\s+(?:it|this|that|the|#?\d+)\b)|payroll|paychecks?|bonus(?:es)?|expense reports?|pto|vacation(?:\s+(?:days?|requests?))?|time\s+off|leave\s+requests?)\b"
            r"|\bhow\s+much\s+(?:are|do|did)\s+we\s+pay(?:ing)?\b|\b(?:gross|net|base|take-?home)\s+pay\b|\bpay\s+(?:rise|raise|cut)\b",
            "handle HR or payroll",
        ),
        (
            (
                r"\b(?:delete|remove|wipe|purge|erase|destroy)\b.{0,40}\b(?:all|every|everything|entire|whole|records?|contacts?|leads?|"
                r"deals?|accounts?|tickets?|database|crm)\b|\b(?:drop|truncate)\s+(?:table|database)\b"
            ),
            "delete records",
        ),
        (r"\bmerge\b.{0,30}\b(?:duplicates?|records?|contacts?|accounts?)\b", "merge records"),
        (
            (
                r"\b(?:export|download|dump|send|forward|copy)\b.{0,40}\b(?:all|every|whole|entire|list of)\b.{0,40}"
                r"\b(?:contacts?|customers?|leads?|emails?|data|records?|database)\b"
            ),
            "export data in bulk",
        ),
        (
            r"\b(?:e-?mail|message|text|blast|mail)\s+(?:all|every|each)(?:\s+(?:of\s+)?(?:our|my|the))?\s+(?:\w+\s+)?"
            r"(?:contacts?|customers?|clients?|leads?|accounts?|prospects?)\b",
            "send bulk emails",
        ),
        (
            r"\b(?:tweets?|retweet|instagram\s+post|linkedin\s+post|post\s+on\s+(?:twitter|linkedin|x|social))\b",
            "post to social media",
        ),
        (
            r"\b(?:stock price|share price|news|headlines|sports?|scores? of the|recipe|jokes?|poem|song|movie)\b",
            "answer general questions",
        ),
        (r"\b(?:write|fix|debug)\s+(?:some\s+)?(?:code|sql|python|a script|javascript)\b", "write code"),
        (
            r"\b(?:list|show|give|get|dump|print|reveal|send|tell|read)\b.{0,40}\b(?:passwords?(?:\s+hash(?:es)?)?|"
            r"password\s+hash(?:es)?|credentials?|api\s+keys?|secret\s+keys?|private\s+keys?)\b",
            "reveal passwords, credentials or keys",
        ),
        (
            r"\b(?:order|buy|purchase)\s+(?:me\s+)?(?:lunch|food|pizza|coffee|a\s+\w+)\b"
            r"|^\W*(?:(?:please|pls|can\s+you|could\s+you)\s+)?(?:order|buy|purchase)\s+(?:me\s+|us\s+)?\d+\s+\w+",  # "buy 10 new monitors"
            "order things",
        ),
        (
            r"\b(?:reserve|book)\s+(?:me\s+|us\s+)?a\s+table\b|\brestaurants?\b|\bdinner\s+reservations?\b",
            "book restaurants",
        ),
        (
            r"\bscores?\s+(?:in|of)\s+(?:the\s+)?\w+\s+game\b|\bwho\s+won\s+the\s+\w+\s+game\b",
            "answer general questions",
        ),
        (
            r"\b(?:invoice|bill|charge|refund)\s+(?:the\s+)?(?:customer|client|them|him|her)\b",
            "bill or refund customers",
        ),
        (
            r"\b(?:refund\w*|credit(?!\s+cards?\b)s?)\b.{0,40}\b(?:stripe|billing|chargebee|quickbooks|xero)\b"
            r"|\b(?:issue|give|apply|process)\s+(?:an?\s+|the\s+)?\$?[\d,.]*\s*(?:credit|refund)\b",
            "issue refunds or credits in a billing system",
        ),
        (
            r"\b(?:sla|service[- ]level)\s+(?:contract|agreement|terms)\b|\bcontract\s+(?:terms|clauses?)\b",
            "read contracts (they are not kept in the CRM)",
        ),
        (
            r"\b(?:wire|pay)\b.{0,30}(?:\$|\bmoney\b|\bfunds\b|\bpayment\b|\bbank\b)|\bbank\s+(?:account|transfer)\b|\btransfer\s+(?:money|funds)\b",
            "move money or make payments",
        ),
        (
            r"\bout\s+of\s+(?:the\s+)?office\b|\bauto-?reply\b|\b(?:slack|teams|chat)\s+status\b|\bstatus\s+to\s+ooo\b|\b(?:post|message|ping)\b.{0,30}\b(?:slack|channel|teams)\b",
            "post to chat channels or set auto-replies",
        ),
        (
            r"\b(?:set\s+up|configure|create)\s+(?:an?\s+)?(?:workflow|automation|integration|zap|webhook|user account|new user)\b",
            "configure workflows or users",
        ),
        (r"\b(?:reassign|transfer)\b.{0,40}\b(?:all|every)\b", "reassign records in bulk"),
    ]
]

_QUESTION_START = re.compile(
    r"^\W*"
    + _POLITE
    + r"(?:what|what'?s|whats|who|who'?s|whos|whose|which|when|where|why|how|how'?s|hows|is|are|was|were|do|does|did|has|"
    r"have|any|anything|show|list|pull|display|see|view|rank|sort|compare|give\s+me|get\s+me|find|look\s+up|lookup|tell\s+me|check|"
    r"remind\s+me\s+(?:what|who|when|how)|(?:can|could|may)\s+i\s+(?:see|get|have)|let\s+me\s+see|i\s+(?:need|want)\s+to\s+"
    r"(?:see|know)|i'?d\s+like\s+to\s+(?:see|know)|do\s+we\s+have|how\s+many|how\s+much)\b",
    re.IGNORECASE,
)
_ASK_YOU = re.compile(r"^\W*" + _POLITE + r"(?:can|could|would|will)\s+you\s+(?:please\s+)?(\w+)", re.IGNORECASE)
_GET_SOMEONE_TO = re.compile(r"\s+(?!me\b|us\b)[a-z]+\s+to\s+[a-z]", re.I)
_READ_VERBS = {
    "show",
    "tell",
    "find",
    "list",
    "give",
    "pull",
    "look",
    "lookup",
    "check",
    "get",
    "display",
    "summarize",
    "summarise",
    "explain",
    "describe",
    "remind",
    "see",
    "help",
    "recap",
    "search",
    "forecast",
    "let",
}
# A command verb at the start makes a message a command even when it ends with a question mark.
_COMMAND_START = re.compile(
    r"^\W*"
    + _POLITE
    + r"(?:add|create|new(?!\s+(?:leads|deals|tickets)\b)|log|record|update|change|set|edit|rename|move|advance|push|bump|raise|lower|mark|"
    r"close|reopen|resolve|qualify|disqualify|convert|assign|reassign|book|schedule|reschedule|invite|remind\s+me\s+to|"
    r"send|draft|write|compose|note|delete|remove|cancel|complete|finish|escalate|open\s+a|file|put|make|turn|hand|give(?=\s+(?:it|this|that|them)\s+to\b)|"
    r"(?:won|lost)(?=\s+[a-z][\w&'-]*\s+[a-z][\w&'-]*\s+\d)|"  # "won granitepath platform 176, final number 6k"
    r"e-?mail(?!\s+(?:address|addy|for|of|is|please|pls)\b)(?=\s+\w+\s+\w+))\b",
    re.IGNORECASE,
)
HOWTO = re.compile(
    r"^\W*"
    + _POLITE
    + r"(?:how\s+(?:do|can|should|would)\s+(?:i|we|you|a\s+customer|customers|users?|they|one)\b|how\s+to\b|"
    r"how\s+long\s+(?:do|does|is|are|will|until|till|before|after)\b|what(?:\s+is|\s+are|'?s)\s+the\s+difference\s+between\b|"
    r"(?:checklist|steps|procedure|playbook|runbook)\s+(?:for|to|on)\b|what(?:\s+is|\s+are|'?s)\s+(?:the|our)\s+(?:\w+\s+){0,3}"
    r"(?:policy|policies|limits?|process|procedure|steps|rules?|sla|workaround|fix|checklist)\b|"
    r"(?:is|are)\s+there\s+(?:a|an|any)\s+(?:way|limit|setting|option)\b|where\s+(?:do|can)\s+(?:i|we|you)\s+(?:find|set|change|turn)\b|"
    r"(?:can|could)\s+(?:i|we|customers?|users?)\s+(?!see\b|get\b|have\b)\w+|should\s+(?:i|we)\b.{0,60}\bor\b|"
    r"what\s+(?:do|should)\s+(?:i|we)\s+(?:do|tell)\s+(?:when|if)\b|why\s+(?:do|does|is|are|would)\s+(?:my|our|the|a|an|"
    r"customers?|users?|they)\b|what\s+does\s+\S+\s+mean\b|what('?s|\s+is)\s+the\s+fix\b|"
    r"if\s+(?:i|we|a\s+(?:customer|user)|customers|users|someone|they)\s+\w+[^,?]{0,80},\s*(?:can|could|will|would|do|does|"
    r"is|are|what|how)\b[^?]*\?\s*$)",
    re.IGNORECASE,
)
_HOWTO_TOPIC = re.compile(
    r"\b(?:sso|saml|password|reset|log\s*in|login|sign(?:ed)?\s*(?:in|out)|2fa|two[- ]factor|api|token|rate\s*limits?|webhooks?|"
    r"import|export|csv|invoices?|billing|refunds?|plan|pricing|subscription|cancel\w*|calendar|outlook|gmail|email\s+sync|"
    r"integrations?|slack\s+app|mobile|offline|duplicates?|dupes?|merg(?:e|ing)|gdpr|retention|data|permissions?|teammates?|invite|errors?|"
    r"[A-Z]{2,5}-\d{3}|settings?|workspace|recycle\s+bin|delet(?:e|es|ed|ing)|account\s+takeover|chargebacks?|trial|seats?|"
    r"pipeline\s+stages?|mark(?:ing)?\s+it\s+lost|dead\s+deal|signed\s+out|sync\w*|fix|lists?|segments?|campaigns?)\b",
    re.IGNORECASE,
)

FIELDS: list[tuple[re.Pattern[str], str]] = [
    (re.compile(p, re.IGNORECASE), name)
    for p, name in [
        (r"\baccount\s+(?:number|no\.?|#)|\bacct\s*(?:#|no\b|number)", "account_number"),
        (
            r"\breport(?:s|ing)?\s+(?:in\s+)?to\b|\breports?\s+into\b|\bwho(?:'?s|\s+is)\s+(?:her|his|their)\s+(?:boss|manager|superior)\b"
            r"|['’]s\s+(?:boss|line\s+manager|superior|direct\s+manager|manager)\b|\bwho\s+(?:does|do)\s+\S+(?:\s+\S+)?\s+work\s+(?:for|under)\b",
            "reports_to",
        ),
        (
            r"\b(?:main|primary|key)\s+contact\b|\bwho(?:'?s|\s+is)\s+(?:the\s+)?(?:contact|champion|buyer)\b|\bcontact\s+(?:on|for)\s+(?:it|this|that)\b"
            r"|\bwho\s+(?:are|am|do)\s+(?:we|i)\s+(?:talking|speaking|dealing|working|deal|work|talk|speak)\s+(?:to|with)\b",  # "who are we talking to there"
            "contact",
        ),
        (r"\bmobile\b|\bcell\b", "mobile"),
        (
            r"\bphone\b|\b(?:direct|desk|office)\s+line\b|(?<!weighted\s)(?<!total\s)\bnumber\b(?!\s+of)|\bcall\s+(?:her|him|them)\s+on\b",
            "phone",
        ),
        (r"\be-?mail(?:\s+address)?\b|\breach\b.{0,30}\bby\s+e-?mail\b", "email"),
        (
            r"\b(?:job\s+)?title\b|\brole\b|\bposition\b|\bwhat\s+does\s+\S+(?:\s+\S+)?\s+do\b"
            r"|\bwhat\s+(?:he|she|they)\s+do(?:es)?\b",
            "title",
        ),
        (r"\bwho\s+owns\b|\bowner\b|\bwho'?s\s+(?:the\s+)?(?:rep|owner|responsible)\b|\bassigned\s+to\b", "owner"),
        (r"\bhealth(?:\s+score)?\b", "health_score"),
        (r"\bscore\b", "score"),
        (r"\bindustry\b|\bsector\b|\bvertical\b", "industry"),
        (
            r"\bemployees?\b|\bheadcount\b|\bhow\s+big\s+is\s+\w+(?:\s+\w+)?\s*(?:,|\?|$)|\bhow\s+many\s+(?:people|ppl|staff|folks|employees)\b|\bcompany\s+size\b",
            "employees",
        ),
        (r"\bwebsite\b|\burl\b|\bdomain\b", "website"),
        (r"\brevenue\b|\bturnover\b", "revenue"),
        (r"\btier\b", "tier"),
        (r"\baddress\b|\bbased\b|\blocated\b|\bheadquarter", "address"),
        (r"\bdepartment\b|\bdept\b", "department"),
        (r"\bprobability\b|\bodds\b|\blikelihood\b|\bchances?\b", "probability"),
        (r"\b(?:lead\s+)?source\b|\bwhere\s+did\b.{0,40}\bcome\s+from\b", "source"),
        (r"\bworth\b|\bamount\b|\bvalue\b|\bhow\s+(?:much|big)\b|\bsize\b", "amount"),
        (
            r"\bclose\s+date\b|\bwhen\s+(?:does|will|is)\b.{0,40}\bclos\w*\b|\bclosing\s+date\b|\bsupposed\s+to\s+close\b",
            "close_date",
        ),
        (r"\bstage\b|\bwhere\s+are\s+we\b|\bstatus\b", "stage"),
        (r"\bcompany\b(?!\s+size)", "company"),
        (
            r"\bsubsidiar\w*|\broll\s+up\b|\bchild\s+accounts\b|\bparent\s+(?:account|company)\b"
            r"|(?:\bits|\btheir|\+|\bincl\w*|\bw(?:ith|/)?)\s+subs\b|\bsubs\s+incl|\bfamily\s+tree\b",  # "+ its subs"
            "subsidiaries",
        ),
    ]
]
# Fields only a record holds (a question about one of them is about a record, not a report).
RECORD_FIELDS = {
    "reports_to",
    "contact",
    "account_number",
    "mobile",
    "phone",
    "email",
    "title",
    "health_score",
    "score",
    "industry",
    "employees",
    "website",
    "revenue",
    "tier",
    "address",
    "department",
    "probability",
    "source",
    "close_date",
    "subsidiaries",
    "company",
}
# an address, a number, a share, a title said after its field ("title Lead Engineer")
# A deal's field said with its new value: "amount 15k", "close date may 31"
_DEAL_VALUE = (
    r"\b(?:amount|value|close\s+date|closing\s+date)\s*(?:[:=-]|to|is|of)?\s*(?:the\s+)?"
    r"(?:\$?\d|(?:jan|feb|mar|apr|may|jun|jul|aug|sep|oct|nov|dec)[a-z]*\b"
    r"|(?:next|end\s+of|tomorrow|mon|tue|wed|thu|fri)[a-z]*\b)"
    r"|[,:]\s*close\s*[:=]?\s*(?:\d{1,2}/\d{1,2}\b|(?:jan|feb|mar|apr|may|jun|jul|aug|sep|oct|nov|dec)[a-z]*\s+\d)"
    r"|\bstage\s*(?:[:=-]|to|is)?\s*(?:prospecting|qualification|proposal|negotiation)\b"  # "x: stage negotiation, close 4/30"
)
DEAL_VALUE = re.compile(_DEAL_VALUE, re.I)
_NEW_VALUE = re.compile(r"[\w.+-]+@[\w-]+\.\w|\+?\d[\d\s().-]{6,}\d|\d\s*%|\btitle\s+(?-i:[A-Z])|" + _DEAL_VALUE, re.I)
_VALUE = re.compile(
    r"[\w.+-]+@[\w-]+\.\w|\+?\d[\d\s().-]{6,}\d|\b(?:to|=)\s+(?!who(?:m)?\b|what\b)\S|\b(?:should\s+(?:be|read)|is\s+now|now\s+(?:is|at))\s+\S"
    r"|\d\s*%",
    re.IGNORECASE,
)


# "nils varga (brightpath)", "ben weber (helixfield, the engineer)": a person's name, then their company in brackets
_BRACKETED = re.compile(
    r"\b((?:[a-z][\w'-]*\s+[a-z][\w'-]*\s*(?:,|\band\b|&|\+)\s*)*)"  # "olga zhou and yara quist (helixfield)"
    r"([a-z][\w'-]*\s+[a-z][\w'-]*)\s+\((?!the\b|an?\b)([a-z][\w&'-]*(?:\s+[a-z][\w&'-]*)?)(?:,[^)]*)?\)",
    re.I,
)
_PAIR = re.compile(r"([a-z][\w'-]*\s+[a-z][\w'-]*)(\s*(?:,|\band\b|&|\+)\s*)", re.I)


def company_in_brackets(text: str) -> str:
    """The company said in brackets after a person's name said as where they work ("nils varga at brightpath"), when
    it reads as no title, record type or number ("ben weber (the ceo one)", "(lead)" stay); names listed just before
    it work there too ("olga zhou and yara quist (helixfield)")."""

    def at(m: re.Match[str]) -> str:
        said = m[3].lower().split()
        if set(said) & _NOT_A_COMPANY or any(w in slots.STOPWORDS for w in said):
            return m[0]
        people = m[1]  # names said before the last one work there too, when they read as names
        if not any(w in slots.STOPWORDS for w in _PAIR.sub(r"\1 ", people).lower().split()):
            people = _PAIR.sub(lambda p: f"{p[1]} at {m[3]}{p[2]}", people)
        return f"{people}{m[2]} at {m[3]}"

    return _BRACKETED.sub(at, text)


_NOT_A_COMPANY = {"lead", "contact", "deal", "account", "one", "ceo", "cfo", "cto", "coo", "vp", "engineer", "manager"}


def field_request(text: str) -> str | None:
    """The record field a short request asks for without a question's form ("tom smith title", "ines baker email pls",
    "health score for Silverline"; "tom smith's number pls, need to call him": the first clause asks, the rest says why):
    no command verb leads it and it carries no new value."""
    if _COMMAND_START.match(text) or _NEW_VALUE.search(text):
        return None
    if len(text.split()) <= 9:
        return None if _VALUE.search(text) else asked_field(text)
    head = re.split(r"[,;]|\s[-–—]\s", text, maxsplit=1)[0]
    return asked_field(head) if len(head.split()) <= 6 and not _VALUE.search(head) else None


_ACKNOWLEDGED = re.compile(r"^\W*(?:ok(?:ay)?|great|perfect|cool|nice|awesome|got\s+it|thanks?|thx)\b[,!.\s]*", re.I)


_HOLD_OFF = re.compile(
    r"^\W*(?:(?:no+|nah|nope|actually|oh|hmm+|ok(?:ay)?)[,.!\s]+)*(?:wait|hold\s+(?:off|on|up|that)|not\s+yet|"
    r"scratch\s+that|don'?t\s+(?:do\s+(?:it|that|anything)\s+)?yet|never\s*mind|let'?s\s+not)\b",
    re.I,
)


_NEGATED_CLAUSE = re.compile(
    r"\b(?:\w+n['’]?t|not|never|no\s+longer)\b[^,;.]*", re.I
)  # "they haven't signed yet": a reason
_ANY_DAY = date(2026, 1, 5)  # whether a date is said does not hang on the day it is said


def _new_value(text: str) -> bool:
    """Whether a correction carries a value ("no wait, tuesday", "hold on, make it 40k"): then it is no hold-off."""
    return any(
        found is not None
        for found in (
            slots.find_date(text, _ANY_DAY),
            slots.find_amount(text),
            slots.find_stage(text),
            slots.find_priority(text, loose=True),
            slots.find_time(text),
        )
    )


def asked_after_holding_off(text: str) -> str | None:
    """The question a message asks after holding off what we proposed ("no wait leave it. whats mike's pipeline
    total"), else None; the proposal lapses with any message that does not decide it."""
    held = _HOLD_OFF.match(text)
    after = re.search(r"[.!?;]\s+(\S.*)$", text[held.end() :]) if held else None
    return after[1] if after and is_question(after[1]) else None


def smalltalk(text: str) -> str | None:
    """ "greeting", "thanks", "identity" or "held" (the user holds off what we proposed) for a message that is only
    that, else None."""
    if len(text) > 80 or _COMMAND_START.match(_ACKNOWLEDGED.sub("", text)):
        return None  # "ok move it to negotiation": a command after the acknowledgement
    held = _HOLD_OFF.match(text)
    rest = text[held.end() :] if held else ""
    if held and not _WRITE_VERB.search(rest) and not _new_value(_NEGATED_CLAUSE.sub(" ", rest)) and not retarget(text):
        return "held"  # "wait, hold off on that", "no wait, they haven't countersigned yet": nothing is done
    for pattern, kind in ((GREETING, "greeting"), (THANKS, "thanks"), (IDENTITY, "identity")):
        if pattern.search(text):
            return kind
    return None


# What Nexa does, but not from a chat message: where it is done instead.
DONE_ELSEWHERE = {
    "export data in bulk": "`nexa export contacts --as YOU > contacts.csv` (or leads, accounts, deals, tickets) writes "
    "every record you may read as CSV, and so does the API's list route with `Accept: text/csv`.",
    "send bulk emails": "mass email goes out as a campaign email to a contact list, with a preview of its recipients, "
    "sent by a manager (`nexa campaigns email` and `send`, or the campaign's page in the API). I can show the lists "
    "and campaigns, and add people to a list.",
}


def out_of_scope(text: str) -> str | None:
    """What the product cannot do that the message asks for, if it asks for such a thing (text in quotes is what the
    user wants kept, not asked: 'add a note: "delete every deal", their IT guy wrote')."""
    asked = _QUOTED.sub(" ", text)
    return next((what for pattern, what in OUT_OF_SCOPE if pattern.search(asked)), None)


def opens_with_command(text: str) -> bool:
    """Whether the message opens by telling us to do something ("email all my customers ...", "add a note ...")."""
    return bool(_COMMAND_START.match(text))


def is_question(text: str) -> bool:
    """A request to read: a question or a show/list/tell command, and no command verb leading it (a field of a record
    said alone reads it: "close date on novaline expansion 188")."""
    if _FIELD_OF.match(text) and not _SETS_VALUE.search(text):
        return True
    if _COMMAND_START.match(text):
        return False
    polite = _ASK_YOU.match(text)
    if polite:  # "can you get carlos to chase ...": a task handed on, no read
        return polite[1].lower() in _READ_VERBS and not _GET_SOMEONE_TO.match(text, polite.end())
    asked_then = _ASKED_THEN.search(text)  # "sara jonson's email? need to cc her": a question, then why
    return (
        bool(_QUESTION_START.match(text) or _QUESTION_CLAUSE.search(text) or _LAST_CLAUSE_ASKS.search(text))
        or text.rstrip().endswith("?")
        or bool(asked_then and not _WRITE_VERB.search(asked_then[1]))
        or names_records(text)
    )


# A field of a record, said alone: "close date on novaline expansion 188", "email for jane doe" (a value after "to" or
# an arrow sets it instead)
_FIELD_OF = re.compile(
    r"^\W*(?:and\s+)?(?:the\s+)?(?:close\s+date|closing\s+date|amount|value|stage|owner|phone(?:\s+number)?|mobile|e-?mail"
    r"|title|headcount|industry|status|priority|assignee|requester|website)\s+(?:on|of|for)\s+\S",
    re.I,
)
_SETS_VALUE = re.compile(
    r"\bto\b|->|→|:|=|\bis\s+now\b|\b\d{4}-\d\d-\d\d\b|\$\s*\d|\b\d+(?:\.\d+)?\s*[km]\b"
    r"|\b(?:jan|feb|mar|apr|may|jun|jul|aug|sep|oct|nov|dec)[a-z]*\s+\d",
    re.I,
)


# Records a short phrase can name: a kind in the plural ("carlos past-due deals"), or one deal by a superlative
# ("emma's biggest deal").
_RECORDS_NOUN = re.compile(
    r"\b(?:deals|opps|opportunities|pipeline|tasks|to-?dos|tickets|cases|calls|meetings|leads|stuff|numbers|score)\b"
    r"|\b(?:biggest|largest|smallest|oldest|newest|latest|top)\s+(?:open\s+)?deal\b",
    re.I,
)
_NOT_A_READ = re.compile(r"\bnew\b|->|[:$]|\d+\s*k\b", re.I)


def names_records(text: str) -> bool:
    """A short phrase that only names records, with no verb of change ("emma's biggest deal", "recent calls with sarah
    johnson", "team tasks due this week"): a request to see them."""
    return (
        len(text.split()) <= 8
        and bool(_RECORDS_NOUN.search(text))
        and not _WRITE_VERB.search(_OPEN_RECORDS.sub("", text))
        and not _NOT_A_READ.search(_FLOOR_SAID.sub("", text))
    )


# "open" saying which records, not asking to open one: "emma's biggest open deal", "open tickets for acme"
_OPEN_RECORDS = re.compile(r"\bopen\s+(?=(?:deals?|tickets?|tasks?|leads?|opps?|opportunit(?:y|ies)|cases?)\b)", re.I)
# A floor or ceiling on what is listed ("deals over 100k"): no new value
_FLOOR_SAID = re.compile(
    r"\b(?:over|above|under|below|(?:more|less|bigger|smaller)\s+than|at\s+least)\s+\$?\d[\d.,]*\s*[km]?\b", re.I
)


_ASKED_THEN = re.compile(r"\?\s+([^?]*)$")
_WRITE_VERB = re.compile(
    r"\b(?:make|log|add|create|book|schedule|update|set|change|move|assign|mark|close|resolve|qualify|pass|hand|give|"
    r"put|bump|raise|escalate|file|open|convert|reassign|push|drop|send|draft|write|email|remind|note|loop)\b",
    re.I,
)


# "customer keeps getting SSO-310, what do i tell them", "remind me, the acme deal is at which stage again", "lisa
# chen - remind me what she does": the message ends in a question, whatever it opens with
_LAST_CLAUSE_ASKS = re.compile(
    r"(?:^|[,;:.!]\s*|\s[-–—]\s)(?:remind\s+me\s*(?:,|what|which|who|when|where|how)"
    r"|(?:what|what'?s|whats|who|whose|which|when|where|how|why)\s+(?!a\s|an\s)"
    r"|(?:is|are)\s+there\s+(?:a|an|any)\b|should\s+i\s+\w+\s+(?:it|them|this|that)\s+or\b"
    r"|(?:can|could|would)\s+(?:you|u)\s+(?:grab|get|find|pull|look\s+up|dig\s+up|send\s+me|give\s+me)\s+(?:it|that|this|them)\b"
    r"(?!.*\b(?:make|log|add|create|book|schedule|update|set|change|move|assign|mark|task)\b))[^,;:.!]*$",
    re.I,
)


# "Sarah Johnson - what's her title": a question after the name it is about
_QUESTION_CLAUSE = re.compile(
    r"^[^,:;\-–—]{1,60}(?:\s[-–—]\s|[:,;]\s*)(?:what|what'?s|whats|who|whose|which|when|where|how)\b", re.I
)


_HOWTO_ANYWHERE = re.compile(
    r"\bwhat(?:'?s|\s+is)\s+the\s+(?:fix|workaround|solution)\b|\bhow\s+(?:do|can|should)\s+(?:i|we)\s+"
    r"(?:fix|solve|resolve|help|handle|get\s+around)\b|[,;:-]\s*how\s+(?:do|can|should)\s+(?:i|we)\b|"
    r"\b(?:a|the|my|our)\s+(?:customer|client)s?\s+(?:says?|needs?|reports?|wants?|asks?|can'?t)\b"
    # asking what to check or where to start: troubleshooting, whatever the message told first ("got a ticket from a
    # customer whose Okta login broke - what do I check?")
    r"|\bwhat\s+(?:do|should|can|would)\s+(?:i|we)\s+(?:check|look\s+(?:at|for|into)|try|verify)\b"
    r"|\bwhere\s+(?:do|should)\s+(?:i|we)\s+(?:start|look)\b"
    r"|\bhow\s+long\s+(?:until|till|before|after)\b",  # "after a failed payment how long until it goes read only"
    re.IGNORECASE,
)


def is_howto(text: str) -> bool:
    """A how-to or policy question for the help center (not about one CRM record's data)."""
    return bool(HOWTO.match(text) or _HOWTO_ANYWHERE.search(text)) and bool(_HOWTO_TOPIC.search(text))


# A staff member asking what the rules are or what to do in a customer's situation (the help center's internal
# runbooks answer these): whether they may do something, the procedure or policy, how a figure is worked out, what a
# role may do; or a situation of a customer named generically ("customer says ...", "a caller wants ...").
_PROCEDURE = re.compile(
    r"\b(?:can|may|could|should)\s+(?:i|we)\b(?!\s+(?:see|get|have|look|view|find|show|list)\b)|\bam\s+i\s+allowed\b"
    r"|\bare\s+we\s+allowed\b|\bis\s+(?:that|it|this)\s+(?:ok|okay|allowed|fine|permitted)\b"
    r"|\bwhat(?:'?s|\s+is|\s+are)\s+(?:our|the)\s+(?:\w+\s+){0,2}(?:procedure|policy|process|rules?|protocol|playbook|steps|cap|limit|fee)\b"
    r"|\bhow\s+(?:is|are)\s+(?:the\s+|a\s+)?(?:\w+\s+){0,4}(?:calculated|computed|determined|defined|measured|worked\s+out)\b"
    r"|\bwhat\s+can\s+(?:someone|a\s+user|users|people|an?\s+\w+)\s+with\b|\bwhat\s+(?:do|should)\s+(?:i|we)\s+do\b"
    r"|\bwhat\s+(?:do|should|can)\s+(?:i|we)\s+(?:tell|say\s+to|reply\s+to|answer)\s+(?:them|him|her|the\s+customer)\b"
    r"|\banything\s+(?:special|else)\s+(?:i|we)\s+(?:need|should|have)\b"
    r"|\banything\s+(?:i|we)\s+(?:should|must|need\s+to|have\s+to)\s+(?:check|verify|confirm|know|ask)\b"
    r"|\bis\s+there\s+an?\s+(?:fee|cap|limit|notice\s+period|charge|penalty)\b"
    # whether something needs doing, or a deadline holds: "does it clear by itself or do I have to do something?",
    # "a dispute filed 12 days ago ... are we within the timeline?"
    r"|\b(?:do|should|must)\s+(?:i|we)\s+(?:have|need)\s+to\s+do\s+(?:something|anything)\b"
    r"|\bare\s+we\s+(?:still\s+)?(?:within|inside|past|outside)\s+(?:the\s+)?(?:\w+\s+)?(?:timeline|window|deadline|time\s*frame)\b",
    re.IGNORECASE,
)
_GENERIC_PARTY = re.compile(
    r"^\W*(?:(?:a|an|the|my|our|this|one)\s+)?(?:(?!(?:a|an|the)\s)[a-z-]+\s+){0,2}(?:customer|client|caller|cardholder|account\s+holder|user|member)s?"
    r"(?:['’]s)?\b"
    r"|\b(?:the|a|our|this)\s+(?:customer|client|caller|cardholder)\s+(?:was|is|got|gets|says|said|wants|needs|can'?t|didn'?t|keeps)\b",
    re.IGNORECASE,
)
# What marks a question about the CRM's own records instead: a ticket number, or "my/our/the team's <records>".
_CRM_RECORDS = re.compile(
    r"\b(?:ticket|case)s?\s*#?\s*\d+|#\d+|\b(?:my|our|team'?s?|his|her|their)\s+(?:\w+\s+)?(?:deals|leads|tasks|tickets|pipeline|meetings|"
    r"accounts|contacts|opportunities|quota|calendar)\b",
    re.IGNORECASE,
)


def generic_party(text: str) -> str:
    """The words naming a customer by kind, not by name ("An Enterprise customer", "silver rewards customer"), or ""."""
    found = _GENERIC_PARTY.search(text)
    return found[0] if found else ""


def is_staff_question(text: str) -> bool:
    """A how-to, policy or what-to-do question from a rep or agent, for the help center (internal articles
    included): a how-to, or a procedure question or a generic customer's situation that names no CRM records and
    leads with no command."""
    if is_howto(text):
        return True
    if _COMMAND_START.match(text) or _CRM_RECORDS.search(text):
        return False
    return bool(_PROCEDURE.search(text) or _GENERIC_PARTY.search(text))


def asked_fields(text: str) -> list[str]:
    """Every field a question asks about, each said in its own words ("what industry is acme in and how big are they":
    industry and employees; "globex account number?" is the account number only, not also a phone number)."""
    taken: list[tuple[int, int]] = []
    names: list[str] = []
    for pattern, name in FIELDS:
        for m in pattern.finditer(text):
            if not any(m.start() < end and start < m.end() for start, end in taken):
                taken.append((m.start(), m.end()))
                if name not in names:
                    names.append(name)
    return names


def asked_field(text: str) -> str | None:
    """The one field a question asks about ("what's Dana's mobile?" -> mobile), if any."""
    return next((name for pattern, name in FIELDS if pattern.search(text)), None)


_ANAPHOR = re.compile(r"\b(?:it|its|that|this|them|they|their|her|him|his|she|he|the\s+same)\b", re.IGNORECASE)


def refers_back(text: str) -> bool:
    return bool(_ANAPHOR.search(text))


@dataclass
class Focus:
    """What the conversation is about so far: the records of the latest turn that showed or wrote some,
    and the latest draft (for "send it")."""

    records: list[dict[str, Any]] = field(default_factory=list)
    draft: Draft | None = None
    shown: list[str] = field(default_factory=list)
    said: str = ""  # the user's previous message
    turns: list[tuple[str, str]] = field(default_factory=list)  # each earlier request and the answer it got
    answer: str = ""  # our previous answer
    # the people a record's view named (a ticket's requester), beside the record itself
    people: list[dict[str, Any]] = field(default_factory=list)
    # the records the same turn viewed on the way to those in focus (the deal whose contact was asked for)
    behind: list[dict[str, Any]] = field(default_factory=list)

    def of(self, kinds: Sequence[str]) -> dict[str, Any] | None:
        """The record in focus of one of `kinds`, when exactly one such record is in focus; else the one of them the
        turn viewed on the way ("who's the contact on it", then "set the amount to 9k": the deal)."""
        matching = [r for r in self.records if r.get("type") in kinds] or [
            r for r in self.behind if r.get("type") in kinds
        ]
        return matching[0] if len({r.get("id") or r.get("name") for r in matching}) == 1 else None

    def pick(self, index: int, kinds: Sequence[str]) -> dict[str, Any] | None:
        """The `index`-th (from 1) record of `kinds` as the last list we showed has it (the one record its line names),
        else as the tool listed them when we showed no list."""
        matching = [r for r in self.records if r.get("type") in kinds]
        if self.shown:
            line = self.shown[index - 1] if 1 <= index <= len(self.shown) else ""
            named = [r for r in matching if r.get("name") and str(r["name"]) in line]
            if len(named) == 1:
                return named[0]
            if any(sum(str(r.get("name") or "\0") in shown for r in matching) == 1 for shown in self.shown):
                return None  # a list with a line per record: the line picked names none of `kinds`
            said = "\n".join(self.shown)  # a view naming its deals in one line ("Deals: A (...); B (...)"): their order
            placed = sorted(
                {said.find(str(r["name"])): r for r in matching if r.get("name") and str(r["name"]) in said}.items()
            )
            return placed[index - 1][1] if 1 <= index <= len(placed) else None
        return matching[index - 1] if 1 <= index <= len(matching) else None


PART = "part_"  # the id prefix of a call made for one part of a message of several requests (`compound`)


def focus_of(history: Sequence[Message]) -> Focus:
    """The focus left by earlier turns (newest first): the records a view or list returned (their refs: type and id,
    kept even when the rest of the result is not replayed), the record a proposal targets, or the names it used.

    A turn that looked a name up and settled on no record (not found, or "which one" left unanswered) ends the focus
    before it: "update the zyxw deal" -> not found -> "ok move it to negotiation" is not about the deal shown before."""
    focus = Focus()
    calls = {c.id: c for m in history if m.role == "assistant" for c in m.tool_calls}
    searched = False  # a later turn looked a name up and settled on no record: "it" is that name now, not older focus
    unsettled = False  # the turn being read ended asking "which one" of several: none of its records is the focus
    parted = False  # the focus is the view of one part of a message of several requests
    misread = False  # the turn being read was not understood
    misread_said = ""  # what the user said in the turns after the focus that were not understood
    for message in reversed(history):
        if message.role == "assistant" and message.content and not message.tool_calls and not focus.records:
            unsettled = _ASKED_WHICH.match(message.content) is not None
            searched = searched or unsettled
            misread = _NOT_UNDERSTOOD.match(message.content) is not None
        if message.role == "user" and misread and not focus.records:
            misread_said += f" {message.content or ''}"
        if message.role == "tool" and message.tool_call_id in calls and unsettled:
            continue
        if message.role == "tool" and message.tool_call_id in calls:
            call = calls[message.tool_call_id]
            searched = searched or call.name == "search_crm"
            result = _loads(message.content)
            refs = [r for r in result.get("refs") or [] if isinstance(r, dict) and r.get("id")]
            if focus.draft is None:
                focus.draft = _draft(call.name, _loads(call.arguments), result, refs)
            if focus.records:
                if call.name.startswith("get_") and refs[:1] and refs[0].get("name"):
                    # "show me A and B": each part's view is in focus ("move it" then asks which)
                    parted = parted and message.tool_call_id.startswith(PART)
                    if parted:
                        focus.records.insert(0, refs[0])
                    else:
                        focus.behind.append(refs[0])
                continue
            arguments = _loads(call.arguments)
            if result.get("status") == "pending_approval":
                focus.records = _proposal_records(call.name, arguments)
            elif call.name.startswith("get_") or call.name in _ABOUT_ONE:
                focus.records = (
                    [r for r in refs[:1] if r.get("name")] or _proposal_records(call.name, arguments) or refs[:1]
                )
                parted = message.tool_call_id.startswith(PART) and call.name.startswith("get_")
                focus.people = [r for r in refs[1:] if r.get("type") == "contact"]
            elif call.name not in _NOT_FOCUS and refs:
                focus.records = refs
            if arguments.get("number") and len(focus.records) == 1 and focus.records[0].get("type") in ("ticket", None):
                focus.records[0]["number"] = arguments["number"]  # a ticket is named by its number
        if message.role == "user" and (focus.records or searched):
            break
    focus.said = next((m.content or "" for m in reversed(history) if m.role == "user"), "")
    focus.turns = _turns(history)
    answers = [m.content for m in history if m.role == "assistant" and m.content and not m.tool_calls]
    if answers:
        focus.answer = answers[-1]
        focus.shown = re.findall(r"^(?:- |\d+\. )(.+)$", answers[-1], re.M)
    names = _names(history, calls)
    for record in focus.records:
        record["name"] = record.get("name") or names.get(str(record.get("id")), "")
    if misread_said and any(
        record.get("name") and covers(str(record["name"]), misread_said) for record in focus.records
    ):
        focus.records = []  # "show me vera hansen at ironpath" - "now vera hansen at northpath" (not understood): "her"
        # is no one for sure
    return focus


_NOT_UNDERSTOOD = re.compile(r"^I can't help with that: I'm Nexa's offline assistant")
_ASKED_WHICH = re.compile(r"^Which one did you mean\?\n(?:.*\n)*?1\. .*\n2\. ", re.M)


def other_shown(history: Sequence[Message]) -> str | None:
    """What "the other one" names after two turns that each showed one record of one type ("show me ticket 1041",
    "now show me ticket 1053", "assign the other one to sam"): the one shown first ("ticket 1041", or its name)."""
    users = [i for i, m in enumerate(history) if m.role == "user"]
    if not users:
        return None
    now, before = focus_of(history).records, focus_of(history[: users[-1]]).records
    if len(now) != 1 or len(before) != 1 or now[0].get("type") != before[0].get("type"):
        return None
    if (now[0].get("id"), now[0].get("number")) == (before[0].get("id"), before[0].get("number")):
        return None
    if before[0].get("number"):
        return f"ticket {before[0]['number']}"
    return str(before[0].get("name") or "") or None


def _turns(history: Sequence[Message]) -> list[tuple[str, str]]:
    """Each user message of the conversation with the first line of the answer that closed its turn."""
    turns: list[tuple[str, str]] = []
    for message in history:
        if message.role == "user" and message.content:
            turns.append((message.content, ""))
        elif message.role == "assistant" and message.content and not message.tool_calls and turns:
            turns[-1] = (turns[-1][0], message.content.strip().splitlines()[0])
    return turns


# A question about what already passed between us and a person or company: calls, meetings, notes, emails ("recent
# calls with sarah johnson", "did i talk to her lately? what came out of it", "what got logged on the acme account?")
_CONTACT_ACT = re.compile(
    r"\b(?:calls?|meetings?|notes?|emails?|activit(?:y|ies)|touch\s*points?|interactions?|talk(?:ed)?|spoke|spoken|"
    r"speak|met|called|emailed|heard|logged)\b",
    re.I,
)
_PAST = re.compile(
    r"\b(?:recent(?:ly)?|last|latest|lately|logged|ever|so\s+far|history|did|had|was\s+said|came\s+out|"
    r"ha(?:ve|s)\s+(?:i|we|you|anyone|anybody|someone|somebody)|what'?s\s+been)\b",
    re.I,
)
HISTORY_KINDS = {"call": r"\bcall", "meeting": r"\b(?:meetings?|met)\b", "note": r"\bnotes?\b", "email": r"\bemail"}


def asks_history(text: str) -> str | None:
    """Whether a read asks what already passed with a record, and of which kind ("call", "meeting", "note", "email";
    "any" when it names none or several): None when it does not."""
    if not is_question(text) or not (_CONTACT_ACT.search(text) and _PAST.search(text)):
        return None
    kinds = [kind for kind, pattern in HISTORY_KINDS.items() if re.search(pattern, text, re.I)]
    return kinds[0] if len(kinds) == 1 else "any"


_RECAP = re.compile(
    r"\b(?:summar(?:y|i[sz]e)|recap|tl;?dr|sum\s+up)\b.{0,25}\b(?:this|our|the)\s+(?:thread|conversation|chat|discussion)\b"
    r"|\bwhat\s+(?:have|did)\s+we\s+(?:just\s+)?(?:cover(?:ed)?|discuss(?:ed)?|talk(?:ed)?\s+about|do(?:ne)?)\s+"
    r"(?:so\s+far|here|in\s+(?:this|our)\s+(?:thread|conversation|chat))\b",
    re.I,
)


def asks_recap(text: str) -> bool:
    """Whether the message asks for a recap of this conversation ("summarize this thread", "what did we cover?")."""
    return bool(_RECAP.search(text))


def _names(history: Sequence[Message], calls: dict[str, Any]) -> dict[str, str]:
    """Record names by id from the search results of the conversation (our own text, not other people's)."""
    names: dict[str, str] = {}
    for message in history:
        if (
            message.role == "tool"
            and message.tool_call_id in calls
            and calls[message.tool_call_id].name == "search_crm"
        ):
            for hit in _loads(message.content).get("data") or []:
                if isinstance(hit, dict) and hit.get("id"):
                    names[str(hit["id"])] = str(hit.get("name") or "")
    return names


@dataclass(frozen=True)
class Draft:
    """What "send it" sends: an email draft (`email_id`), a campaign email (`email_id`), or a deal's latest quote
    (`deal_id`; a quote has its id only once its proposal is approved)."""

    tool: str
    id: str


def _draft(tool: str, arguments: dict[str, Any], result: dict[str, Any], refs: list[dict[str, Any]]) -> Draft | None:
    """The draft a tool call left, if it made one."""
    if tool == "draft_email":
        found = next((str(r["id"]) for r in refs if r.get("type") in DRAFT_TYPES), None)
    elif tool == "draft_campaign_email":
        found = str((result.get("data") or {}).get("email_id") or "") or None
    elif tool == "draft_quote":
        found = str(arguments.get("deal_id") or "") or None
    else:
        return None
    return Draft(tool, found) if found else None


# A draft_email result's ref: its model's record_type, or "email_message" in conversations stored before models
# declared one (refs were then named after the table).
DRAFT_TYPES = (EmailMessage.record_type, "email_message")
_ABOUT_ONE = {"draft_email", "explain_score", "next_best_action", "summarize_account_status"}
# Lookups whose results are no record the conversation is about: name candidates, and help-center articles (a
# suggested reply cites them; the ticket it answers stays in focus).
_NOT_FOCUS = {"search_crm", "kb_search"}


def _proposal_records(tool: str, arguments: dict[str, Any]) -> list[dict[str, Any]]:
    """The records a proposed write is about: the person a new lead or contact names (not the account it joins), its
    target id."""
    if tool == "next_best_action" and arguments.get("record_id"):
        return [{"type": arguments.get("record_type"), "id": str(arguments["record_id"]), "name": ""}]
    if tool in ("create_lead", "create_contact") and arguments.get("first_name"):
        kind = "lead" if tool == "create_lead" else "contact"
        return [
            {"type": kind, "id": None, "name": f"{arguments['first_name']} {arguments.get('last_name', '')}".strip()}
        ]
    for key, kind in (("deal_id", "deal"), ("lead_id", "lead"), ("contact_id", "contact"), ("account_id", "account")):
        if arguments.get(key):
            return [{"type": kind, "id": str(arguments[key]), "name": ""}]
    if tool in ("update_ticket", "assign_ticket") and arguments.get("number"):
        return [{"type": "ticket", "id": None, "name": f"#{arguments['number']}"}]
    if tool == "create_deal" and arguments.get("deal_name"):
        return [{"type": "deal", "id": None, "name": arguments["deal_name"]}]
    if arguments.get("contact_ids"):
        return [{"type": "contact", "id": str(c), "name": ""} for c in arguments["contact_ids"]]
    if arguments.get("related_type") and arguments.get("related_id"):
        return [{"type": arguments["related_type"], "id": str(arguments["related_id"]), "name": ""}]
    return []


def _loads(text: str | None) -> dict[str, Any]:
    try:
        value = json.loads(text or "{}")
    except json.JSONDecodeError:
        return {}
    return value if isinstance(value, dict) else {}


_TEAM_NOUNS = (
    r"(?:deals|opportunities|opps|pipeline|tasks?|to-?dos?|numbers|quota|plate|calendar|meetings|leads|accounts|book|"
    r"forecast|activity|queue|tickets|stuff|(?<=biggest\s)deal|(?<=largest\s)deal|(?<=open\s)deal(?=\W*$))"
)
# a lookahead, so that matches overlap: "whats mikes pipeline" is tried at "mikes" too
_POSSESSOR = re.compile(
    r"(?=(?<!['’])\b([a-z]{2,})(?:['’]s\b|s['’]|(?<=s))\s+(?:[\w#-]+\s+){0,3}?" + _TEAM_NOUNS + r"\b)", re.IGNORECASE
)


def possessor(text: str, stop: frozenset[str]) -> str | None:
    """The one-word owner of a person's things ("emma's pipeline", "mikes deals in negotiation"; a possessive without its
    apostrophe is kept as written), not a `stop` word."""
    return next(
        (m[1] for m in _POSSESSOR.finditer(text) if m[1].lower() not in stop and m[1].lower() + "s" not in stop), None
    )


def stands_for_person(text: str, word: str) -> bool:
    """Whether a one-word name stands where a person does: before a verb or possessive ("what's emma got due", "john's
    closing"), or after one ("overdue for John", "what did john lose", "deals has carlos got")."""
    w = re.escape(word)
    return bool(
        re.search(
            rf"\b{w}(?:['’]s?|s['’])?\s+(?:is|was|doing|got|has|have|had|closing|closed|behind|working|won|lost|did|owes|sitting|holding|carrying)\b"
            rf"|\b(?:for|of|does|did|has|have|is|was|by)\s+{w}\b(?!\s*(?:['’]s)?\s+(?:account|deal|corp|inc|co)\b)",
            text,
            re.IGNORECASE,
        )
    )
