"""`POST /slack/events` in the Litestar app: the raw request handed to Bolt, Bolt's answer handed back.

Bolt checks the signature and its timestamp (older than five minutes is stale): a bad one is a 401.
A correctly signed body Bolt cannot even parse is a 400, never a crash. The app's body limit (64 KB)
holds: an interactive payload carries its message, and Nexa's messages stay under 12,000 characters.
"""

from __future__ import annotations

import logging

from litestar import Request, Response, post
from litestar.handlers import HTTPRouteHandler
from slack_bolt.async_app import AsyncApp, AsyncBoltRequest
from slack_sdk.signature import SignatureVerifier

log = logging.getLogger("nexa.slack")


def slack_events(bolt: AsyncApp, signing_secret: str) -> HTTPRouteHandler:
    """The route handler dispatching Slack's events, slash commands and interactions to `bolt`."""
    verifier = SignatureVerifier(signing_secret)

    @post("/slack/events", include_in_schema=False, status_code=200)
    async def events(request: Request) -> Response[bytes]:
        raw = (await request.body()).decode("utf-8", errors="replace")
        headers = dict(request.headers)
        try:
            bolt_request = AsyncBoltRequest(body=raw, query=request.url.query, headers={**headers})
        except (ValueError, TypeError, AttributeError, KeyError):
            signed = verifier.is_valid(
                raw, headers.get("x-slack-request-timestamp", "0"), headers.get("x-slack-signature", "")
            )
            log.info("unparseable Slack request (%s)", "signed" if signed else "unsigned")
            return Response(
                b'{"error": "malformed payload"}' if signed else b'{"error": "invalid request"}',
                status_code=400 if signed else 401,
                media_type="application/json",
            )
        answer = await bolt.async_dispatch(bolt_request)
        answer_headers = answer.first_headers_without_set_cookie()
        media_type = answer_headers.pop("content-type", "text/plain;charset=utf-8")
        return Response(answer.body.encode(), status_code=answer.status, headers=answer_headers, media_type=media_type)

    return events
