"""Requests about the areas around the core records: contact lists and campaigns (marketing), commissions, the
product catalog, quotes and orders, an account's health, and the shared inbox.

Each is told by the words that name its area ("the VIP list", "campaign", "commission", "inbox", "orders"); a how-to
question about them ("how do I add contacts to a list?") is the help center's, and words about tasks or tickets keep
their own meaning ("my to-do list", "tickets waiting on me").
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from assistant.offline.dialogue import is_howto, is_question, opens_with_command

_LIST_NOUN = r"(?:contact\s+|mailing\s+|marketing\s+|email\s+)?(?:list|segment)\b"
# "on the VIP list", "to our Enterprise Prospects list", "the vip list": the words before "list" name it.
_NAMED_LIST = re.compile(
    r"\b(?:on|in|to|onto|into|from|off|of|the|our|my)\s+(?:the\s+|our\s+|my\s+|that\s+)?"
    rf"(?P<name>[\w&'-]+(?:\s+[\w&'-]+){{0,3}}?)\s+{_LIST_NOUN}",
    re.I,
)
_NOT_LISTS = frozenset(
    "to-do todo do task tasks my call calls hit wish price short waiting reading the a an this that our whole full "
    "entire same new static dynamic contact mailing marketing email".split()
)
_LISTS = re.compile(
    r"\b(?:contact|mailing|marketing|email)\s+lists\b|\b(?:lists|segments)\b(?!\s+of\b)"
    r"|\bwhat\s+lists?\b|\bwhich\s+lists?\b",
    re.I,
)
# The opening of a request to add someone to something (any case: the list name after it may be case-sensitive).
_ADDING = r"(?i:^\W*(?:(?:please|pls|can\s+you|could\s+you|and|also|ok(?:ay)?|now)[,\s]+)*(?:add|put|include|stick|throw|drop)\s+)"
_ADD_TO = re.compile(
    _ADDING
    + r"(?P<who>.+?)\s+(?:on|to|in|into|onto)\s+(?:the\s+|our\s+|my\s+)?(?P<name>[\w&'-]+(?:\s+[\w&'-]+){0,3}?)\s+"
    + _LIST_NOUN,
    re.I,
)
# "put lisa chen on VIP pls", "add tom to Enterprise Prospects": a capitalised name that may be a list's.
_ADD_TO_NAMED = re.compile(
    _ADDING + r"(?!(?:a|an|the|this|that|my|our|some|new)\b)(?P<who>[\w' -]+?)\s+(?:on|to|in|into|onto)\s+(?:the\s+)?"
    r"(?P<name>[A-Z][\w&'-]*(?:\s+[A-Z][\w&'-]*){0,2})(?:\s+(?:pls|please|asap|thanks?|thx))?\W*$"
)
# "add tom smith to it" after "who's on the VIP list": the list the previous message named.
_ADD_TO_IT = re.compile(
    _ADDING + r"(?P<who>.+?)\s+"
    r"(?:on|to|in|into|onto)\s+(?:it|that|this|that\s+one|(?:that|this|the)\s+list|(?:that|this|the)\s+segment)\W*$",
    re.I,
)
# "who's in enterprise prospects": people in something that may be a list.
_WHO_IN = re.compile(r"\bwho(?:'?s|\s+is|\s+are)\s+(?:in|on)\s+(?:the\s+)?(?P<name>[\w&' -]+?)\W*$", re.I)
_CAMPAIGN_EMAIL = re.compile(
    r"\b(?:draft|write|compose|prepare|set\s+up|put\s+together)\b.{0,40}\b(?:e-?mails?|blasts?|newsletters?)\b", re.I
)
_QUOTE = re.compile(r"\bquot(?:e|es|ed)\b(?!\s+me\s+on\b)", re.I)
# "create a task to send the quote", "remind me to quote acme": a task whose subject is a quote.
_TASKED = re.compile(r"\b(?:task|reminder|remind\s+me|to-?do|follow[\s-]?up)\b", re.I)
# "send the quote to ...", "email sarah the acme quote": the quote is what is sent (not "email sarah about the quote").
_SENDING = re.compile(
    r"^\W*(?:(?:please|pls|ok(?:ay)?|now|can\s+you|could\s+you|go\s+ahead\s+and)[,\s]+)*"
    r"(?:send|e-?mail|shoot|fire\s+off|mail)\s+(?:over\s+|out\s+)?(?:[\w.@-]+\s+)?(?:the|that|this|our|my)\s+"
    r"(?:[\w-]+\s+){0,2}?quotes?\b",
    re.I,
)
_DRAFTING_QUOTE = re.compile(
    r"\b(?:draft|make|create|prepare|build|put\s+together|write|generate|whip\s+up|start|need)\s+(?:me\s+|us\s+)?"
    r"(?:(?:a|an|the|up\s+a)\s+)?(?:[\w-]+\s+){0,2}?quote\b"
    r"|^\W*(?:(?:please|pls|can\s+you|could\s+you)[,\s]+)*quote\b",
    re.I,
)
# "send the Q4 promo email to the VIP list", "send out our nurture blast": a campaign's email, not one person's.
_SEND_CAMPAIGN = re.compile(
    r"^\W*(?:(?:please|pls|ok(?:ay)?|now|go\s+ahead\s+and)[,\s]+)*send\s+(?:out\s+)?(?:the|our|this|that)\s+"
    r"(?:[\w&'-]+\s+){0,4}?(?:e-?mail|blast|newsletter|campaign)\b",
    re.I,
)
_NEW_PRODUCT = re.compile(
    r"^\W*(?:(?:please|pls)\s+)?(?:add|create|set\s+up|make)\s+(?:a\s+)?(?:new\s+)?products?\b", re.I
)
_ROLLED_UP = re.compile(
    r"\broll(?:ed)?[\s-]?up\s+(?:view|numbers|totals?|figures|revenue)\b|\bconsolidated\b|\bsubs(?:idiaries)?\s+included\b"
    r"|\bincluding\s+(?:its\s+|their\s+|the\s+|all\s+)?subs(?:idiaries)?\b|\bgroup[\s-]wide\b|\bwhole\s+group\b",
    re.I,
)
_CAMPAIGN = re.compile(r"\bcampaigns?\b|\bnewsletters?\b|\bpromos?\b|\bnurture\b|\be-?mail\s+blasts?\b", re.I)
_PLURAL_CAMPAIGNS = re.compile(
    r"\bcampaigns\b|\b(?:what|which|any)\b.{0,30}\b(?:running|live|active|going\s+on|on\s+right\s+now)\b", re.I
)
_COMMISSION = re.compile(
    r"\bcommissions?\b|\bcomp\s+statement\b|\bpayouts?\b"
    r"|\bhow\s+much\b.{0,30}\b(?:have\s+i|did\s+i|i(?:'ve)?|has\s+\w+|did\s+\w+)\s+(?:earned|made|earn|make)\b",
    re.I,
)
_PRODUCTS = re.compile(
    r"\b(?:products?|catalog(?:ue)?|skus?|price\s+list)\b|\b(?:list\s+)?price\b|\bpricing\b|\bhow\s+much\s+(?:is|does|do|are)\b"
    r"|\bcosts?\b",
    re.I,
)
_CATALOG = re.compile(r"\b(?:products|catalog(?:ue)?|price\s+list|what\s+do\s+we\s+sell|skus)\b", re.I)
_RECORD_WORDS = re.compile(r"\b(?:deals?|opps?|opportunit(?:y|ies)|pipeline|quotes?|tickets?|leads?)\b", re.I)
_ORDERS = re.compile(
    r"\borders\b|\bordered\b|\border\s+(?:history|status)\b|\b(?:an|any|the|their|last|latest|recent|first)\s+order\b(?!\s+form)",
    re.I,
)
_HEALTH = re.compile(r"\bhealth(?:y)?\b|\bchurn\b|\blifetime\s+value\b|\bltv\b", re.I)
_INBOX = re.compile(
    r"\binbox(?:es)?\b|\b(?:support|sales|help|info)@|\b(?:e-?mail\s+)?threads?\b(?!\s+(?:count|safe))"
    r"|\be-?mails?\b(?=.{0,40}\b(?:waiting|unanswered|unassigned)\b)",
    re.I,
)
_WAITING = re.compile(
    r"\bwaiting\s+(?:on|for)\s+(?:me|my)\b|\bowe\b.{0,25}\b(?:repl|answer|response)|\bneeds?\s+(?:a\s+|my\s+)?(?:reply|answer|response)\b"
    r"|\bunanswered\b|\bi\s+(?:need|have)\s+to\s+(?:reply|answer|respond)\b",
    re.I,
)
_SUMMARY = re.compile(r"\bsummar(?:y|i[sz]e)\b|\brecap\b|\btl;?dr\b|\bgist\b|\bcatch\s+me\s+up\b", re.I)
_ASSIGN_THREAD = re.compile(
    r"\b(?:assign|give|hand|pass|route)\s+(?:over\s+)?(?P<thread>.+?)\s+(?:over\s+)?to\s+(?P<who>[\w.@-]+(?:\s+[a-z]+)?)\W*$",
    re.I,
)
_SHOW = re.compile(r"^\W*(?:(?:please|pls)\s+)?(?:list|show|check|open|pull\s+up|any|anything)\b", re.I)


@dataclass(frozen=True)
class Asked:
    """The act a request asks for in one of these areas, with the name or words it gives (a list's name, the thread)."""

    act: str
    name: str | None = None
    who: str | None = None
    sure: bool = True  # False: the name may be no list (or campaign): the act then leaves the request to other readings


def list_name(text: str) -> str | None:
    """The contact list a message names ("who's on the VIP list" -> "VIP"), not a to-do or call list."""
    for m in _NAMED_LIST.finditer(text):
        words = [w for w in m["name"].split() if w.lower() not in _NOT_LISTS]
        if words and m["name"].split()[-1].lower() not in _NOT_LISTS:
            return " ".join(words)
    return None


def asked_area(text: str, said: str = "") -> Asked | None:
    """What a request asks of lists, campaigns, commissions, the catalog, orders, an account's health or the shared
    inbox; None when it is about none of them (or is a how-to question for the help center). `said` is the user's
    previous message, which "it" in "add tom to it" may point back to."""
    if is_howto(text):
        return None
    if (
        (added := _ADD_TO_IT.match(text))
        and (before := asked_area(said)) is not None
        and before.act in ("list_members", "add_to_list")
    ):
        return Asked("add_to_list", name=before.name, who=added["who"], sure=before.sure)
    if _INBOX.search(text) and (inboxed := _inbox(text)) is not None:
        return inboxed
    if (added := _ADD_TO.search(text)) and list_name(f"the {added['name']} list"):
        return Asked("add_to_list", name=list_name(f"the {added['name']} list"), who=added["who"])
    if added := _ADD_TO_NAMED.match(text):
        return Asked("add_to_list", name=added["name"], who=added["who"], sure=False)
    if _QUOTE.search(text) and not _TASKED.search(text):
        if _SENDING.search(text) or _DRAFTING_QUOTE.search(text):
            return Asked("send_quote" if _SENDING.search(text) else "quote")
        if is_question(text) or _SHOW.match(text):
            return Asked("quotes")  # not "remind me to send the quote friday": a task's

    if _SEND_CAMPAIGN.search(text) and _CAMPAIGN.search(text):
        return Asked("send_campaign", name=list_name(text))
    if _CAMPAIGN_EMAIL.search(text) and (_CAMPAIGN.search(text) or list_name(text)):
        return Asked("campaign_email", name=list_name(text))
    if _NEW_PRODUCT.search(text):
        return Asked("create_product")
    if _CAMPAIGN.search(text):
        return Asked("campaigns" if _PLURAL_CAMPAIGNS.search(text) else "campaign")
    named = list_name(text)
    if named:
        return Asked("list_members", name=named)
    if who_in := _WHO_IN.search(text):
        return Asked("list_members", name=who_in["name"], sure=False)
    if _LISTS.search(text):
        return Asked("lists")
    if _COMMISSION.search(text):
        return Asked("commissions")
    if _ORDERS.search(text) and not re.search(r"\bin\s+order\s+to\b", text, re.I):
        return Asked("orders")
    if _HEALTH.search(text) and (is_question(text) or _SHOW.match(text)):
        return Asked("account_health")  # not "escalate 1054, they're threatening to churn"
    if _ROLLED_UP.search(text):
        return Asked("consolidated")
    if _PRODUCTS.search(text) and not _RECORD_WORDS.search(text) and not opens_with_command(text):
        return Asked("catalog" if _CATALOG.search(text) else "price")
    return None


def _inbox(text: str) -> Asked | None:
    """A request about the shared inbox: what waits on the caller, a thread's summary, a thread handed to someone,
    or its threads; None for words that only look alike ("thread" in a ticket's sense is kept when the inbox is named)."""
    if (handed := _ASSIGN_THREAD.search(text)) and re.search(r"\bthread\b", handed["thread"], re.I):
        return Asked("assign_thread", name=_thread_words(handed["thread"]), who=handed["who"])
    if _WAITING.search(text):
        return Asked("inbox_waiting")
    if _SUMMARY.search(text) and re.search(r"\bthread\b", text, re.I) and _thread_words(text):
        return Asked("thread_summary", name=_thread_words(text))  # not "summarize this thread": no thread named
    if re.search(r"\binbox(?:es)?\b|@", text, re.I) and (
        is_question(text) or _SHOW.match(text) or re.search(r"\b(?:threads|e-?mails|conversations)\b", text, re.I)
    ):
        return Asked("inbox")  # not "qualify her: ... needs a shared inbox"
    return None


_THREAD_NOISE = re.compile(
    r"\b(?:please|pls|can|could|you|u|summar(?:y|i[sz]e)|recap|tl;?dr|gist|catch|me|up|on|of|the|a|an|that|this|"
    r"thread|e-?mail|in|inbox|shared|support|sales|assign|give|hand|pass|route|over|from|with|about|re)\b|[^\w\s'@.-]",
    re.I,
)


def _thread_words(text: str) -> str:
    """The words that tell a thread apart ("the thread from Globex about SSO" -> "Globex SSO")."""
    return " ".join(_THREAD_NOISE.sub(" ", text).split())
