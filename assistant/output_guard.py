"""The output guard: what the model writes is filtered before anyone sees it, streamed or whole.

A long run of the system prompt in an answer is withheld, and after a read of other people's text the links the
model wrote are removed (a link is a way out for data).
"""

from __future__ import annotations

import re
from collections import defaultdict
from functools import lru_cache

_TOKEN = re.compile(r"\S+")
_LINK = re.compile(r"https?://|www\.|\b[a-z0-9-]+(?:\.[a-z0-9-]+)*\.[a-z]{2,}/", re.I)
_NOT_ALNUM = re.compile(r"[\W_]+")  # exactly the characters for which str.isalnum() is false
WITHHELD = "[withheld: internal instructions]"
LINK_REMOVED = "[link removed]"


def _norm(token: str) -> str:
    """The token's letters and digits, lower-cased."""
    lowered = token.lower()
    return lowered if lowered.isalnum() else _NOT_ALNUM.sub("", lowered)


@lru_cache(maxsize=64)
def _indexed(system_prompt: str) -> tuple[tuple[str, ...], dict[str, tuple[int, ...]]]:
    """The prompt's normalised words and where each occurs: the same for every step of a caller's turns that day,
    so built once (two guards per model step would otherwise redo it)."""
    secret = tuple(w for w in map(_norm, system_prompt.split()) if w)
    where: dict[str, list[int]] = defaultdict(list)
    for index, word in enumerate(secret):
        where[word].append(index)
    return secret, {word: tuple(places) for word, places in where.items()}


class OutputGuard:
    """Filters the model's text, streamed or whole.

    A run of `span` or more words copied from the system prompt is replaced by one WITHHELD marker and, when
    `strip_links` (the turn read untrusted text), every link the model wrote is removed. While streaming, text is
    held back only as long as it could still turn out to belong to such a run, so the deltas never show one and
    add up to exactly what `clean` returns for the whole text.
    """

    def __init__(self, system_prompt: str, *, strip_links: bool = False, span: int = 8) -> None:
        self.secret, self.where = _indexed(system_prompt)
        self.strip_links, self.span = strip_links, span
        self.text, self.sent, self.hidden = "", 0, False
        self._longest: dict[int, int] = {}  # match lengths that can no longer grow

    def feed(self, delta: str) -> str:
        self.text += delta
        return self._emit(final=False)

    def finish(self) -> str:
        return self._emit(final=True)

    def clean(self, text: str) -> str:
        return self.feed(text) + self.finish()

    def _match(self, words: list[str], start: int) -> int:
        """The longest run of `words` from `start` that also appears, in order, in the system prompt."""
        if start in self._longest:
            return self._longest[start]
        best, ended = 0, True
        for j in self.where.get(words[start], ()):
            k = 0
            while start + k < len(words) and j + k < len(self.secret) and words[start + k] == self.secret[j + k]:
                k += 1
            best = max(best, k)
            ended = ended and (start + k < len(words))  # stopped by a mismatch, not by the text so far
        if ended:
            self._longest[start] = best
        return best

    def _emit(self, *, final: bool) -> str:
        tokens = [(m.start(), m.end(), _norm(m.group())) for m in _TOKEN.finditer(self.text)]
        complete = tokens if final or not self.text or self.text[-1].isspace() else tokens[:-1]
        words = [i for i, t in enumerate(complete) if t[2]]  # positions in `complete` of tokens with letters or digits
        norms = [complete[i][2] for i in words]
        longest = [self._match(norms, w) for w in range(len(norms))]
        secret: set[int] = set()
        for w, length in enumerate(longest):
            if length >= self.span:
                secret.update(words[w : w + length])
        hold = len(norms) if final else next((w for w in range(len(norms)) if longest[w] >= len(norms) - w), len(norms))
        end = len(complete) if hold == len(norms) else words[hold]
        out: list[str] = []
        for index in range(len(complete)):
            start, stop, norm = complete[index]
            if start < self.sent:
                continue
            if index >= end:
                break
            hidden = index in secret or (not norm and index - 1 in secret and index + 1 in secret)
            gap = self.text[self.sent : start]
            if hidden:
                if not self.hidden:
                    out.append(gap + WITHHELD)
                self.hidden = True
            else:
                token = self.text[start:stop]
                out.append(gap + (LINK_REMOVED if self.strip_links and _LINK.search(token) else token))
                self.hidden = False
            self.sent = stop
        if final:
            out.append(self.text[self.sent :])
            self.sent = len(self.text)
        return "".join(out)
