"""Knowledge-base and memory tools: search the help center, search past conversations and tickets."""

from __future__ import annotations

from store.access import CallerRole
from store.embeddings import Embedder, default_embedder
from store.knowledge import search
from store.knowledge.answers import (
    PICK_POOL,
    answer_from,
    choose_article,
    outline_similarities,
    outline_stands_out,
    question_need,
    stands_out,
    titled_code,
)
from store.knowledge.memory import search_memory
from store.knowledge.search import (
    NAME_SCORE,
    RELEVANCE_FLOOR,
    WEAK_SCORE,
    Hit,
    own_names,
    unknown_names,
    weak_match_answers,
)
from store.models import KbArticle
from store.models.enums import Visibility
from tools.context import ToolContext
from tools.registry import ToolResult, tool


@tool(area="kb", untrusted=True)
async def kb_search(ctx: ToolContext, query: str, limit: int = 5) -> ToolResult:
    """Search the help-center articles for passages that answer a question; cite them as [1], [2] in the order returned.

    Customers only ever see public articles; staff also see internal runbooks.

    Args:
        query: the question or the exact terms (an error code, a product name)
        limit: how many passages
    """
    visible = (
        (Visibility.public,) if ctx.actor.role is CallerRole.customer else (Visibility.public, Visibility.internal)
    )
    embedder = ctx.embedder or default_embedder()
    hits = await search(ctx.session, embedder, query, limit=max(min(limit, 10), PICK_POOL), visibilities=visible)
    common = await own_names(ctx.session, query, visible)
    scores = [h.score for h in hits]
    outlined = (  # under the floor, the retrieved article whose title or heading is well clear of the others'
        outline_stands_out(scores, await _outlines(ctx, embedder, query, hits, common))
        if hits and scores[0] < RELEVANCE_FLOOR and not stands_out(scores)
        else None
    )
    clear = stands_out(scores) or outlined is not None
    relevant = (
        [h for h in hits if h.score >= RELEVANCE_FLOOR]
        or ([hits[0]] if stands_out(scores) else [])
        or ([hits[outlined]] if outlined is not None else [])
        or [h for h in hits if titled_code(query, h.title)][:1]  # the article of the error code the question names
    )
    if not relevant or (relevant[0].score < NAME_SCORE and await unknown_names(ctx.session, query, visible)):
        # nothing close, or a match not strong enough to answer a question naming what no passage mentions
        return ToolResult(data={"found": False, "passages": []}, refs=[])
    chosen = await choose_article(
        ctx.session,
        embedder,
        query,
        [(h.article_id, h.title, h.score) for h in relevant],
        staff=ctx.actor.role is not CallerRole.customer,
        referable=[(h.article_id, h.title) for h in hits if h not in relevant],
        common=common,
    )
    if all(h.article_id != chosen for h in relevant):  # an article under the floor that the chosen one refers to
        relevant.insert(0, next(h for h in hits if h.article_id == chosen))
    relevant.sort(key=lambda h: h.article_id != chosen)  # the article answered from is [1]
    if (
        max(h.score for h in relevant) < WEAK_SCORE
        and not (question_need(query) == "steps" and clear)
        and not await weak_match_answers(ctx.session, query, chosen, visible)
    ):
        # a weak match whose article lacks a short question's distinctive words ("mortgage", "notarize"): no answer;
        # unless the question asks how to do something and one article stands well clear of the rest (by its score or
        # its title and headings): a how-to in other words than its article ("add a colleague to our workspace":
        # "Invite teammates")
        return ToolResult(data={"found": False, "passages": []}, refs=[])
    relevant = relevant[: max(1, min(limit, 10))]
    composed = await answer_from(ctx.session, embedder, query, chosen)
    if not composed.text:
        return ToolResult(data={"found": False, "passages": []}, refs=[])
    passages = [
        {
            "n": 1,
            "title": relevant[0].title,
            "section": ", ".join(composed.sections),
            "text": "\n\n".join(composed.evidence),
            "score": round(relevant[0].score, 3),
        }
    ]
    passages += [
        {"n": i + 1, "title": h.title, "heading": h.heading, "text": h.content, "score": round(h.score, 3)}
        for i, h in enumerate(relevant[1:], start=1)
    ]
    return ToolResult(
        data={"found": True, "answer": {"text": composed.text, "cite": 1, "need": composed.need}, "passages": passages},
        refs=[{"type": KbArticle.record_type, "id": str(h.article_id), "name": h.title} for h in relevant],
    )


async def _outlines(
    ctx: ToolContext, embedder: Embedder, query: str, hits: list[Hit], common: list[str]
) -> list[float]:
    """The retrieved articles' outline similarities to the question (`outline_similarities`), in retrieval order."""
    found = await outline_similarities(ctx.session, [h.article_id for h in hits], embedder, query, common=common)
    return [found.get(h.article_id, 0.0) for h in hits]


@tool(area="memory", untrusted=True)
async def search_conversations(ctx: ToolContext, query: str, limit: int = 5) -> ToolResult:
    """Find earlier ticket messages and assistant conversations similar to a problem ("have we seen this error before?").

    Only what the user may see is searched: their own conversations, and ticket threads if their role reads tickets.

    Args:
        query: the problem, error message or question
        limit: how many matches
    """
    matches = await search_memory(
        ctx.session, ctx.embedder or default_embedder(), ctx.actor, query, limit=min(limit, 20)
    )
    return ToolResult(
        data=[m.as_dict() for m in matches],
        refs=[{"type": "ticket", "id": m.record_id, "name": m.label} for m in matches if m.kind == "ticket"],
    )
