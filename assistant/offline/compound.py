"""Two changes in one message: "close 1050 and 1054", "expansion 188 won, and move upgrade 190 to qualification".

A message is cut at a join ("and", "also", "then", ";") into parts; each part is planned on its own (a part that names
no record is about the one the part before it writes: "mark the olga zhou lead lost and remind me to check back with
her"), and when every part's plan ends in a write, the writes are proposed together (one "yes" approves them all). A part that asks, reads or
finds nothing leaves the message to be planned whole, as one request: a split never writes less carefully than the
whole message would.
"""

from __future__ import annotations

import re

from assistant.offline.dialogue import is_question, opens_with_command

# Where a second request starts: "and" (then/also), "also", "then", ";", "&" or a question mark; never inside a number or
# a name.
_JOIN = re.compile(
    r"(?<=\?)\s+(?:and\s+|also\s+|then\s+|plus\s+)?|\s*;\s*|\s*,?\s+(?:and|&)\s+(?:also\s+|then\s+)?|\s*,\s*(?:also|then|plus)\s+|\s*\.\s+(?:also|and|then)\s+"
    r"|\s*\.\s+(?=remind\s+me\b)",  # "... -> lost, budget freeze. remind me to circle back sep 1"
    re.I,
)
# "met with sarah connor and lisa chen ...": the "and" joins the people one meeting or call was with
_WITH_NAMES = re.compile(r"\b(?:with|w/?)\s+[a-z][\w'-]*(?:\s+[a-z][\w'-]*){0,2}$", re.I)
_BARE_NUMBER = re.compile(r"^#?(\d{3,5})\W*$")
_NUMBER = re.compile(r"#?\b\d{3,5}\b")
_ENDS_NUMBERED, _STARTS_NUMBERED = re.compile(r"#?\b\d{3,5}$"), re.compile(r"^#?\d{3,5}\b")
# A part that carries a record's free text (a note's body, a call's summary) is not cut: its "and" is the user's prose.
# A dash before a command ("ben dubois lead - mark contacted") is no body.
_BODY = re.compile(
    r":\s|\b(?:about|re|that|saying|said|says)\b"
    r"|\s[-–—]\s(?!(?:mark|set|move|close|make|update|change|bump|push|put|assign|give)\b)",
    re.I,
)


def parts(text: str) -> list[str] | None:
    """The requests of a message that makes two or more changes, the first maybe a question ("what's the amount on
    orbitpath platform 151? also push it to end of may"); None for one request. A part that is only a number takes the
    verb of the part before it ("close 1050 and 1054" -> "close 1054")."""
    pieces = [p.strip(" ,.") for p in _JOIN.split(text.strip())]
    if len(pieces) < 2 or any(not p for p in pieces):
        return None
    said: list[str] = []
    for piece in pieces:
        bare = _BARE_NUMBER.match(piece)
        if not bare and said and _ENDS_NUMBERED.search(said[-1]) and _STARTS_NUMBERED.match(piece):
            return None  # "assign 1002 and 1003 to noah": what follows the numbers is said of both
        if bare and said and (number := _NUMBER.search(said[-1])):
            piece = f"{said[-1][: number.start()]}{bare[1]}{said[-1][number.end() :]}"
        elif len(piece.split()) < 2 or (said and is_question(piece)):
            return None  # "log a call with sarah and tom": one request; a question comes first or not at all
        elif said and _WITH_NAMES.search(said[-1]) and not opens_with_command(piece):
            return None
        said.append(piece)
    if any(_BODY.search(p) for p in said[:-1]):
        return None  # "note on acme: they want sso and scim": the body's "and"
    return said
