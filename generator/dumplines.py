"""A listing dump as a stream of lines: what the parser reads, and what it may not.

A dump is read line by line in bounded memory (a line over ``MAX_LINE`` bytes is cut and
reported), never as a whole file. Each non-blank line comes out stripped, with its number and
with what makes it untrustworthy: bytes that are not UTF-8, a character safetext refuses
(controls, line separators...), or the excess of an overlong line. What safetext only drops
(bidi controls, U+FEFF) is dropped, and said; a line that holds nothing else is untrustworthy
(it is not blank, and skipping it unsaid would shift a title onto the next line). A CRLF
line end and a UTF-8 BOM are tolerated; a file with a NUL byte near its start (or a UTF-16
BOM) is no text dump at all (``not_text``).
Which line is a title, an abstract or metadata is parse.py's business.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

from . import files
from .safetext import check, summary

BINARY_PROBE = 8192
MAX_LINE = 1 << 20  # bytes; a longer line is garbage, and keeping it would unbound memory
BOM = b"\xef\xbb\xbf"


@dataclass(frozen=True)
class Line:
    """A stripped non-blank line, or (joined by the parser) a wrapped paragraph of adjacent lines."""

    number: int
    text: str
    last: int  # the paragraph's last line
    bad: tuple[tuple[int, str], ...] = field(default=())  # (line, why it cannot be trusted)
    dropped: tuple[tuple[int, str], ...] = field(default=())  # (line, what was dropped from it): warnings


def _decode(raw: bytes, offset: int) -> tuple[str, str | None, str | None]:
    """A line's text (what safetext drops taken out), why it cannot be used, and what was dropped."""
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError as exc:
        return raw.decode("utf-8", errors="replace"), f"not valid UTF-8 (byte {exc.start + 1 + offset})", None
    checked = check(text)
    if not checked.findings:
        return text, None, None
    if refused := checked.refused:
        return text, summary(refused[:1], "column"), None
    if not checked.text.strip():  # kept as it was, and refused: a line that vanished would shift the entries
        return text, f"text is empty once invisible characters are dropped ({summary(checked.dropped, 'column')})", None
    return checked.text, None, f"{summary(checked.dropped, 'column')} dropped"


def read_lines(path: Path, root: Path | None) -> Iterator[Line]:
    """Non-blank lines, stripped, with 1-based numbers; CRLF and a BOM are tolerated."""
    with files.open_stream(path, files.DUMP, root) as handle:
        number = 0
        while raw := handle.readline(MAX_LINE + 1):
            number += 1
            too_long = len(raw) > MAX_LINE and not raw.endswith(b"\n")
            offset = 0
            if number == 1 and raw.startswith(BOM):
                raw, offset = raw[len(BOM) :], len(BOM)
            rest = raw
            while too_long and rest and not rest.endswith(b"\n"):
                rest = handle.readline(MAX_LINE)  # skip the rest of an overlong line
            text, bad, dropped = _decode(raw[:MAX_LINE].rstrip(b"\r\n"), offset)
            if too_long:
                bad = f"line longer than {MAX_LINE} bytes"
            if text := text.strip():
                yield Line(
                    number, text, number, ((number, bad),) if bad else (), ((number, dropped),) if dropped else ()
                )


def not_text(path: Path, root: Path | None) -> tuple[int, str] | None:
    """Where and why a file is no text dump at all (git's test: a NUL byte near the start)."""
    with files.open_stream(path, files.DUMP, root) as handle:
        probe = handle.read(BINARY_PROBE)
    if probe.startswith((b"\xff\xfe", b"\xfe\xff")):
        return 1, "UTF-16 text, not UTF-8: save the dump as UTF-8"
    if (nul := probe.find(b"\x00")) >= 0:
        return probe.count(b"\n", 0, nul) + 1, "not a text dump (binary data: a NUL byte); nothing is read from it"
    return None


class Peekable:
    """An iterator of lines that can look one ahead and swap the next line."""

    def __init__(self, lines: Iterator[Line]) -> None:
        self._lines = lines
        self._next: Line | None = next(lines, None)

    def __iter__(self) -> Peekable:
        return self

    def __next__(self) -> Line:
        if self._next is None:
            raise StopIteration
        current, self._next = self._next, next(self._lines, None)
        return current

    def peek(self) -> Line | None:
        return self._next

    def replace(self, line: Line) -> None:
        self._next = line
