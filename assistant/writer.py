"""A chat model as the intelligence layer's `Writer`: instructions and a request in, text out."""

from __future__ import annotations

from assistant.messages import Message
from assistant.model import ChatModel, ModelError
from store.intelligence.writer import Writer, WriterError


def writer_for(model: ChatModel) -> Writer:
    """Write with `model` (no tools); its failures become `WriterError`."""

    async def write(instructions: str, request: str) -> str:
        try:
            response = await model.request([Message("system", instructions), Message("user", request)], [])
        except ModelError as err:
            raise WriterError(str(err)) from err
        return (response.message.content or "").strip()

    return write
