"""Splitting an article into passages: by headings, then paragraphs, with a little overlap; each knows its section role."""

from __future__ import annotations

import re
from dataclasses import dataclass

from store.knowledge.sections import Role, section_role

TARGET_CHARS = 900  # ~220 word pieces: inside MiniLM's 256-token window
OVERLAP_CHARS = 150
_HEADING = re.compile(r"^(#{1,6})\s+(.+?)\s*#*\s*$", re.M)
_SENTENCE = re.compile(r"(?<=[.!?])\s+")


@dataclass(frozen=True)
class Chunk:
    ordinal: int
    heading: str | None
    content: str
    section: Role = "overview"

    def embed_text(self, title: str) -> str:
        """What gets embedded: the title and heading give a passage its context."""
        return f"{title}. {self.heading}. {self.content}" if self.heading else f"{title}. {self.content}"


def chunk(text: str, *, target: int = TARGET_CHARS, overlap: int = OVERLAP_CHARS) -> list[Chunk]:
    """Chunks of about `target` characters; nothing is dropped, however long the article."""
    chunks: list[Chunk] = []
    for heading, body in _sections(text):
        for piece in _pack(_paragraphs(body, target), target, overlap):
            chunks.append(Chunk(len(chunks), heading, piece, section_role(heading, piece)))
    return chunks


def _sections(text: str) -> list[tuple[str | None, str]]:
    sections: list[tuple[str | None, str]] = []
    heading: str | None = None
    start = 0
    for match in _HEADING.finditer(text):
        sections.append((heading, text[start : match.start()]))
        heading, start = match.group(2).strip(), match.end()
    sections.append((heading, text[start:]))
    return [(h, b.strip()) for h, b in sections if b.strip()]


def _paragraphs(body: str, target: int) -> list[str]:
    """Paragraphs, with any paragraph longer than `target` split at sentences (or hard-wrapped)."""
    out = []
    for paragraph in (p.strip() for p in re.split(r"\n\s*\n", body) if p.strip()):
        if len(paragraph) <= target:
            out.append(paragraph)
            continue
        current = ""
        for sentence in _SENTENCE.split(paragraph):
            while len(sentence) > target:
                out.append(sentence[:target])
                sentence = sentence[target:]
            if current and len(current) + len(sentence) + 1 > target:
                out.append(current)
                current = ""
            current = f"{current} {sentence}".strip()
        if current:
            out.append(current)
    return out


def _pack(paragraphs: list[str], target: int, overlap: int) -> list[str]:
    """Greedy packing of paragraphs; each new chunk repeats the tail of the previous one."""
    chunks, current = [], ""
    for paragraph in paragraphs:
        if current and len(current) + len(paragraph) + 2 > target:
            chunks.append(current)
            tail = current[-overlap:]
            current = tail[tail.find(" ") + 1 :] if " " in tail else ""
        current = f"{current}\n\n{paragraph}".strip() if current else paragraph
    if current:
        chunks.append(current)
    return chunks
