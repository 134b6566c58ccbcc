"""Block Kit renderings: answers (split under Slack's limits, never cut), approvals, the App Home view.

Slack allows 3,000 characters in a section's text and 50 blocks in a message; an answer longer
than a message holds becomes several messages. Record references become links to the record in
the HTTP API (`NEXA_PUBLIC_URL/api/v1/<type>s/<id>`) or bold names when no public URL is set.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass
from datetime import date
from typing import Any

from assistant.events import Pending, TurnResult
from prompts.money import money_short
from store.intelligence.anomalies import Alert
from store.models import KbArticle, Task
from store.services.pipeline import Pipeline

SECTION_CHARS = 3000  # Slack's limit on a section's text
MESSAGE_BLOCKS = 50  # Slack's limit on blocks in a message
MESSAGE_CHARS = 12_000  # text per message: well under what Slack accepts in one message's blocks
HOME_BLOCKS = 100  # Slack's limit on blocks in a Home tab view
CONTEXT_ELEMENTS = 10  # Slack's limit on elements in a context block
APPROVE, REJECT = "nexa_approve", "nexa_reject"
API_RECORDS = {"lead", "contact", "account", "deal", "ticket", "task", "call", "meeting", "note"}
HOME_TASKS, HOME_ALERTS = 20, 5

Block = dict[str, Any]


@dataclass(frozen=True)
class Message:
    """One Slack message: its blocks and the plain text that notifications show."""

    text: str
    blocks: list[Block]


# -- text ----------------------------------------------------------------------------------------


def escape(text: str) -> str:
    """Slack's three control characters, escaped."""
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


_LINK = re.compile(r"\[([^\]\n]+)\]\((https?://[^)\s]+)\)")
_HEADING = re.compile(r"^#{1,6}\s+(.+?)\s*#*$", re.M)
_BULLET = re.compile(r"^(\s*)[-*+]\s+", re.M)
_BOLD = re.compile(r"\*\*(.+?)\*\*", re.S)
_ITALIC = re.compile(r"(?<![\w*])\*(?!\s)([^*\n]+?)(?<!\s)\*(?![\w*])")


def mrkdwn(markdown: str) -> str:
    """Markdown (what the agent writes) as Slack mrkdwn: bold, italics, links, headings, bullets."""
    text = escape(markdown)
    text = _LINK.sub(lambda m: f"<{m.group(2)}|{m.group(1).replace('|', '/')}>", text)
    text = _HEADING.sub(lambda m: f"\x00{m.group(1)}\x00", text)
    text = _BULLET.sub(lambda m: f"{m.group(1)}• ", text)
    text = _BOLD.sub(lambda m: f"\x00{m.group(1)}\x00", text)
    text = _ITALIC.sub(lambda m: f"_{m.group(1)}_", text)
    return text.replace("\x00", "*")


def split(text: str, limit: int = SECTION_CHARS) -> list[str]:
    """`text` in pieces of at most `limit` characters, cut at paragraphs, lines or spaces, never inside a
    link; a code block cut in two is closed and reopened. Only whitespace at the cuts is dropped."""
    pieces: list[str] = []
    text = text.strip()
    while len(text) > limit:
        cut, skip = _cut(text, limit - 4)  # room to close a code block
        piece, text = text[:cut].rstrip(), text[cut + skip :].lstrip()
        if piece.count("```") % 2:
            piece, text = piece + "\n```", "```\n" + text
        pieces.append(piece)
    return [*pieces, text] if text else pieces


