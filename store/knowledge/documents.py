"""Reading knowledge-base files: Markdown (with front matter), HTML, plain text and JSON articles."""

from __future__ import annotations

import hashlib
import json
import re
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from html.parser import HTMLParser
from pathlib import Path

from store.models.enums import Visibility

SUFFIXES = {".md", ".markdown", ".html", ".htm", ".txt", ".json"}
MAX_BYTES = 20 * 1024 * 1024


@dataclass(frozen=True)
class Document:
    """One article ready to ingest; `source` identifies it across re-ingests."""

    source: str
    title: str
    content: str
    visibility: Visibility = Visibility.public
    url: str | None = None

    def to_json(self) -> dict[str, str | None]:
        return {
            "source": self.source,
            "title": self.title,
            "content": self.content,
            "visibility": self.visibility.value,
            "url": self.url,
        }

    @classmethod
    def from_json(cls, data: dict[str, str | None]) -> Document:
        return cls(
            str(data["source"]),
            str(data["title"]),
            str(data["content"]),
            Visibility(str(data["visibility"])),
            data.get("url"),
        )

    @property
    def content_hash(self) -> str:
        text = f"{self.title}\n{self.visibility.value}\n{self.url or ''}\n{self.content}"
        return hashlib.sha256(text.encode()).hexdigest()


@dataclass(frozen=True)
class Skipped:
    """A file that could not be read, and why."""

    path: str
    reason: str


def read_paths(paths: Iterable[str | Path]) -> Iterator[Document | Skipped]:
    """Every article under the given files and folders (recursively), in a stable order."""
    for path in map(Path, paths):
        if path.is_dir():
            files = sorted(p for p in path.rglob("*") if p.is_file() and not p.name.startswith("."))
        elif path.exists():
            files = [path]
        else:
            yield Skipped(str(path), "no such file or folder")
            continue
        for file in files:
            yield from read_file(file)


def read_file(path: Path) -> Iterator[Document | Skipped]:
    """The article(s) of one file, or why it was skipped (unreadable, binary, empty, unknown type)."""
    suffix = path.suffix.lower()
    if suffix not in SUFFIXES:
        yield Skipped(str(path), f"unsupported file type '{suffix}' (use {', '.join(sorted(SUFFIXES))})")
        return
    try:
        raw = path.read_bytes()
    except OSError as err:
        yield Skipped(str(path), f"unreadable: {err.strerror or err}")
        return
    if len(raw) > MAX_BYTES:
        yield Skipped(str(path), f"larger than {MAX_BYTES // (1024 * 1024)} MB")
        return
    if b"\x00" in raw:
        yield Skipped(str(path), "binary file")
        return
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError:
        yield Skipped(str(path), "not UTF-8 text")
        return
    if not text.strip():
        yield Skipped(str(path), "empty file")
        return
    if suffix == ".json":
        yield from _json_articles(path, text)
    elif suffix in (".html", ".htm"):
        title, body = _html(text)
        yield Document(source=str(path), title=title or _title_from_name(path), content=body)
    else:
        meta, body = _front_matter(text)
        heading = re.search(r"^#\s+(.+)$", body, re.M)
        title = meta.get("title") or (heading.group(1).strip() if heading else _title_from_name(path))
        yield Document(
            source=str(path),
            title=title,
            content=body.strip(),
            visibility=_visibility(meta.get("visibility"), title),
            url=meta.get("url"),
        )


def _json_articles(path: Path, text: str) -> Iterator[Document | Skipped]:
    try:
        data = json.loads(text)
    except json.JSONDecodeError as err:
        yield Skipped(str(path), f"invalid JSON: {err.msg} at line {err.lineno}")
        return
    items = data if isinstance(data, list) else [data]
    for index, item in enumerate(items):
        if not isinstance(item, dict) or not all(
            isinstance(value := item.get(k), str) and value.strip() for k in ("id", "title", "content")
        ):
            yield Skipped(f"{path}#{index}", 'a JSON article needs non-empty "id", "title" and "content" strings')
            continue
        yield Document(
            source=item["id"],
            title=item["title"].strip(),
            content=item["content"].strip(),
            visibility=_visibility(item.get("visibility"), item["title"]),
            url=item.get("url"),
        )


def _visibility(value: object, title: str) -> Visibility:
    """Explicit visibility wins; otherwise articles titled "Internal: ..." are internal."""
    if isinstance(value, str) and value.strip().lower() in ("public", "internal"):
        return Visibility(value.strip().lower())
    return Visibility.internal if title.lower().startswith("internal") else Visibility.public


_FRONT = re.compile(r"\A---\s*\n(.*?)\n---\s*\n", re.S)


def _front_matter(text: str) -> tuple[dict[str, str], str]:
    match = _FRONT.match(text)
    if not match:
        return {}, text
    meta = {}
    for line in match.group(1).splitlines():
        key, sep, value = line.partition(":")
        if sep:
            meta[key.strip().lower()] = value.strip().strip("\"'")
    return meta, text[match.end() :]


def _title_from_name(path: Path) -> str:
    return path.stem.replace("-", " ").replace("_", " ").strip().capitalize()


class _HtmlToMarkdown(HTMLParser):
    """Keeps text, turns h1-h3 into Markdown headings and blocks into paragraphs."""

    BLOCKS = {"p", "div", "li", "br", "tr", "section", "article", "ul", "ol", "table"}
    SKIP = {"script", "style", "nav", "footer", "head"}

    def __init__(self) -> None:
        super().__init__()
        self.out: list[str] = []
        self.title = ""
        self._skip = 0
        self._in_title = False

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag in self.SKIP:
            self._skip += 1
        elif tag == "title":
            self._in_title = True
        elif tag in ("h1", "h2", "h3"):
            self.out.append("\n\n" + "#" * int(tag[1]) + " ")
        elif tag in self.BLOCKS:
            self.out.append("\n\n" if tag != "li" else "\n- ")

    def handle_endtag(self, tag: str) -> None:
        if tag in self.SKIP:
            self._skip = max(0, self._skip - 1)
        elif tag == "title":
            self._in_title = False
        elif tag in ("h1", "h2", "h3"):
            self.out.append("\n\n")

    def handle_data(self, data: str) -> None:
        if self._in_title:
            self.title += data
        elif not self._skip:
            self.out.append(re.sub(r"\s+", " ", data))


def _html(text: str) -> tuple[str, str]:
    parser = _HtmlToMarkdown()
    parser.feed(text)
    body = re.sub(r"\n{3,}", "\n\n", "".join(parser.out)).strip()
    heading = re.search(r"^#\s+(.+)$", body, re.M)
    return (parser.title.strip() or (heading.group(1).strip() if heading else "")), body
