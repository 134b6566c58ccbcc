"""Reading a CSV file as it comes: its encoding and delimiter detected, rows streamed one at a time."""

from __future__ import annotations

import codecs
import csv
import io
from collections.abc import Iterator
from dataclasses import dataclass
from typing import BinaryIO

from charset_normalizer import from_bytes

from store.errors import InvalidInput

SAMPLE = 64 * 1024
DELIMITERS = ",;\t|"
csv.field_size_limit(1024 * 1024)


class _Counting(io.RawIOBase):
    """A binary stream that counts the bytes read through it (progress without knowing the row count)."""

    def __init__(self, raw: BinaryIO) -> None:
        self.raw, self.done = raw, 0

    def readable(self) -> bool:
        return True

    def readinto(self, buffer) -> int:  # type: ignore[no-untyped-def]
        data = self.raw.read(len(buffer))
        buffer[: len(data)] = data
        self.done += len(data)
        return len(data)


def detect_encoding(sample: bytes) -> str:
    """UTF-8 (with or without BOM), UTF-16 by BOM, else Windows-1252 when it decodes, else charset-normalizer's guess."""
    if sample.startswith(codecs.BOM_UTF8):
        return "utf-8-sig"
    if sample.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        return "utf-16"
    try:
        codecs.getincrementaldecoder("utf-8")().decode(sample, final=False)
        return "utf-8"
    except UnicodeDecodeError:
        pass
    try:
        sample.decode("cp1252")
        return "cp1252"
    except UnicodeDecodeError:
        best = from_bytes(sample).best()
        return best.encoding if best is not None else "latin-1"


def detect_delimiter(text: str) -> str:
    """The delimiter of the header line (comma, semicolon, tab or pipe: the most frequent one there, since headers
    rarely hold any), else what csv.Sniffer finds in the first lines, else a comma."""
    first = text.splitlines()[0] if text else ""
    counts = {d: first.count(d) for d in DELIMITERS}
    best = max(counts, key=counts.__getitem__)
    if counts[best]:
        return best
    try:
        return csv.Sniffer().sniff(text, delimiters=DELIMITERS).delimiter
    except csv.Error:
        return ","


@dataclass
class Table:
    """An open CSV file: its header, encoding, delimiter and rows (numbered as a spreadsheet shows them)."""

    header: list[str]
    encoding: str
    delimiter: str
    size: int
    _reader: Iterator[list[str]]
    _counter: _Counting

    @property
    def bytes_read(self) -> int:
        return self._counter.done

    def rows(self) -> Iterator[tuple[int, dict[str, str] | None, str | None]]:
        """(row number, {column: cell}, None) per record, or (row number, None, reason) for a malformed one."""
        width, number = len(self.header), 1
        while True:
            number += 1
            try:
                cells = next(self._reader)
            except StopIteration:
                return
            except csv.Error as err:
                yield number, None, f"cannot be read as CSV: {err}"
                continue
            if not any(c.strip() for c in cells):
                continue
            if len(cells) != width:
                yield number, None, f"has {len(cells)} values where the header has {width}"
                continue
            if any("\x00" in c for c in cells):
                yield number, None, "contains a NUL character"
                continue
            yield number, {h: c.replace("\r\n", "\n") for h, c in zip(self.header, cells)}, None


def open_table(raw: BinaryIO, size: int = 0) -> Table:
    """Detect the encoding and delimiter from the file's start, then stream it (quoted newlines included)."""
    counter = _Counting(raw)
    buffered = io.BufferedReader(counter, buffer_size=SAMPLE)
    sample = buffered.peek(SAMPLE)[:SAMPLE]
    encoding = detect_encoding(sample)
    text_sample = sample.decode(encoding, errors="ignore")
    cut = text_sample.rfind("\n")
    delimiter = detect_delimiter(text_sample[: cut if cut > 0 else len(text_sample)])
    text = io.TextIOWrapper(buffered, encoding=encoding, newline="", errors="replace")
    reader = csv.reader(text, delimiter=delimiter)
    try:
        header = [h.strip() for h in next(reader)]
    except StopIteration:
        raise InvalidInput("file", "is empty: a CSV file needs a header row") from None
    except (UnicodeDecodeError, csv.Error) as err:
        raise InvalidInput("file", f"cannot be read as CSV ({err})") from None
    if not any(header):
        raise InvalidInput("file", "the first row (the header) is empty")
    return Table(header=header, encoding=encoding, delimiter=delimiter, size=size, _reader=reader, _counter=counter)
