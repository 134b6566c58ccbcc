"""Summary tools: a ticket, a call, an account or one of the user's conversations, in a few lines with its facts."""

from __future__ import annotations

import uuid

from store.embeddings import Embedder
from store.errors import InvalidInput
from store.intelligence import summaries as summarizing
from store.intelligence.summaries import Summary
from store.services import TicketService
from tools.context import ToolContext
from tools.registry import ToolResult, tool


def _result(summary: Summary) -> ToolResult:
    return ToolResult(data=summary.to_dict(), refs=summary.sources)


def _embedder(ctx: ToolContext) -> Embedder:
    if ctx.embedder is None:
        raise InvalidInput("embedder", "summaries need the embedding model, which this session has not loaded")
    return ctx.embedder


@tool(area="tickets", untrusted=True)
async def summarize_ticket(ctx: ToolContext, number: int) -> ToolResult:
    """Summarize a support ticket: key sentences of the thread plus status, priority, customer, sentiment, intent,
    last action and open questions. The summary, sentiment and intent are saved on the ticket for support staff.

    Args:
        number: the ticket number people use (e.g. 1042)
    """
    ticket = await TicketService(ctx.session, ctx.actor).by_number(number)
    return _result(
        await summarizing.summarize_ticket(ctx.session, ctx.actor, ticket.id, _embedder(ctx), writer=ctx.writer)
    )


@tool(area="activities", untrusted=True)
async def summarize_call_notes(ctx: ToolContext, call_id: uuid.UUID) -> ToolResult:
    """Summarize a logged call: who, when, outcome, related records and the key points of its notes.

    Args:
        call_id: the call's id (from search_calls)
    """
    return _result(await summarizing.summarize_call(ctx.session, ctx.actor, call_id, _embedder(ctx), writer=ctx.writer))


@tool(area="accounts", untrusted=True)
async def summarize_account_status(ctx: ToolContext, account_id: uuid.UUID) -> ToolResult:
    """Summarize an account: open deals and pipeline by stage, open tickets, last activity, health, and recent notes.

    Args:
        account_id: the account's id
    """
    return _result(
        await summarizing.summarize_account(ctx.session, ctx.actor, account_id, _embedder(ctx), writer=ctx.writer)
    )


@tool(area="memory", untrusted=True)
async def summarize_my_conversation(ctx: ToolContext, conversation_id: uuid.UUID) -> ToolResult:
    """Summarize one of the user's own earlier conversations with the assistant.

    Args:
        conversation_id: the conversation's id
    """
    return _result(
        await summarizing.summarize_conversation(
            ctx.session, ctx.actor, conversation_id, _embedder(ctx), writer=ctx.writer
        )
    )
