"""The online writer drafts and summaries may use: a function from (instructions, request) to text.

`store/` knows no model client: the assistant layer turns its chat model into a `Writer`
(`assistant.writer.writer_for`), which raises `WriterError` when the endpoint fails, and the
callers here then fall back to their offline text (templates, extractive summaries).
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable

Writer = Callable[[str, str], Awaitable[str]]


class WriterError(RuntimeError):
    """The writing model failed or timed out."""
