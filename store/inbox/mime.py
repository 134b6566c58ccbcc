"""Reading one raw RFC 822 message: headers and bodies decoded, HTML sanitized, quoted history stripped,
attachments sized, automated mail recognised, and every problem recorded instead of raised.

Parsing uses the standard library's `email` package with the modern policy. Every charset is decoded: a
declared one when Python knows it, else the bytes are detected (charset-normalizer), else cp1252 with
replacement; undeclared 8-bit bytes in headers get the same treatment. HTML is only ever stored after
nh3 (the Ammonia sanitizer) has removed scripts, event handlers and unsafe URLs; the original stays in
the raw MIME, which is never rendered. The new part of a reply is cut from the quoted history by
`mail-parser-reply`. Nothing here raises on bad input: what was wrong goes to `problems`.
"""

from __future__ import annotations

import hashlib
import html
import re
from dataclasses import dataclass, field
from email import policy
from email.message import EmailMessage, Message
from email.parser import BytesParser
from email.utils import getaddresses, parseaddr

import nh3
from charset_normalizer import from_bytes
from mailparser_reply import EmailReplyParser

from store.models.inbox import MailKind

MAX_ATTACHMENT = 25 * 1024 * 1024  # bytes of one attachment kept in the database; larger ones are recorded as dropped
MSGID = re.compile(r"<[^<>\s]+>")
_REPLY_LANGUAGES = ["en", "de", "fr", "es", "it", "nl", "sv", "pl", "cs"]
_BOUNCE_SENDERS = re.compile(r"^(mailer-daemon|postmaster)@", re.I)
_AUTO_SUBJECT = re.compile(
    r"^\s*(auto(matic)?[ -]?reply|out of (the )?office|abwesenheitsnotiz|r[ée]ponse automatique)\b", re.I
)
_NUL = "\x00"


@dataclass
class Attachment:
    filename: str
    content_type: str
    size: int
    content: bytes | None  # None when dropped
    dropped: str | None = None


@dataclass
class ParsedMail:
    """What Nexa keeps of one message; `problems` says what was wrong with it and what was done about it."""

    message_id: str
    in_reply_to: str | None
    references: list[str]
    from_address: str | None
    from_name: str | None
    to_addresses: list[str]
    cc_addresses: list[str]
    subject: str
    text: str
    reply_text: str
    html: str | None
    headers: list[list[str]]
    kind: MailKind
    attachments: list[Attachment] = field(default_factory=list)
    problems: list[str] = field(default_factory=list)

    @property
    def thread_ids(self) -> list[str]:
        """The Message-IDs this message answers, nearest first (In-Reply-To, then References newest first)."""
        ids = ([self.in_reply_to] if self.in_reply_to else []) + list(reversed(self.references))
        return list(dict.fromkeys(ids))


def decode_bytes(data: bytes, declared: str | None = None) -> str:
    """Text from bytes in any charset: the declared one if known, else detected, else cp1252 with replacement."""
    if declared:
        try:
            return data.decode(declared)
        except (LookupError, UnicodeDecodeError):
            pass
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError:
        pass
    best = from_bytes(data).best()
    if best is not None:
        return str(best)
    return data.decode("cp1252", errors="replace")


def clean_text(value: str) -> str:
    """A header or body string made storable: undeclared 8-bit bytes (kept by the parser as surrogates) decoded,
    NUL characters removed."""
    if any("\udc80" <= ch <= "\udcff" for ch in value):
        value = decode_bytes(value.encode("utf-8", "surrogateescape"))
    return value.replace(_NUL, "")


def sanitize_html(markup: str) -> str:
    """HTML safe to show: no scripts, styles, event handlers, forms or javascript: URLs (nh3's defaults)."""
    return nh3.clean(markup, link_rel="noopener noreferrer nofollow")


def html_to_text(markup: str) -> str:
    """The words of an HTML body (every tag removed, entities decoded), for search, summaries and replies."""
    block = re.sub(r"(?i)<\s*(br|/p|/div|/li|/tr|/h[1-6])\b[^>]*>", "\n", markup)
    text = html.unescape(nh3.clean(block, tags=set()))
    return re.sub(r"\n{3,}", "\n\n", re.sub(r"[ \t]+", " ", text)).strip()


def strip_quoted(text: str) -> str:
    """The new part of a reply, without the quoted history and signature separator lines ('On ... wrote:', '>')."""
    if not text.strip():
        return ""
    try:
        reply = EmailReplyParser(languages=_REPLY_LANGUAGES).parse_reply(text=text)
    except Exception:  # the stripper is a heuristic over arbitrary text: any failure keeps the whole text
        return text.strip()
    return (reply or text).strip()


def normalize_id(value: str | None) -> str | None:
    """One Message-ID as `<local@domain>`, or None."""
    if not value:
        return None
    found = MSGID.search(value)
    if found:
        return found.group(0)[:998]
    bare = value.strip().strip("<>").strip()
    return f"<{bare}>"[:998] if bare and " " not in bare else None


