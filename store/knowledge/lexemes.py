"""How many chunks hold each full-text lexeme (`kb_lexemes`, kept by triggers): the figures by which the search picks a
query's rare terms (store/knowledge/search.py)."""

from __future__ import annotations

from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncConnection


async def compact_lexemes(conn: AsyncConnection) -> int:
    """Fold each lexeme's appended rows into one (migration 0015_kbspeed); returns how many rows went. Nothing happens
    while another compaction runs."""
    return int(await conn.scalar(text("SELECT kb_lexemes_compact()")) or 0)
