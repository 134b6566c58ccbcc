"""Citations: the answer's [n] markers become links to the real articles behind the passages.

The model (or the offline template) writes only [1], [2]...; the server decides where they point,
and a marker with no retrieved passage behind it is removed, as is any URL the model wrote, so an
answer never cites what it did not read.
"""

from __future__ import annotations

import re
from dataclasses import asdict, dataclass

_MARKER = re.compile(r"\s?\[(\d{1,2})\]")
_URL = re.compile(r"\(?https?://[^\s)]+\)?|www\.\S+")
ARTICLE_PATH = "/kb/articles/{id}"


@dataclass(frozen=True)
class Citation:
    number: int
    article_id: str
    title: str
    url: str

    def as_dict(self) -> dict[str, object]:
        return asdict(self)


def cite(answer: str, passages: list[dict[str, str]]) -> tuple[str, list[Citation]]:
    """Keep markers that point at a retrieved passage (`{"id", "name"}` in order), drop the rest and any URL."""
    used: dict[int, Citation] = {}

    def keep(match: re.Match[str]) -> str:
        number = int(match.group(1))
        if not 1 <= number <= len(passages):
            return ""
        passage = passages[number - 1]
        used.setdefault(number, Citation(number, passage["id"], passage["name"], ARTICLE_PATH.format(id=passage["id"])))
        return match.group(0)

    text = _MARKER.sub(keep, _URL.sub("", answer))
    return re.sub(r"[ \t]{2,}", " ", text).strip(), [used[n] for n in sorted(used)]