def parse(raw: bytes, *, max_attachment: int = MAX_ATTACHMENT) -> ParsedMail:
    """Parse raw RFC 822 bytes; never raises on malformed input (see `problems`)."""
    problems: list[str] = []
    message = BytesParser(policy=policy.default).parsebytes(raw)
    headers = [[clean_text(str(name)), _header(message, name, value, problems)] for name, value in message.raw_items()]
    first = {name.lower(): value for name, value in reversed(headers)}

    message_id = normalize_id(first.get("message-id"))
    if message_id is None:
        message_id = f"<{hashlib.sha256(raw).hexdigest()[:40]}@missing-id.nexa>"
        problems.append(
            "no Message-ID: one was derived from the message's bytes, so a second delivery is still recognised"
        )
    in_reply_to = normalize_id(first.get("in-reply-to"))
    references = [m[:998] for m in MSGID.findall(first.get("references", ""))][-50:]

    from_address: str | None
    from_name, from_address = parseaddr(first.get("from", ""))
    from_address = from_address.strip().lower() or None
    if from_address is not None and "@" not in from_address:
        problems.append(f"From: '{from_address}' is not an email address")
        from_address = None
    if from_address is None:
        problems.append("From: no sender address")
    to = _addresses(first.get("to", ""))
    cc = _addresses(first.get("cc", ""))
    subject = " ".join(first.get("subject", "").split())[:500]

    text, markup, attachments = _bodies(message, problems, max_attachment)
    for part in message.walk():
        problems += [f"MIME: {type(d).__name__}: {d}" for d in part.defects]
    safe_html = sanitize_html(markup) if markup is not None else None
    if not text.strip() and markup:
        text = html_to_text(markup)
    text = text.replace(_NUL, "")
    return ParsedMail(
        message_id=message_id,
        in_reply_to=in_reply_to,
        references=references,
        from_address=from_address,
        from_name=(from_name.strip() or None) if from_name else None,
        to_addresses=to,
        cc_addresses=cc,
        subject=subject,
        text=text,
        reply_text=strip_quoted(text),
        html=safe_html,
        headers=headers,
        kind=classify(message, first, from_address, subject),
        attachments=attachments,
        problems=list(dict.fromkeys(problems)),
    )


def classify(message: Message, first: dict[str, str], sender: str | None, subject: str) -> MailKind:
    """normal, or what kind of automated mail this is (RFC 3834 Auto-Submitted, Precedence, reports, mailer daemons).

    Our own messages coming back (loops) are recognised by the service, which knows our addresses and Message-IDs.
    """
    if first.get("x-nexa-inbox"):
        return MailKind.loop
    if message.get_content_type() == "multipart/report" or (sender and _BOUNCE_SENDERS.match(sender)):
        return MailKind.bounce
    if (
        first.get("auto-submitted", "no").strip().lower() not in ("", "no")
        or any(h in first for h in ("x-autoreply", "x-autorespond", "x-auto-response-suppress"))
        or _AUTO_SUBJECT.match(subject)
    ):
        return MailKind.auto_reply
    if first.get("precedence", "").strip().lower() in ("bulk", "junk", "list") or "list-id" in first:
        return MailKind.bulk
    return MailKind.normal


def _header(message: EmailMessage, name: str, value: str, problems: list[str]) -> str:
    """A header's decoded value (encoded words decoded); one the parser cannot read is kept as its raw text."""
    value = clean_text(value)  # undeclared 8-bit bytes first, so that the policy sees text, not surrogates
    try:
        text = str(message.policy.header_fetch_parse(name, value))
    except Exception as err:  # the modern policy parses lazily: a broken header fails here, not at parse time
        problems.append(f"{name}: unreadable header kept as raw text ({err.__class__.__name__})")
        text = str(value)
    return " ".join(clean_text(text).split())[:10_000]


def _addresses(value: str) -> list[str]:
    return [addr.lower() for _, addr in getaddresses([value]) if "@" in addr][:100]


def _bodies(
    message: EmailMessage, problems: list[str], max_attachment: int
) -> tuple[str, str | None, list[Attachment]]:
    """The first text/plain and text/html bodies (not attachments), and the attachments."""
    text: str | None = None
    markup: str | None = None
    attachments: list[Attachment] = []
    for part in message.walk():
        if part.is_multipart():
            continue
        ctype = part.get_content_type()
        disposition = part.get_content_disposition()
        filename = part.get_filename()
        if disposition != "attachment" and not filename and ctype in ("text/plain", "text/html"):
            body = _text_of(part, problems)
            if ctype == "text/plain" and text is None:
                text = body
            elif ctype == "text/html" and markup is None:
                markup = body
            continue
        if ctype in ("message/delivery-status", "text/rfc822-headers") and text is None:
            text = _text_of(part, problems)
            continue
        payload = raw if isinstance(raw := part.get_payload(decode=True), bytes) else b""
        name = clean_text(filename or f"part-{len(attachments) + 1}")[:300]
        if len(payload) > max_attachment:
            reason = f"larger than {max_attachment // (1024 * 1024)} MB ({len(payload)} bytes): not stored"
            attachments.append(Attachment(name, ctype, len(payload), None, reason))
            problems.append(f"attachment {name}: {reason}")
        else:
            attachments.append(Attachment(name, ctype, len(payload), payload))
    return text or "", markup, attachments


def _text_of(part: Message, problems: list[str]) -> str:
    payload = part.get_payload(decode=True)
    if not isinstance(payload, bytes):  # None: no body
        return ""
    declared = part.get_content_charset()
    try:
        if declared:
            return clean_text(payload.decode(declared))
    except (LookupError, UnicodeDecodeError):
        problems.append(f"body: charset '{declared}' is unknown or wrong; the text was decoded by detection")
    return clean_text(decode_bytes(payload))
