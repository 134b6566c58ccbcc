"""Shared-inbox benchmark: raw mail through the webhook of a real `nexa serve`, and the conversation list at scale.

    .venv/bin/python bench/inbox.py [--messages 10000] [--clients 8] [--conversations 50000]

1. Generates a corpus of threads (a first message, customer replies answering by In-Reply-To and References, replies
   whose client dropped In-Reply-To and kept only References, forwards of a thread that keep its References, and
   forwards that start afresh without them), posts every message to `POST /api/v1/inbox/support/inbound` from
   `--clients` concurrent clients (each thread's messages in order), and prints messages/s and p50/p95 latency.
2. Checks thread matching against the corpus's truth: every message must land in its thread's conversation and no two
   threads may share one (target 100 %).
3. Fills the inbox to `--conversations` conversations (SQL) and measures the list with its view counts, p50/p95
   (target p95 <= 150 ms): `GET /api/v1/inbox/conversations` (50 a page) and the console's page `GET /console/inbox`
   (100 a page, rendered), each over the unassigned, mine, open and SLA-breached views and a second (keyset) page.

The server runs with `--no-worker`: the summary jobs the messages queue are counted, not run, so that the figure is
the ingest path alone. Uses an embedded PostgreSQL under a temporary NEXA_HOME (or DATABASE_URL, which must be empty).
"""

from __future__ import annotations

import argparse
import asyncio
import os
import random
import shutil
import socket
import subprocess
import sys
import time
from collections import defaultdict
from pathlib import Path

import httpx
from common import pct, throwaway_settings
from rich.console import Console
from sqlalchemy import select, text

from bots.http.auth import issue_token
from store.access import Actor
from store.db import Database
from store.inbox.service import InboxService
from store.models import InboxMessage, User
from store.models.enums import Role
from store.settings import Settings
from store.signin import set_password, sign_in
from tests.support.inbox_mail import mail  # the tests' message builder, so bench and tests send the same mail

LIST_TARGET_MS = 150
console = Console(width=max(110, shutil.get_terminal_size().columns))
TOPICS = [
    "SSO login fails",
    "Invoice does not match",
    "Export to CSV times out",
    "Cannot add a user",
    "API returns 403",
    "Calendar sync stopped",
    "Password reset email missing",
    "Webhook retries",
    "Change of plan",
    "Data deletion request",
]


def corpus(messages: int, seed: int = 7) -> list[list[tuple[str, bytes]]]:
    """Threads of (truth key, raw message): truth keys name the conversation each message must land in."""
    rng = random.Random(seed)
    threads: list[list[tuple[str, bytes]]] = []
    made = 0
    n = 0
    while made < messages:
        n += 1
        key, sender = f"t{n}", f"customer{n}@client{n % 97}.test"
        subject = f"{rng.choice(TOPICS)} ({n})"
        first = f"<t{n}.0@client.test>"
        thread = [
            (
                key,
                mail(
                    sender=sender,
                    name=f"Customer {n}",
                    subject=subject,
                    message_id=first,
                    body=f"Hello, {subject.lower()}. Can you help? Reference {n}.",
                ),
            )
        ]
        ids = [first]
        for i in range(1, rng.choice([1, 2, 3, 4, 5])):
            mid = f"<t{n}.{i}@client.test>"
            style = rng.random()
            if style < 0.6:  # an ordinary reply
                raw = mail(
                    sender=sender,
                    subject=f"Re: {subject}",
                    message_id=mid,
                    in_reply_to=ids[-1],
                    references=ids[-3:],
                    body=f"Still happening, attempt {i}.\n\nOn Monday Customer wrote:\n> earlier text",
                )
            elif style < 0.8:  # a client that keeps only References
                raw = mail(
                    sender=sender,
                    subject=f"RE: {subject}",
                    message_id=mid,
                    references=ids[-2:],
                    body=f"Any news? ({i})",
                )
            else:  # a forward to a colleague, copied to support, keeping the thread's References
                raw = mail(
                    sender=f"colleague{n}@client{n % 97}.test",
                    subject=f"Fwd: {subject}",
                    message_id=mid,
                    references=ids[-2:],
                    body=f"---------- Forwarded message ----------\n{subject}",
                )
            thread.append((key, raw))
            ids.append(mid)
        if rng.random() < 0.1:  # a forward that starts afresh (no References): a new thread, by design
            thread.append(
                (
                    f"{key}-fresh",
                    mail(
                        sender=f"boss{n}@client.test",
                        subject=f"Fwd: {subject}",
                        message_id=f"<t{n}.fresh@client.test>",
                        body="Please look at this, forwarded without the thread.",
                    ),
                )
            )
        threads.append(thread)
        made += len(thread)
    return threads


