"""Read listing dumps into entries.

Three layouts are seen in the wild, and one reader handles them all without being told
which: blank-line separated blocks under a boilerplate header; no blank lines at all with
"Subscribe" glued to the first title; and blocks followed by a metadata run
(``• N authors`` / ``·`` / a date line such as ``Jun 5, 2024``, ``Feb 13, 2023 1`` or the
year-less ``Oct 2``). Blank lines carry no meaning; a line is a title, an abstract or
metadata by position and shape. Files are streamed, so a dump of any size parses in
bounded memory.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import date
from pathlib import Path

from .problems import Problem, Severity

# Lines a listing page prints above its first paper. Stripped only at the top of a file:
# further down, a line reading "Daily Papers" is a paper's title.
BOILERPLATE = frozenset(
    {
        "new",
        "Get trending papers in your email inbox!",
        "Get trending papers in your email inbox once a day!",
        "Subscribe",
        "Daily Papers",
        "byAK and the research community",
    }
)
SUBSCRIBE = "Subscribe"
MONTHS = {
    name: number
    for number, names in enumerate(
        [
            ("Jan", "January"),
            ("Feb", "February"),
            ("Mar", "March"),
            ("Apr", "April"),
            ("May",),
            ("Jun", "June"),
            ("Jul", "July"),
            ("Aug", "August"),
            ("Sep", "Sept", "September"),
            ("Oct", "October"),
            ("Nov", "November"),
            ("Dec", "December"),
        ],
        start=1,
    )
    for name in names
}
_MONTH = "|".join(sorted(MONTHS, key=len, reverse=True))
DATE_LINE = re.compile(rf"({_MONTH}) (\d{{1,2}})(?:, (\d{{4}}))?(?: (\d+))?")
HEADER_DATE = re.compile(rf"({_MONTH}) \d{{1,2}}(?:, \d{{4}})?")
AUTHORS_LINE = re.compile(r"•\s*(\d+)\s+authors?")
SEPARATOR = "·"
# A title longer than this, followed by something short, is an abstract out of place.
ABSTRACT_LIKE = 200
BINARY_PROBE = 8192


@dataclass(frozen=True)
class Entry:
    """One paper as a dump lists it."""

    title: str
    abstract: str
    authors: int | None
    published: date | None
    upvotes: int | None
    source: str
    line: int  # where the title stands

    def as_json(self) -> dict[str, object]:
        return {
            "title": self.title,
            "abstract": self.abstract,
            "authors": self.authors,
            "published": self.published.isoformat() if self.published else None,
            "upvotes": self.upvotes,
            "source": self.source,
        }


@dataclass(frozen=True)
class _Line:
    number: int
    text: str
    bad: str | None = None  # why this line cannot be trusted, if it cannot


def _decode(raw: bytes) -> tuple[str, str | None]:
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError as exc:
        return raw.decode("utf-8", errors="replace"), f"not valid UTF-8 (byte {exc.start + 1})"
    for column, char in enumerate(text, start=1):
        if char != "\t" and unicodedata.category(char) == "Cc":
            return text, f"control character U+{ord(char):04X} at column {column}"
    return text, None


def _lines(path: Path) -> Iterator[_Line]:
    """Non-blank lines, stripped, with 1-based numbers; CRLF and a BOM are tolerated."""
    with path.open("rb") as handle:
        for number, raw in enumerate(handle, start=1):
            if number == 1 and raw.startswith(b"\xef\xbb\xbf"):
                raw = raw[3:]
            text, bad = _decode(raw.rstrip(b"\r\n"))
            text = text.strip()
            if text:
                yield _Line(number, text, bad)


def _is_binary(path: Path) -> bool:
    with path.open("rb") as handle:
        return b"\x00" in handle.read(BINARY_PROBE)


def _is_meta(text: str) -> bool:
    return text == SEPARATOR or bool(AUTHORS_LINE.fullmatch(text) or DATE_LINE.fullmatch(text))


def infer_capture_year(path: Path) -> int | None:
    """The earliest year a listing could have been captured in: after every year it prints.

    A listing prints the year only for dates before the capture year, so the capture year
    is at least one past the newest year shown. Never the clock: same dump, same answer.
    """
    newest = None
    for line in _lines(path):
        match = DATE_LINE.fullmatch(line.text)
        if match and match.group(3):
            year = int(match.group(3))
            newest = year if newest is None else max(newest, year)
    return None if newest is None else newest + 1


class _Reader:
    """Walks one dump's lines and turns them into entries and problems."""

    def __init__(self, path: Path, name: str, capture_year: int | None) -> None:
        self.path = path
        self.name = name
        self.capture_year = capture_year
        self.problems: list[Problem] = []

    def problem(self, line: int, message: str, severity: Severity = Severity.ERROR) -> None:
        self.problems.append(Problem(str(self.path), line, message, severity))

    def entries(self) -> Iterator[Entry]:
        if _is_binary(self.path):
            self.problem(1, "not a text dump (binary data)")
            return
        lines = self._body(_lines(self.path))
        pending: list[_Line] = []  # a title and abstract waiting for their metadata
        meta: list[_Line] = []
        for line in lines:
            if _is_meta(line.text):
                if len(pending) == 2:
                    meta.append(line)
                elif pending:
                    self.problem(pending[0].number, "title has no abstract (metadata follows it)")
                    pending = []
                else:
                    self.problem(line.number, f"metadata line {line.text!r} belongs to no paper")
                continue
            if len(pending) == 2:
                yield from self._entry(pending, meta)
                pending, meta = [], []
            pending.append(line)
            if len(pending) == 2:
                pending = self._resync(pending, lines)
        if len(pending) == 2:
            yield from self._entry(pending, meta)
        elif pending:
            self.problem(pending[0].number, "title has no abstract (end of file)")

    def _resync(self, pending: list[_Line], lines: _Peekable) -> list[_Line]:
        """Catch a title or an abstract gone missing before it shifts every entry after it."""
        title, abstract = pending
        if len(title.text) > ABSTRACT_LIKE and len(abstract.text) <= ABSTRACT_LIKE:
            self.problem(title.number, "abstract without a title")
            return [abstract]
        upcoming = lines.peek()
        if (
            len(abstract.text) <= ABSTRACT_LIKE
            and upcoming is not None
            and not _is_meta(upcoming.text)
            and len(upcoming.text) > ABSTRACT_LIKE
            and len(title.text) <= ABSTRACT_LIKE
        ):
            # title, title, abstract: the first title lost its abstract.
            self.problem(title.number, "title has no abstract")
            return [abstract]
        return pending

    def _body(self, lines: Iterator[_Line]) -> _Peekable:
        """Skip the page header; unglue "Subscribe" from the first title when it is glued."""
        stream = _Peekable(lines)
        saw_header = saw_subscribe = False
        while (line := stream.peek()) is not None:
            if line.text in BOILERPLATE or (saw_header and HEADER_DATE.fullmatch(line.text)):
                saw_header = True
                saw_subscribe = saw_subscribe or line.text == SUBSCRIBE
                next(stream)
                continue
            glued = saw_header and not saw_subscribe and line.text.startswith(SUBSCRIBE)
            if glued:
                stream.replace(_Line(line.number, line.text[len(SUBSCRIBE) :].lstrip(), line.bad))
            break
        return stream

    def _entry(self, pending: list[_Line], meta: list[_Line]) -> Iterator[Entry]:
        title, abstract = pending
        broken = [line for line in (title, abstract, *meta) if line.bad]
        for line in broken:
            self.problem(line.number, f"entry skipped: {line.bad}")
        authors, published, upvotes = self._metadata(meta)
        if broken:
            return
        yield Entry(
            title=title.text,
            abstract=abstract.text,
            authors=authors,
            published=published,
            upvotes=upvotes,
            source=self.name,
            line=title.number,
        )

    def _metadata(self, meta: list[_Line]) -> tuple[int | None, date | None, int | None]:
        authors: int | None = None
        published: date | None = None
        upvotes: int | None = None
        seen: set[str] = set()
        for line in meta:
            kind = "authors" if AUTHORS_LINE.fullmatch(line.text) else "date"
            if line.text == SEPARATOR:
                continue
            if kind in seen:
                self.problem(line.number, f"second {kind} line for one paper: {line.text!r}")
                continue
            seen.add(kind)
            if match := AUTHORS_LINE.fullmatch(line.text):
                authors = int(match.group(1))
            elif match := DATE_LINE.fullmatch(line.text):
                upvotes = int(match.group(4) or 0)
                published = self._date(line, match)
        return authors, published, upvotes

    def _date(self, line: _Line, match: re.Match[str]) -> date | None:
        month, day, year = MONTHS[match.group(1)], int(match.group(2)), match.group(3)
        if year is None and self.capture_year is None:
            self.problem(
                line.number,
                f"date {line.text!r} has no year and the capture year is unknown;"
                " add the dump to the sources manifest or pass --capture-year",
                Severity.WARNING,
            )
            return None
        try:
            return date(int(year) if year else self.capture_year or 0, month, day)
        except ValueError:
            self.problem(line.number, f"no such date: {line.text!r}", Severity.WARNING)
            return None


