"""Contact lists and campaigns: what lists there are and who is on one, adding contacts to a list, the campaigns and
how one did, drafting and sending a campaign's email."""

from __future__ import annotations

import re
from typing import Any

from assistant.offline.areas import Asked
from assistant.offline.linking import best_named
from assistant.offline.plan.core import PlanCore
from prompts import render

_CAMPAIGN_NAMED = re.compile(r"\bthe\s+(.+?)\s+campaign\b|\bcampaign\s+(?:called|named)\s+[\"']?(.+?)[\"']?\W*$", re.I)
_SUBJECT = re.compile(
    r"\bsubject(?:\s+line)?\s*(?:[:=-]|is|of)?\s*[\"'‘“]?(.+?)[\"'’”]?\s*(?:,|;|\s-\s|\s+(?:and\s+)?say\w*\b|$)", re.I
)
_SAYING = re.compile(r"\b(?:say|saying|tell(?:ing)?\s+them|letting\s+them\s+know)\s+(?:that\s+)?(.+?)\W*$", re.I)
_ACTIVE = re.compile(r"\b(?:running|live|active|current(?:ly)?|going\s+on|on\s+right\s+now|in\s+flight)\b", re.I)
_PRONOUN = re.compile(r"^(?:him|her|them|this\s+one|that\s+one|this\s+person|that\s+person|it)$", re.I)
_SEPARATOR = re.compile(r"\s*(?:,|&|\band\b|\bplus\b)\s*", re.I)


class MarketingActs(PlanCore):
    """Plans of the marketing reads and the one marketing write the assistant proposes (adding to a list)."""

    def do_lists(self) -> None:
        self.answer("lists", d=self.call("list_contact_lists")["data"])

    def do_list_members(self, asked: Asked) -> None:
        """Who is on the list the words name (its name matched among the lists, "the enterprise list" included)."""
        name = self._list(asked)
        if name is not None:
            self.answer("list_members", d=self.call("list_members", list_name=name, limit=20)["data"])

    def do_add_to_list(self, asked: Asked) -> None:
        """Propose adding the contacts named before "to the ... list" (or the one in focus for "her")."""
        name = self._list(asked)
        if name is None:
            return  # "add tom to Acme": no list of that name
        ids: list[str] = []
        for who in _SEPARATOR.split(str(asked.who or "").strip()):
            self.slots = {**self.slots, "name": None if not who or _PRONOUN.match(who) else who}
            ids.append(str(self.find(["contact"], what="a contact")["id"]))
        self.writing = True
        self.write("add_to_list", list_name=name, contact_ids=list(dict.fromkeys(ids)))

    def do_campaigns(self) -> None:
        data = self.call("list_campaigns")["data"]
        campaigns = data["campaigns"]
        if _ACTIVE.search(self.text):
            campaigns = [c for c in campaigns if c["status"] == "active"]
        self.answer("campaigns", campaigns=campaigns, active=bool(_ACTIVE.search(self.text)))

    def do_campaign(self) -> None:
        """How the campaign the words name did; the campaigns when none (or more than one) is named."""
        campaigns = self._campaigns()
        named = best_named([c["name"] for c in campaigns], self.text)
        if named is None:
            asked = _CAMPAIGN_NAMED.search(self.text)
            self.answer("campaigns", campaigns=campaigns, active=False, missing=asked[1] if asked else None)
        self.answer("campaign", d=self.call("campaign_metrics", campaign=named)["data"])

    def do_campaign_email(self, asked: Asked) -> None:
        """Save a campaign email (not sent) with the subject said and the words after "say"; a manager sends it."""
        campaigns = self._campaigns()
        named = best_named([c["name"] for c in campaigns], self.text)
        if named is None:
            self.need("campaign", hint="Which campaign is it for? " + ", ".join(c["name"] for c in campaigns) + ".")
        listed = self._list(asked) if asked.name else None
        subject = _SUBJECT.search(self.text)
        said = _SAYING.search(self.text)
        title = subject[1].strip() if subject else f"News from {named}"
        body = render("emails/campaign_draft.html", message=(said[1].strip() if said else title).rstrip(". "))
        arguments = {"campaign": named, "subject": title, "body": body, "list_name": listed}
        data = self.call("draft_campaign_email", **{k: v for k, v in arguments.items() if v})["data"]
        self.answer("campaign_draft", d=data, subject=title)

    def do_send_campaign(self, asked: Asked) -> None:
        """Propose sending the named campaign's latest unsent email (to the list said instead, when one is); a rep
        is told who sends campaign email."""
        campaigns = self._campaigns()
        named = best_named([c["name"] for c in campaigns], self.text)
        if named is None:
            self.need("campaign", hint="Which campaign? " + ", ".join(c["name"] for c in campaigns) + ".")
        emails = self.call("campaign_metrics", campaign=named)["data"].get("emails")
        if emails is None:
            self.answer("error", field=None, reason="campaign email is sent by a manager or an admin.")
        unsent = [e for e in emails if e["status"] == "draft"]
        if not unsent:
            self.answer("error", field=None, reason=f"{named} has no unsent email; draft one first.")
        self.writing = True
        listed = self._list(asked) if asked.name else None
        self.write("send_campaign_email", email_id=unsent[-1]["email_id"], list_name=listed)

    def _campaigns(self) -> list[dict[str, Any]]:
        return list(self.call("list_campaigns")["data"]["campaigns"])

    def _list(self, asked: Asked) -> str | None:
        """The list's exact name: the one whose words the request says; else the words as said when "list" was said
        (the tool then names the lists there are), None when not."""
        if not asked.sure and "list_contact_lists" not in self.tools:
            return None  # "who's on the acme account?" from a role without lists: another reading's
        lists = [row["name"] for row in self.call("list_contact_lists")["data"]["lists"]]
        exact = [n for n in lists if n.lower() == str(asked.name).lower()]
        found = exact[0] if exact else best_named(lists, str(asked.name))
        return found or (str(asked.name) if asked.sure else None)
