"""The shared inbox (support@, sales@): real email in and out, threads, assignment, SLAs.

Service API (every entry point checks the caller's rights; see each module):

- `ingest.ingest(session, inbox, raw, settings) -> Ingested`: one raw RFC 822 message in (webhook, IMAP), as the system.
- `service.InboxService(session, actor)`: `inboxes()`, `inbox(name)`, `create_inbox(...)`, `rotate_secret(name)`,
  `conversations(inbox=, status=, assignee="me"|"none"|uuid, sla_state=, q=, limit=, after=) -> Page` (items, total,
  every view's count, the next page's `after`), `counts(inbox=)`, `waiting_on(user_id)`, `find(words)`, `get(id)`, `thread(id) -> Thread` (marks read),
  `mark(id, viewing|drafting)`, `others(id)`, `assign(id, user_id|None)`, `claim(id)`,
  `set_status(id, status, snoozed_until=, priority=)`, `add_note(id, body) -> (note, mentioned users)`,
  `reply(id, body, settings, confirm=False) -> InboxMessage` (409 `ReplyCollision` carrying `extra["since"]`),
  `attachment(id)`, and `brief(conversation)` / `full(thread)` to serialize for one reader.
- `service.verify_secret(inbox, secret)`: the webhook's per-inbox secret check.
- `outbound.deliver(db, message_id, settings, last_attempt=)`: the `inbox.send` job's body (`store.services.send_once`).
- `imap.watch_inboxes(db, settings)`: IDLE watchers (run by workers); `imap.poll_inbox(db, name, settings)`: one read.
- `sla`: targets per priority (NEXA_INBOX_SLA), due times, SLA state and its SQL filter, breaches.
- `mime.parse(raw) -> ParsedMail`: the parser (charsets, sanitized HTML, quoted-reply stripping, automated-mail kinds).
"""