class _Peekable:
    """An iterator of lines that can look one ahead and swap the next line."""

    def __init__(self, lines: Iterator[_Line]) -> None:
        self._lines = lines
        self._next: _Line | None = next(lines, None)

    def __iter__(self) -> _Peekable:
        return self

    def __next__(self) -> _Line:
        if self._next is None:
            raise StopIteration
        current, self._next = self._next, next(self._lines, None)
        return current

    def peek(self) -> _Line | None:
        return self._next

    def replace(self, line: _Line) -> None:
        self._next = line


def parse_dump(path: Path, capture_year: int | None, name: str | None = None) -> tuple[list[Entry], list[Problem]]:
    """Every entry of one dump in file order, and every problem met on the way."""
    reader = _Reader(path, name or path.name, capture_year)
    try:
        found = list(reader.entries())
    except OSError as exc:
        return [], [Problem(str(path), 1, f"cannot read dump: {exc.strerror or exc}")]
    return found, reader.problems


def iter_dump(path: Path, capture_year: int | None, problems: list[Problem]) -> Iterator[Entry]:
    """Stream one dump's entries; problems are appended as they are met."""
    reader = _Reader(path, path.name, capture_year)
    reader.problems = problems
    try:
        yield from reader.entries()
    except OSError as exc:
        problems.append(Problem(str(path), 1, f"cannot read dump: {exc.strerror or exc}"))
