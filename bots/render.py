"""Rich renderings of CRM read models for the terminal."""

from __future__ import annotations

from typing import Any

from rich.console import Console, Group
from rich.markdown import Markdown
from rich.panel import Panel
from rich.table import Table

from assistant.events import Outcome, TurnResult
from prompts.money import money_short
from store.services.pipeline import Pipeline


def contact_360(view: dict[str, Any]) -> Panel:
    c = view["contact"]
    account = view["account"]["name"] if view["account"] else "no account"
    head = f"[bold]{c['name']}[/] - {c.get('title') or ''} at {account}\n{c['email']}  {c.get('phone') or ''}  owner: {c.get('owner') or '-'}"
    deals = Table("Deal", "Stage", "Amount", "Weighted", "Close", title="Deals", expand=True)
    for d in view["deals"]:
        deals.add_row(
            d["deal_name"],
            d["stage"],
            money_short(d["amount"]),
            money_short(d["weighted_value"]),
            d["close_date"] or "",
        )
    related = Table.grid(padding=(0, 2))
    related.add_row(
        "Tickets", ", ".join(f"#{t['number']} {t['subject']} ({t['status']})" for t in view["tickets"]) or "-"
    )
    related.add_row("Tasks", ", ".join(f"{t['title']} (due {t['due_date']})" for t in view["tasks"]) or "-")
    related.add_row("Meetings", ", ".join(f"{m['title']} {m['start_at'][:16]}" for m in view["meetings"]) or "-")
    related.add_row("Lists", ", ".join(view["lists"]) or "-")
    timeline = Table("When", "What", title="Timeline", expand=True)
    for entry in view["timeline"][:10]:
        timeline.add_row(entry["at"][:16].replace("T", " "), entry["subject"])
    return Panel(Group(head, deals, related, timeline), title="Contact 360", border_style="cyan")


def pipeline(result: Pipeline, title: str = "Pipeline") -> Table:
    table = Table(result.group_by.capitalize(), "Deals", "Amount", "Weighted", title=title)
    for row in result.rows:
        table.add_row(row.key, str(row.count), money_short(row.amount), money_short(row.weighted_value))
    table.add_section()
    table.add_row(
        "[bold]Open pipeline",
        str(result.count),
        money_short(result.amount),
        f"[bold]{money_short(result.weighted_value)}",
    )
    table.add_row("Closed won", str(result.won_count), money_short(result.won_amount), "")
    return table


def show(*renderables: Any, console: Console | None = None) -> None:
    (console or Console()).print(*renderables)


def tool_call(name: str, arguments: dict[str, Any]) -> str:
    """A compact, dim line for a tool call."""
    shown = ", ".join(f"{k}={v!r}" for k, v in arguments.items() if v not in (None, [], {}))
    return f"  [dim]-> {name}({shown[:120]})[/]"


def turn(result: TurnResult, console: Console) -> None:
    """The answer of a turn, with its notice and the approvals it waits for."""
    if result.notice:
        console.print(f"[yellow]{result.notice}[/]")
    console.print(
        Panel(
            Markdown(result.answer),
            title="nexa",
            title_align="left",
            border_style="yellow" if result.outcome is Outcome.proposed else "green",
        )
    )
