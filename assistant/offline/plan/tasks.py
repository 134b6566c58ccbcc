"""Task plans: creating, finishing and re-prioritising a task, and the caller's or a teammate's task lists."""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Collection
from datetime import date, timedelta
from typing import Any

from assistant.offline.guard import name_words, same_word
from assistant.offline.linking import candidate_line, covers
from assistant.offline.plan.core import ANYTHING, PlanCore
from assistant.offline.slots import NUMBERED_TASK, STOPWORDS, clauses, find_date, tokens


def _task_words(text: str) -> str:
    """The words of a message that can name a task (its title's words and numbers: "follow up #28" -> "follow 28")."""
    return " ".join(t.text for t in tokens(text) if t.key not in STOPWORDS | _TASK_NOISE or t.key.isdigit()).strip()


_WHOSE_TASKS = re.compile(r"^([A-Z][a-z]+)(?: [A-Z][\w'-]+)*'s open tasks\b")  # "Emma Wilson's open tasks ...:"
_UNTIL = re.compile(
    r"\b(?:between\s+now\s+and|from\s+now\s+(?:un)?til|(?:un)?til|(?:due\s+)?by|(?:due\s+)?(?P<before>before))\s+"
    r"(?P<day>\S.*?)\W*$",
    re.I,
)  # "... and sunday", "due by fri", "before friday" (the day before)
_FOR_WHOM = re.compile(
    r"\bfor\s+(?!(?:me|myself|us|him|her|them|today|tomorrow)\b)([a-z]+)\W*$", re.I
)  # "... for carlos"
_IN_PROGRESS = re.compile(r"\bin[\s-]progress\b|\bstarted\b|\bunderway\b", re.I)
_WHO_ON_TEAM = re.compile(r"\bwho\s+(?:on|in|of)\s+(?:my|our|the)\s+team\b|\bwhich\s+(?:rep|teammate|person)\b", re.I)
_FOR_TEAMMATE = re.compile(
    r"\b(?:task|reminder|to-?do)\s+for\s+(?!(?:me|myself|us|the|a|him|her|them)\b)([a-z]+)(?:\s*[:,-]|\s+to\b)"
    r"|\bremind\s+(?!me\b|us\b)([a-z]+)\s+to\b|\b(?:have|get|ask)\s+(?!me\b|us\b)([a-z]+)\s+to\b"
    r"|\b(?:give|assign|set|make|create)\s+(?!(?:me|us|myself|up|it|this|that|them|him|her)\b)([a-z]+)\s+an?\s+"
    r"(?:(?:new|quick|high|low|urgent|top|priority|follow[- ]?up)[\s-]+){0,3}(?:task|reminder|to-?do)\b"
    r"|\b(?:nudge|ping|poke|tell)\s+(?!me\b|us\b)([a-z]+)\b(?=.*\b(?:task|reminder|to-?do)\s+for\s+(?:him|her)\b)",
    re.I,
)  # "pls nudge mike - create a task for him to ...": mike
# A task for a person said only as "him" or "her": "a task for him to ...", "give her a task"
_FOR_PRONOUN = re.compile(
    r"\b(?:task|reminder|to-?do)\s+for\s+(?:him|her)\b|\b(?:give|assign)\s+(?:him|her)\s+an?\s+(?:[\w-]+\s+){0,3}?"
    r"(?:task|reminder|to-?do)\b",
    re.I,
)
# A question for the teammate with the most tasks: "whose overdue list is longest", "who has the most late tasks"
_MOST_WHO = re.compile(r"\b(?:who|whose|which\s+(?:rep|teammate|person))\b.*\b(?:most|longest|biggest|worst)\b", re.I)
_MOST_LINE = re.compile(r"^Most: ([A-Z][\w'-]*)[^\n]*? \(\d+\)\.$", re.M)  # our answer to it: "Most: Emma Wilson (3)."
# Words that close a task the product keeps (it deletes none): "kill follow up #17", "scrap the demo task".
_CLOSING_WORDS = (
    "nuke",
    "kill",
    "scrap",
    "ditch",
    "axe",
    "bin",
    "drop",
    "cancel",
    "terminate",
    "remove",
    "delete",
    "clear",
)
COMPLETE_TASK = re.compile(
    r"\b(?:complete|finish(?:ed)?|tick\s+off|check\s+off|cross\s+off|close(?:\s+out)?|done\s+with)\s+(?:\S+\s+){0,6}?tasks?\b"
    rf"|\b(?:complete|finish(?:ed)?|done\s+with|close(?:\s+out)?|mark\s+off)\s+(?:the\s+|my\s+)?{NUMBERED_TASK}"  # "done with follow up #33"
    rf"|\b(?:tasks?|{NUMBERED_TASK})\s+(?:as\s+|is\s+|to\s+)?(?:done|complete(?:d)?|finished)\b"
    rf"|\b(?:{'|'.join(_CLOSING_WORDS)}|get\s+rid\s+of)\s+(?:the\s+|that\s+|my\s+)?"
    rf"(?:{NUMBERED_TASK}|(?:\S+\s+){{0,4}}?task)\b",
    re.I,
)
DONE_WITH_IT = re.compile(
    r"\b(?:tick|check|cross)\s+(?:it|that|this)\s+off\b|(?:^|[,;]|\s[-–—])\W*(?:ok(?:ay)?\W+|and\W+|so\W+)?(?:please\s+|pls\s+)?mark\s+(?:it|that|this|the\s+(?:[\w'-]+\s+){1,4}?(?:one|task))\s+"
    r"(?:as\s+)?(?:done|complete(?:d)?|finished)\b",
    re.I,
)
_TASK_NOISE = frozenset(
    {
        "task",
        "tasks",
        "done",
        "complete",
        "completed",
        "finish",
        "finished",
        "tick",
        "cross",
        "off",
        "out",
        "todo",
        "reminder",
        "reminders",
        "morning",
        "overdue",
        "one",
        "mark",
        "rid",
        *_CLOSING_WORDS,
    }
)


