"""The date-sensitive chats over the demo seed, on each day of a week (Monday 00:30 to Sunday 23:59).

The seed, the services and the date parsing all read `store.clock`, pinned here by the `clock` fixture.
"""

from __future__ import annotations

from assistant.agent import Agent
from store.auth import actor_for_email
from store.seed import seed
from tests.support.clock import EACH_DAY_OF_A_WEEK

DATED = [  # message, tool calls, text the answer holds
    ("what are my tasks this week?", ["my_tasks"], "Send technical specs to Lisa Chen"),
    ("deals closing this month", ["deals_closing"], "closing this month"),
    ("weighted pipeline by stage this quarter", ["pipeline_summary"], "closing this quarter"),
    ("which deals are stuck?", ["stuck_deals"], "more than 14 days"),
]


@EACH_DAY_OF_A_WEEK
async def test_dated_read_families_on_each_day(clock, db, offline):
    await seed(db)
    agent = Agent(db, offline)
    async with db.session() as s:
        john = await actor_for_email(s, "john@nexa.test")
    failures = []
    for message, tools, expected in DATED:
        result = await agent.run(john, message)
        if [c["name"] for c in result.tool_calls] != tools or expected not in result.answer or result.pending:
            failures.append(f"{clock:%a %H:%M} {message!r}: {result.answer[:200]}")
    assert not failures, "\n".join(failures)
