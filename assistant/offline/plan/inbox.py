"""The shared inbox: what waits on the caller, the threads of a view, a thread's summary, a thread handed to an agent."""

from __future__ import annotations

import re

from assistant.offline.areas import Asked
from assistant.offline.plan.core import PlanCore

_INBOX_NAME = re.compile(r"\b(support|sales|help|info)(?:@|\s+inbox\b)", re.I)
_BREACHED = re.compile(r"\b(?:breach\w*|overdue|late|past\s+due|sla)\b", re.I)


class InboxActs(PlanCore):
    """Plans of the shared-inbox reads and the thread assignment."""

    def do_inbox_waiting(self) -> None:
        data = self.call("inbox_waiting_on_me", limit=10)["data"]
        self.answer("inbox", threads=data["waiting"], title="Threads waiting on your reply", total=None)

    def do_inbox(self) -> None:
        """The threads of the view the words say (unassigned, mine, all), in the inbox they name, breached if asked."""
        lowered = self.text.lower()
        view = "unassigned" if "unassigned" in lowered else "mine" if re.search(r"\b(?:my|mine)\b", lowered) else "all"
        named = _INBOX_NAME.search(self.text)
        arguments = {
            "view": view,
            "sla": "breached" if _BREACHED.search(self.text) else None,
            "inbox": named[1].lower() if named else None,
            "limit": 10,
        }
        data = self.call("list_inbox_threads", **{k: v for k, v in arguments.items() if v is not None})["data"]
        where = f"the {named[1].lower()} inbox" if named else "the shared inbox"
        title = {"unassigned": "Unassigned threads", "mine": "Your threads", "all": "Threads"}[view] + f" in {where}"
        self.answer("inbox", threads=data["threads"], title=title, total=data["total"])

    def do_thread_summary(self, asked: Asked) -> None:
        self.answer("thread", d=self.call("summarize_inbox_thread", thread=asked.name or self.text)["data"])

    def do_assign_thread(self, asked: Asked) -> None:
        self.writing = True
        self.write("assign_inbox_thread", thread=asked.name or self.text, assignee=str(asked.who))