class TaskActs(PlanCore):
    """Plans over tasks."""

    def do_team_tasks(self) -> None:
        period = self.slots.get("period") or (
            "overdue" if re.search(r"\bbehind\b|\boverdue\b|\blate\b", self.text, re.I) else None
        )
        person = None if _WHO_ON_TEAM.search(self.text) else self.slots.get("person")  # "who on my team is furthest
        # behind": the whole team's, not a person named "furthest"
        result = self._as_teammate("team_tasks", "person", person=str(person) if person else None, period=period)
        if not result.get("ok"):
            error = result.get("error", {})
            self.answer("error", field=error.get("field"), reason=error.get("reason", "it failed"))
        data = result["data"]
        counts = Counter(str(t["assignee"]) for t in data["tasks"] if t.get("assignee"))
        ranked = counts.most_common(2)
        most = ranked[0] if person is None and ranked and _MOST_WHO.search(self.text) else None
        if most and len(ranked) > 1 and ranked[1][1] == most[1]:
            most = None  # a tie names no one
        self.answer(
            "tasks",
            tasks=data["tasks"],
            period=period,
            person=data["person"],
            team=person is None,
            label="overdue" if period == "overdue" else "",
            most=most,
        )

    def do_create_task(self) -> None:
        assignee = None
        named = _FOR_TEAMMATE.search(self.text)
        who = next((group for group in named.groups() if group), "") if named else str(self.slots.get("assignee") or "")
        if who and find_date(who, self.model.now().date()) is None:
            # "a task for john: ...": a teammate, unless a CRM record goes by that name ("a task for tomorrow": a day)
            hits = self.call("search_crm", query=who, types=ANYTHING, limit=8)["data"]
            if not any(same_word(who.lower(), (name_words(str(h.get("name") or "")) or [""])[0]) for h in hits):
                if self.role not in ("manager", "admin"):
                    self.answer(
                        "error",
                        field="assignee",
                        reason="only managers (for their team) and admins give tasks to others.",
                    )
                assignee = who
                self.within_reach(who, f"give {who.capitalize()} a task")
        if (
            not assignee
            and self.role in ("manager", "admin")
            and _FOR_PRONOUN.search(self.text)
            and self.focus.of(["contact", "lead"]) is None
        ):  # "create a task for him to clear them by monday" with no one in focus: asked, never the caller's own task
            if top := _MOST_LINE.search(self.focus.answer):
                assignee = top[1].lower()  # "give her a task ..." after "whose overdue list is longest": that teammate
                self.within_reach(assignee, f"give {top[1]} a task")
            else:
                self.slots = {**self.slots, "assignee": None}
                self.need("assignee", hint="Who is the task for (a teammate's name)?")
        self.need("title", hint="What should I remind you to do?")
        kind = self.slots.get("related_kind")
        related = self.find([str(kind)] if kind in ANYTHING else ANYTHING, what="a record", required=bool(kind))
        title = str(self.slots["title"])
        if related and related.get("name") and not self.slots.get("name"):
            title = re.sub(r"\b(?:him|her|them|it)\b", related["name"], title, count=1)
        self.write(
            "create_task",
            title=title,
            due_date=self.slots.get("due_date"),
            priority=self.slots.get("priority"),
            related_type=related and related["type"],
            related_id=related and related["id"],
            assignee=assignee,
        )

    def do_task_priority(self, named: str, priority: str, rest: str | None) -> None:
        """Set the priority of one open task the words name: the caller's, or the teammate's a possessive names; and
        the due date a further clause gives ("... high priority and move it to monday")."""
        owner = re.match(r"([a-z]+)['’]s\s+", named, re.I)
        task = self._task(named[owner.end() :] if owner else named, owner[1] if owner else None)
        due = find_date(rest, self.model.now().date()) if rest else None
        self.write(
            "update_task", task_id=task["id"], priority=priority.lower(), **({"due_date": due.value} if due else {})
        )

    def do_task_due(self, words: str, due: date) -> None:
        """Give one open task the words name a new due date: the caller's, or the teammate's a possessive names."""
        owner = re.match(r"([a-z]+)['’]s\s+", words, re.I)
        task = self._task(words[owner.end() :] if owner else words, owner[1] if owner else None)
        self.write("update_task", task_id=task["id"], due_date=due)

    def do_complete_task(self) -> None:
        """Mark one open task done: the caller's, or the teammate's the message names ("close out mike's follow up #16
        task", "close out follow up #23 for carlos")."""
        said = COMPLETE_TASK.search(self.text) or DONE_WITH_IT.search(self.text)
        assert said is not None
        parts = clauses(self.text)
        clause = next((c.value for c in parts if COMPLETE_TASK.search(c.value)), said[0])
        if not _task_words(clause):  # "finished the follow up with X, tick it off": the words of another clause
            clause = next((c.value for c in parts if _task_words(c.value)), clause)
        if not _task_words(clause) and len(self.focus.shown) == 1:  # "mark it done" after a list of one task
            clause = re.sub(r"\s+\((?:due|overdue)\b.*$", "", self.focus.shown[0])
        owner = re.search(r"\b([a-z]+)['’]s\b", clause, re.I)
        if owner is None and self.role in ("manager", "admin"):
            owner = _FOR_WHOM.search(clause)  # "close out follow up #23 for carlos" (a rep's "... for acme" is no one)
        words = clause[: owner.start()] + clause[owner.end() :] if owner else clause
        task = self._task(words, owner[1] if owner else None)
        self.write("update_task", task_id=task["id"], status="done")

    def _task(self, words: str, owner: str | None) -> dict[str, Any]:
        """The one open task whose title holds every word the user wrote about it (typos allowed; a number as
        written: "follow up #28"), else whose title and the name of the record it is about hold them ("the follow up
        with ava ito"), among the caller's or the named teammate's; several are asked back, none is said."""
        key = _task_words(words)
        if not key:
            self.need("name", hint="Which task (a few words of its title)?")
        listed = [r for r in self.focus.records if r.get("type") == "task" and r.get("id")]
        shown = [re.sub(r"\s+\((?:due|overdue)\b.*$", "", line) for line in self.focus.shown]
        if listed and len(shown) == len(listed):  # "give follow up #17 to john" after mike's tasks: our list's line
            held = [i for i, line in enumerate(shown) if covers(key, line)]
            if len(held) == 1:
                return listed[held[0]]
        whose = _WHOSE_TASKS.match(self.focus.answer)
        owner = owner or (whose[1] if whose and listed else None)  # "the yara quist one" of emma's tasks: hers
        if owner and owner.lower() not in ("my", "our", "me", "i"):
            return self._teammate_task(key, owner, shown={str(r["id"]) for r in listed})
        tasks = self.call("my_tasks")["data"]["tasks"]
        lines = [
            {
                "name": t["title"],
                "type": "task",
                "detail": f"due {t['due_date']}" if t.get("due_date") else "",
                "id": t["id"],
            }
            for t in tasks
            if t.get("status") != "done"
        ]
        matched = [line for line in lines if covers(key, line["name"])]
        if not matched:  # the words name what the task is about, not only its title
            described = self.attempt("find_tasks", description=key)
            ids = {t["id"] for t in described.get("data") or []} if described.get("ok") else set()
            matched = [line for line in lines if line["id"] in ids]
        if not matched and self.role in ("manager", "admin") and re.search(r"\d", key):
            team = self.attempt("find_tasks", description=key, team=True)  # "assign follow up #17 to john": whoever's
            if len(found := team.get("data") or []) == 1:
                return {"type": "task", "id": found[0]["id"], "name": ""}
        if (
            len(matched) > 1
            and len(among := [m for m in matched if str(m["id"]) in {str(r["id"]) for r in listed}]) == 1
        ):
            matched = among  # "the yara quist one is done" after a list: the one of those our last answer listed
        picked = [line for line in matched if candidate_line(line) == self.slots.get("pick")]
        if len(matched) > 1 and len(picked) == 1:
            matched = picked
        if not matched:
            self.answer("not_found", what="an open task", name=key, writing=self.writing)
        if len(matched) > 1:
            self.answer("clarify", candidates=matched[:4], confirm=False)
        return matched[0]

    def _teammate_task(self, key: str, owner: str, shown: Collection[str] = ()) -> dict[str, Any]:
        """The one open task of a teammate the words name (`find_tasks`: a teammate's titles are their own text, and a
        turn that reads them proposes no write, so they are matched where they are kept and never read here); among
        several, the one of those our last answer listed."""
        key = " ".join(w for w in key.split() if w.lower() != owner.lower()) or key  # "john has an overdue follow up"
        found = self.call("find_tasks", description=key, person=owner)["data"]
        today = self.model.now().date().isoformat()
        if len(found) > 1 and re.search(r"\boverdue\b", self.text, re.I):  # "john has an overdue follow up": that one
            found = [t for t in found if str(t.get("due_date") or "9999") < today] or found
        if len(found) > 1 and len(listed := [t for t in found if str(t["id"]) in shown]) == 1:
            found = listed
        if not found:
            self.answer("not_found", what=f"an open task of {owner.capitalize()}'s", name=key, writing=self.writing)
        if len(found) > 1:
            self.answer(
                "error",
                field=None,
                reason=f'{len(found)} of {owner.capitalize()}\'s open tasks match "{key}". Which one did you mean? Say '
                f'more of its title ("{owner}\'s tasks" lists them).',
            )
        return {"type": "task", "id": found[0]["id"], "name": ""}

    def do_my_tasks(self) -> None:
        period, within = self.slots.get("period"), self.slots.get("within_days")
        label = f"due in the next {within} days"
        if not period and not within and re.search(r"\b(?:due|for)\s+(?:tomorrow|tmrw|tmr)\b", self.text, re.I):
            within, label = 1, "due by tomorrow"  # "tasks due tmrw?": the late ones, today's and tomorrow's
        today = self.model.now().date()
        until = _UNTIL.search(self.text) if not period and not within else None
        if until and (day := find_date(until["day"], today)) is not None and day.value > today:
            last = day.value - timedelta(days=1) if until["before"] else day.value
            within, label = (last - today).days, f"due by {last.isoformat()}"  # "between now and sunday"
        if within:
            data = self.call("my_tasks", period=None, include_done=False, within_days=within)["data"]
            self.answer("tasks", tasks=data["tasks"], period=None, label=label)
        data = self.call("my_tasks", period=period, include_done=False)["data"]
        tasks, label = data["tasks"], "overdue" if period == "overdue" else ""
        if _IN_PROGRESS.search(self.text):  # "which of my tasks are in progress"
            tasks, label = [t for t in tasks if t.get("status") == "in_progress"], "in progress"
        key = _task_words(self.text)
        named = [t for t in tasks if key and covers(key, str(t.get("title") or ""))]
        if named:  # "show me my follow up #2 task": that one, in focus for "push it to monday"
            tasks, label = named, f'matching "{key}"'
        self.answer("tasks", tasks=tasks, period=period, label=label)