async def prepare(settings: Settings) -> tuple[str, str, str]:
    """The inbox's webhook secret, the agent's API token and a console session of theirs."""
    async with Database.opened(settings) as db:
        async with db.session() as session:
            agent = User(name="Bench Agent", email="agent@nexa.test", role=Role.support, team="Support")
            session.add(agent)
            await session.flush()
            _, secret = await InboxService(session, Actor.system()).create_inbox(
                name="support", address="support@nexa.test", team="Support"
            )
            token = await issue_token(session, agent)
            await set_password(session, agent.email, "bench password 1")
        async with db.session() as session:
            console_token = (await sign_in(session, "agent@nexa.test", "bench password 1", client_ip="127.0.0.1")).token  # type: ignore[union-attr]
        return secret, token, console_token


def start(env: dict[str, str]) -> tuple[subprocess.Popen, str]:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    nexa = Path(sys.executable).with_name("nexa")
    process = subprocess.Popen(
        [str(nexa), "serve", "--port", str(port), "--no-worker"],
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    base = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + 400  # loads the embedding and language models first
    while time.monotonic() < deadline:
        try:
            if httpx.get(f"{base}/ready", timeout=2).status_code == 200:
                return process, base
        except httpx.HTTPError:
            time.sleep(0.3)
    process.kill()
    raise RuntimeError("nexa serve did not become ready")


async def ingest_all(
    base: str, secret: str, threads: list[list[tuple[str, bytes]]], clients: int
) -> tuple[list[float], float, dict[str, int]]:
    lanes: list[list[list[tuple[str, bytes]]]] = [threads[i::clients] for i in range(clients)]
    latencies: list[float] = []
    outcomes: dict[str, int] = defaultdict(int)
    headers = {"Content-Type": "message/rfc822", "X-Nexa-Inbox-Secret": secret}

    async def lane(own: list[list[tuple[str, bytes]]]) -> None:
        async with httpx.AsyncClient(base_url=base, timeout=120) as client:
            for thread in own:
                for _, raw in thread:
                    started = time.perf_counter()
                    response = await client.post("/api/v1/inbox/support/inbound", content=raw, headers=headers)
                    latencies.append((time.perf_counter() - started) * 1000)
                    response.raise_for_status()
                    outcomes[response.json()["outcome"]] += 1

    started = time.perf_counter()
    await asyncio.gather(*(lane(own) for own in lanes))
    return latencies, time.perf_counter() - started, outcomes


async def check_threads(settings: Settings, threads: list[list[tuple[str, bytes]]]) -> tuple[int, int]:
    """(messages in the right conversation, messages) against the corpus's truth."""
    from store.inbox.mime import parse

    truth = {parse(raw).message_id: key for thread in threads for key, raw in thread}
    async with Database.opened(settings) as db:
        async with db.session() as session:
            placed = dict((await session.execute(select(InboxMessage.message_id, InboxMessage.conversation_id))).all())
    by_key: dict[str, set] = defaultdict(set)
    for message_id, key in truth.items():
        by_key[key].add(placed.get(message_id))
    owner = {}
    right = 0
    for key, conversations in by_key.items():
        if len(conversations) == 1 and None not in conversations:
            (conversation,) = conversations
            if conversation not in owner:
                owner[conversation] = key
                right += sum(1 for k in truth.values() if k == key)
    return right, len(truth)


async def fill(settings: Settings, total: int) -> int:
    """Conversations up to `total` in the support inbox (plain rows, spread over statuses, assignees and SLA states)."""
    async with Database.opened(settings) as db:
        async with db.session() as session:
            have = (await session.execute(text("SELECT count(*) FROM inbox_conversations"))).scalar_one()
            missing = max(0, total - have)
            await session.execute(
                text(
                    "INSERT INTO inbox_conversations (inbox_id, subject, customer_email, status, priority, last_message_at, "
                    "first_response_due, resolution_due, assignee_id) "
                    "SELECT i.id, 'Bulk conversation ' || g, 'bulk' || g || '@example.test', "
                    "(ARRAY['open','pending','snoozed','closed'])[1 + g % 4], (ARRAY['low','medium','high','urgent'])[1 + g % 4], "
                    "now() - (g || ' minutes')::interval, now() + ((g % 48) - 24 || ' hours')::interval, "
                    "now() + ((g % 96) - 12 || ' hours')::interval, CASE WHEN g % 3 = 0 THEN u.id END "
                    "FROM generate_series(1, :n) g, inboxes i, users u WHERE i.name = 'support' AND u.email = 'agent@nexa.test'"
                ),
                {"n": missing},
            )
            await session.execute(
                text(
                    "UPDATE inbox_conversations SET snoozed_until = now() + interval '1 day' WHERE status = 'snoozed' "
                    "AND snoozed_until IS NULL"
                )
            )
        async with (
            db.autocommit() as conn
        ):  # the steady state autovacuum reaches after a bulk load: statistics, visibility map
            await conn.execute(text("VACUUM ANALYZE inbox_conversations"))
        return have + missing


async def list_latency(base: str, token: str, requests: int) -> list[float]:
    """The API's list: four views, and every fifth request the next page of the unassigned view."""
    latencies = []
    async with httpx.AsyncClient(base_url=base, headers={"Authorization": f"Bearer {token}"}, timeout=60) as client:
        after = (await client.get("/api/v1/inbox/conversations", params={"assignee": "none"})).json()["after"]
        for i in range(requests):
            params = [
                {"assignee": "none"},
                {"assignee": "me"},
                {"status": "open"},
                {"sla": "breached"},
                {"assignee": "none", "after": after},
            ][i % 5]
            started = time.perf_counter()
            response = await client.get("/api/v1/inbox/conversations", params=params | {"limit": 50})
            latencies.append((time.perf_counter() - started) * 1000)
            response.raise_for_status()
    return latencies


async def console_latency(base: str, console_token: str, requests: int) -> list[float]:
    """The console's inbox page (100 rows rendered, view counts): the same views."""
    latencies = []
    async with httpx.AsyncClient(
        base_url=base, headers={"Cookie": f"nexa_console={console_token}"}, timeout=60
    ) as client:
        for i in range(requests):
            params = [
                {"view": "unassigned"},
                {"view": "mine"},
                {"view": "all", "status": "open"},
                {"view": "all", "sla": "breached"},
            ][i % 4]
            started = time.perf_counter()
            response = await client.get("/console/inbox", params=params)
            latencies.append((time.perf_counter() - started) * 1000)
            response.raise_for_status()
            assert 'data-testid="conversation"' in response.text
    return latencies


async def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--messages", type=int, default=10_000)
    parser.add_argument("--clients", type=int, default=8)
    parser.add_argument("--conversations", type=int, default=50_000)
    parser.add_argument("--list-requests", type=int, default=200)
    args = parser.parse_args()
    settings, home = throwaway_settings()
    secret, token, console_token = await prepare(settings)
    threads = corpus(args.messages)
    env = os.environ | {"NEXA_HOME": str(settings.home), "HF_HUB_OFFLINE": "1", "NEXA_API_PER_MINUTE": "1000000"}
    process, base = start(env)
    try:
        latencies, seconds, outcomes = await ingest_all(base, secret, threads, args.clients)
        count = len(latencies)
        console.print(
            f"[bold]webhook ingest[/]: {count} messages in {seconds:.1f} s = {count / seconds:.0f} messages/s "
            f"({args.clients} clients); latency p50 {pct(latencies, 50):.0f} ms, p95 {pct(latencies, 95):.0f} ms; "
            f"outcomes {dict(outcomes)}"
        )
        right, total = await check_threads(settings, threads)
        console.print(
            f"[bold]thread matching[/]: {right}/{total} messages in their thread's conversation "
            f"({100 * right / total:.2f} %, target 100 %) over {len(threads)} threads with replies and forwards"
        )
        conversations = await fill(settings, args.conversations)
        await list_latency(base, token, 20)  # warm up
        await console_latency(base, console_token, 8)
        for name, listed in (
            ("API conversation list (50 a page)", await list_latency(base, token, args.list_requests)),
            (
                "console inbox page (100 a page, rendered)",
                await console_latency(base, console_token, args.list_requests),
            ),
        ):
            p95 = pct(listed, 95)
            console.print(
                f"[bold]{name}[/] at {conversations} conversations, with view counts: p50 {pct(listed, 50):.0f} ms, "
                f"p95 {p95:.0f} ms (target <= {LIST_TARGET_MS} ms: {'met' if p95 <= LIST_TARGET_MS else 'missed'}); "
                f"load average {os.getloadavg()[0]:.1f}"
            )
    finally:
        process.terminate()
        process.wait(timeout=30)
        if home is not None:
            shutil.rmtree(home, ignore_errors=True)


if __name__ == "__main__":
    asyncio.run(main())