def _cut(text: str, limit: int) -> tuple[int, int]:
    """Where to cut `text` within `limit` characters, and how many separator characters to skip."""
    for separator, shortest in (("\n\n", limit // 2), ("\n", limit // 2), (" ", 1)):
        at = text.rfind(separator, 0, limit + 1)
        while at >= shortest:
            if _balanced(text[:at]):
                return at, len(separator)
            at = text.rfind(separator, 0, at)
    opened = text.rfind("<", 0, limit)
    return (opened, 0) if opened > 0 and not _balanced(text[:limit]) else (limit, 0)


def _balanced(text: str) -> bool:
    return text.count("<") == text.count(">")


# -- records -------------------------------------------------------------------------------------


def record_url(ref: dict[str, str], public_url: str | None) -> str | None:
    """Where a record reference points: the HTTP API record, a help-center article, or nowhere."""
    if not public_url:
        return None
    base = public_url.rstrip("/")
    if ref.get("type") in API_RECORDS:
        return f"{base}/api/v1/{ref['type']}s/{ref['id']}"
    if ref.get("type") == KbArticle.record_type:
        return f"{base}/kb/articles/{ref['id']}"
    return None


def record(ref: dict[str, str], public_url: str | None) -> str:
    """A reference as a readable link (or its name in bold without a URL)."""
    name = escape(str(ref.get("name") or ref.get("id"))).replace("|", "/")
    url = record_url(ref, public_url)
    return f"<{url}|{name}>" if url else f"*{name}*"


def link_records(text: str, refs: list[dict[str, str]], public_url: str | None) -> tuple[str, list[dict[str, str]]]:
    """Link each referenced record's first mention in `text`; also return the records it never mentions."""
    names = {escape(str(r.get("name") or "")): r for r in refs if r.get("name")}
    if not names:
        return text, list(refs)
    pattern = re.compile(
        r"<[^>]*>|(?<!\w)(" + "|".join(re.escape(n) for n in sorted(names, key=len, reverse=True)) + r")(?!\w)"
    )
    mentioned: set[str] = set()

    def replace(match: re.Match[str]) -> str:
        name = match.group(1)
        if name is None or name in mentioned:
            return match.group(0)
        mentioned.add(name)
        return record(names[name], public_url) if record_url(names[name], public_url) else name

    linked = pattern.sub(replace, text)
    return linked, [r for r in refs if escape(str(r.get("name") or "")) not in mentioned]


# -- answers -------------------------------------------------------------------------------------


def section(text: str) -> Block:
    return {"type": "section", "text": {"type": "mrkdwn", "text": text}}


def context(texts: list[str]) -> list[Block]:
    """Context blocks holding `texts` (each under the section limit), ten elements per block."""
    elements = [{"type": "mrkdwn", "text": piece} for text in texts for piece in split(text)]
    return [
        {"type": "context", "elements": elements[i : i + CONTEXT_ELEMENTS]}
        for i in range(0, len(elements), CONTEXT_ELEMENTS)
    ]


def plain(text: str, *, lead: list[Block] | None = None) -> list[Message]:
    """Messages of mrkdwn text (status, errors, help), after the `lead` blocks."""
    return pack([*(lead or []), *(section(piece) for piece in split(text))])


def approval(conversation_id: str, pending: Pending) -> list[Block]:
    """A pending write: its summary and Approve / Reject buttons carrying the conversation and action ids."""
    value = json.dumps({"conversation_id": conversation_id, "action_id": pending.id})
    buttons = [
        {
            "type": "button",
            "action_id": APPROVE,
            "style": "primary",
            "value": value,
            "text": {"type": "plain_text", "text": "Approve"},
        },
        {
            "type": "button",
            "action_id": REJECT,
            "style": "danger",
            "value": value,
            "text": {"type": "plain_text", "text": "Reject"},
        },
    ]
    summary = context([f":hourglass: {escape(pending.summary)}"])[0] | {"block_id": f"{pending.id}:summary"}
    return [summary, {"type": "actions", "block_id": pending.id, "elements": buttons}]


def answer(result: TurnResult, public_url: str | None, *, lead: list[Block] | None = None) -> list[Message]:
    """A finished turn as one or more messages: `lead`, notice, answer, unmentioned records, sources, approvals."""
    text, unmentioned = link_records(mrkdwn(result.answer or "(no answer)"), result.references, public_url)
    blocks = list(lead or [])
    if result.notice:
        blocks += context([f":warning: {escape(result.notice)}"])
    blocks += [section(piece) for piece in split(text)]
    if unmentioned:
        blocks += context(["Records: " + " · ".join(record(r, public_url) for r in unmentioned)])
    if result.citations:
        sources = [
            f"[{c['number']}] "
            + record({"type": KbArticle.record_type, "id": c["article_id"], "name": c["title"]}, public_url)
            for c in result.citations
        ]
        blocks += context(["Sources: " + "  ".join(sources)])
    for pending in result.pending:
        blocks += approval(result.conversation_id, pending)
    return pack(blocks)


def pack(blocks: list[Block]) -> list[Message]:
    """Blocks grouped into as many messages as Slack's block and size limits need, in order."""
    messages: list[list[Block]] = [[]]
    size = 0
    for block in blocks:
        chars = len(_text(block))
        if messages[-1] and (len(messages[-1]) >= MESSAGE_BLOCKS or size + chars > MESSAGE_CHARS):
            messages.append([])
            size = 0
        messages[-1].append(block)
        size += chars
    return [Message(text=_fallback(group), blocks=group) for group in messages if group]


def _text(block: Block) -> str:
    if block["type"] == "section":
        return block["text"]["text"]
    return " ".join(e.get("text", "") for e in block.get("elements", []) if isinstance(e.get("text"), str))


def _fallback(blocks: list[Block]) -> str:
    """What a notification shows: the first text of the message, shortened."""
    first = next((t for t in map(_text, blocks) if t), "Nexa")
    return first if len(first) <= 300 else first[:299] + "…"


def decided(blocks: list[Block], action_id: str, outcome: str) -> list[Block]:
    """An approval message's blocks with that approval's summary and buttons replaced by its outcome."""
    return [
        context([outcome])[0] | {"block_id": action_id} if b.get("block_id") == action_id else b
        for b in blocks
        if b.get("block_id") != f"{action_id}:summary"
    ]


# -- App Home ------------------------------------------------------------------------------------


def home(
    name: str,
    *,
    pipeline: Pipeline | None,
    tasks: list[Task],
    alerts: list[Alert],
    due_by: date,
    today: date,
    public_url: str | None,
) -> Block:
    """The Home tab: open pipeline by stage, tasks due by `due_by`, and recent alerts."""
    blocks: list[Block] = [{"type": "header", "text": {"type": "plain_text", "text": f"Nexa for {name}"[:150]}}]
    if pipeline is None:
        blocks.append(section("*Your open pipeline*\nNot available for your role."))
    else:
        lines = [
            f"• {escape(r.key.replace('_', ' '))}: {r.count} deal{'' if r.count == 1 else 's'}, {money_short(r.amount)} "
            f"({money_short(r.weighted_value)} weighted)"
            for r in pipeline.rows
            if r.count
        ] or ["No open deals."]
        lines.append(
            f"*Total {money_short(pipeline.amount)}, weighted {money_short(pipeline.weighted_value)}*; "
            f"closed won {money_short(pipeline.won_amount)} ({pipeline.won_count})"
        )
        blocks += [section(piece) for piece in split("*Your open pipeline*\n" + "\n".join(lines))]
    blocks.append({"type": "divider"})
    shown = [_task_line(t, today, public_url) for t in tasks[:HOME_TASKS]] or ["Nothing due."]
    if len(tasks) > HOME_TASKS:
        shown.append(f"…and {len(tasks) - HOME_TASKS} more")
    blocks += [section(piece) for piece in split(f"*Tasks due by {due_by.isoformat()}*\n" + "\n".join(shown))]
    blocks.append({"type": "divider"})
    found = [f"• {escape(a.message)}" for a in alerts[:HOME_ALERTS]] or ["Nothing unusual lately."]
    blocks += [section(piece) for piece in split("*Alerts*\n" + "\n".join(found))]
    return {"type": "home", "blocks": blocks[:HOME_BLOCKS]}


def _task_line(task: Task, today: date, public_url: str | None) -> str:
    title = record({"type": "task", "id": str(task.id), "name": task.title}, public_url)
    if task.due_date is None:
        return f"• {title}"
    return f"• {title} ({'overdue, ' if task.due_date < today else ''}due {task.due_date})"


def unmapped_home(note: str) -> Block:
    """The Home tab of a Slack user who is not a Nexa user: the reason, and no data."""
    return {
        "type": "home",
        "blocks": [{"type": "header", "text": {"type": "plain_text", "text": "Nexa"}}, section(note)],
    }
