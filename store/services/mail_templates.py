"""Mass-email templates: Jinja2 in a sandbox with StrictUndefined, merge fields checked before anything is sent.

The merge fields are `MERGE_FIELDS`; a name or attribute outside them is refused when the email is saved
and at preview, naming it (`contact.favourite_color`), so a send never fails half-way on a template.
Links written literally in the body (`href="https://..."`) are the only ones tracked and redirected to.
"""

from __future__ import annotations

import html
import re
from typing import Any

from jinja2 import StrictUndefined, Template, TemplateError, TemplateSyntaxError, UndefinedError, meta, nodes
from jinja2.sandbox import SandboxedEnvironment

from store.errors import InvalidInput

MERGE_FIELDS: dict[str, tuple[str, ...]] = {
    "contact": ("first_name", "last_name", "name", "email", "title", "department"),
    "account": ("name", "industry", "tier"),
    "campaign": ("name",),
    "unsubscribe_url": (),
}
ENV = SandboxedEnvironment(undefined=StrictUndefined, autoescape=True)
TEXT_ENV = SandboxedEnvironment(undefined=StrictUndefined, autoescape=False)
_HREF = re.compile(r'href\s*=\s*"(https?://[^"{}\s]+)"', re.I)


def form_welcome(form: Any, lead: Any) -> tuple[str, str] | None:
    """A web form's own welcome email (subject, body) rendered for the lead it created; None when it has none."""
    if not (form.welcome_subject and form.welcome_body):
        return None
    context = {
        "contact": {
            "first_name": lead.first_name,
            "last_name": lead.last_name,
            "name": lead.name,
            "email": lead.email,
            "title": lead.title or "",
            "department": "",
        },
        "account": {"name": lead.company or "", "industry": lead.industry or "", "tier": ""},
        "campaign": {"name": form.name},
        "unsubscribe_url": "",
    }
    subject = render(
        compile_template(form.welcome_subject, "welcome_subject", html_body=False), context, "welcome_subject"
    )
    return subject[:500], render(
        compile_template(form.welcome_body, "welcome_body", html_body=False), context, "welcome_body"
    )


def compile_template(source: str, field: str, *, html_body: bool = True) -> Template:
    """The compiled template, or InvalidInput naming `field` and the unknown merge field or syntax error."""
    env = ENV if html_body else TEXT_ENV
    try:
        tree = env.parse(source)
    except TemplateSyntaxError as err:
        raise InvalidInput(field, f"template error on line {err.lineno}: {err.message}") from None
    for name in sorted(meta.find_undeclared_variables(tree)):
        if name not in MERGE_FIELDS:
            raise InvalidInput(field, f"unknown merge field '{name}'; known: {', '.join(known())}")
    for node in tree.find_all(nodes.Getattr):
        if (
            isinstance(node.node, nodes.Name)
            and node.node.name in MERGE_FIELDS
            and node.attr not in MERGE_FIELDS[node.node.name]
        ):
            raise InvalidInput(
                field, f"unknown merge field '{node.node.name}.{node.attr}'; known: {', '.join(known())}"
            )
    return env.from_string(source)


def known() -> list[str]:
    return [f"{k}.{a}" for k, attrs in MERGE_FIELDS.items() for a in attrs] + [
        k for k, a in MERGE_FIELDS.items() if not a
    ]


def render(template: Template, context: dict[str, Any], field: str) -> str:
    try:
        return template.render(**context)
    except UndefinedError as err:
        raise InvalidInput(field, f"unknown merge field: {err.message}") from None
    except (
        TemplateError,
        ArithmeticError,
        LookupError,
        TypeError,
        ValueError,
    ) as err:  # the template's own logic failed
        raise InvalidInput(field, f"the template fails when rendered: {err}") from None


def links(body: str) -> list[str]:
    """The literal http(s) links of an HTML body, in order, once each: the only targets a click redirects to."""
    return list(dict.fromkeys(_HREF.findall(body)))


def track(body_html: str, click_url: Any, pixel_url: str | None) -> str:
    """The body with its literal links pointing at their signed redirects and, when given, an open pixel at the end."""

    def swap(match: re.Match[str]) -> str:
        url = click_url(match.group(1))
        return f'href="{html.escape(url)}"' if url else match.group(0)

    tracked = _HREF.sub(swap, body_html)
    if pixel_url:
        pixel = f'<img src="{html.escape(pixel_url)}" width="1" height="1" alt="" style="display:none">'
        tracked = tracked.replace("</body>", pixel + "</body>") if "</body>" in tracked else tracked + pixel
    return tracked


_TAG = re.compile(r"<[^>]+>")
_BREAK = re.compile(r"<\s*(br|/p|/div|/h[1-6]|/li|/tr)\s*/?>", re.I)
_LINK = re.compile(r'<a\s[^>]*href="([^"]+)"[^>]*>(.*?)</a>', re.I | re.S)


def to_text(body_html: str) -> str:
    """A plain-text alternative of an HTML body: links as "text (url)", block ends as line breaks, tags dropped."""
    text = _LINK.sub(lambda m: f"{m.group(2)} ({m.group(1)})", body_html)
    text = _TAG.sub("", _BREAK.sub("\n", text))
    lines = [" ".join(line.split()) for line in html.unescape(text).splitlines()]
    return re.sub(r"\n{3,}", "\n\n", "\n".join(lines)).strip()


def footer(postal_address: str, unsubscribe_url: str) -> tuple[str, str]:
    """The footer every campaign email carries (HTML, text): the sender's postal address and the unsubscribe link."""
    return (
        f'<p style="font-size:12px;color:#666">{html.escape(postal_address)}<br>'
        f'<a href="{html.escape(unsubscribe_url)}">Unsubscribe</a></p>',
        f"\n\n--\n{postal_address}\nUnsubscribe: {unsubscribe_url}\n",
    )
