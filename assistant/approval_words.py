"""Whether a chat message approves or rejects the pending writes: only an unambiguous answer decides.

A message approves when the whole of it is affirmation ("yes", "ok go ahead", "yes please, thanks!"),
rejects when the whole of it is refusal ("no", "cancel that", "don't do it"), and decides nothing
otherwise: a question, a hesitation ("wait", "hold on", "actually"), a mix of yes and no, or any
further content ("yes but make it 40k") never applies a write.
"""

from __future__ import annotations

import re

COURTESY = ("please", "pls", "plz", "thanks", "thank you", "thx", "ty", "cheers")
YES_PHRASES = (
    "yes",
    "y",
    "yep",
    "yup",
    "yeah",
    "yea",
    "sure",
    "ok",
    "okay",
    "k",
    "approve",
    "approved",
    "confirm",
    "confirmed",
    "go ahead",
    "go",
    "go for it",
    "do it",
    "please do",
    "correct",
    "sounds good",
    "looks good",
    "lgtm",
    "absolutely",
    "of course",
    "alright",
    "all right",
    "right",
    "fine",
    "proceed",
    "👍",
)
NO_PHRASES = (
    "no",
    "n",
    "nope",
    "nah",
    "cancel",
    "cancel it",
    "cancel that",
    "cancel this",
    "reject",
    "reject it",
    "stop",
    "abort",
    "don't",
    "dont",
    "do not",
    "don't do it",
    "dont do it",
    "do not do it",
    "don't do that",
    "dont do that",
    "do not do that",
    "never mind",
    "nevermind",
    "forget it",
    "no way",
    "no thanks",
    "leave it",
    "no thank you",
    "👎",
)

_WORDS = re.compile(r"[\w']+|👍|👎", re.UNICODE)


def _phrases(words: tuple[str, ...]) -> list[tuple[str, ...]]:
    """Phrases as word tuples, longest first (so "do not do it" wins over "do not")."""
    return sorted({tuple(_WORDS.findall(p.replace("’", "'"))) for p in words}, key=len, reverse=True)


_COURTESY, _YES, _NO = _phrases(COURTESY), _phrases(YES_PHRASES), _phrases(NO_PHRASES)


def _all_of(words: list[str], vocabulary: list[tuple[str, ...]]) -> bool:
    """True when `words` split wholly into phrases of `vocabulary` and courtesies, with at least one of the former."""
    position, found = 0, False
    while position < len(words):
        for phrase in vocabulary + _COURTESY:
            if tuple(words[position : position + len(phrase)]) == phrase:
                found = found or phrase in vocabulary
                position += len(phrase)
                break
        else:
            return False
    return found


def verdict(text: str) -> bool | None:
    """True for an unambiguous approval, False for an unambiguous refusal, None for anything else."""
    normalised = text.strip().lower().replace("’", "'")
    if not normalised or "?" in normalised or len(normalised) > 80:
        return None
    words = _WORDS.findall(normalised)
    if _all_of(words, _NO) and not _all_of(words, _YES):
        return False
    if _all_of(words, _YES) and not _all_of(words, _NO):
        return True
    return None
