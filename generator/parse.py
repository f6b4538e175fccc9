"""Read listing dumps into entries.

Three layouts are seen in the wild, and one reader handles them all without being told
which: blank-line separated blocks under a boilerplate header; no blank lines at all with
"Subscribe" glued to the first title; and blocks followed by a metadata run
(``• N authors`` / ``·`` / a date line such as ``Jun 5, 2024``, ``Feb 13, 2023 1`` or the
year-less ``Oct 2``). A line is a title, an abstract or metadata by position and shape.
Files are streamed line by line (dumplines.py), so a dump of any size parses in bounded memory.

Every line is accounted for: it ends up in an entry, or a problem names its ``path:line``.
Choices made where a dump is ambiguous:

- The header is the run of boilerplate lines at the top (plus the page's date line after
  them). The page always prints its "Subscribe" button: when the header has no
  ``Subscribe`` line and the first title follows it directly and starts with
  "Subscribe", the button is glued to the title and is cut off (so ``SubscribeSubscribe
  to X`` reads ``Subscribe to X``). Without a header nothing is cut.
- A dump whose first title is followed by a blank line is blank-line separated; there a
  run of adjacent text lines is one wrapped paragraph, joined with single spaces, with a
  warning on each continuation line. In a dump without blank lines every line is a field.
- A date that does not exist (``Feb 30``) is a warning: the entry keeps a null date and its
  upvotes. A second authors or date line in one block is an error: the first one stands.
- A line dumplines.py cannot trust (a control character, bytes that are not UTF-8, more than
  1 MiB) is an error: its entry is skipped rather than stored altered.
- A count of more than 9 digits is an error and stays empty.
- Titles are short: a "title" over 200 characters followed by a short line is read as an
  abstract that lost its title, and title, title, abstract as a title that lost its abstract.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import date
from pathlib import Path

from . import files
from .dumplines import MAX_LINE, Line, Peekable, not_text, read_lines
from .problems import Problem, Severity
from .safetext import EARLIEST, LATEST, NOT_PLAIN

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
_MONTH_NAMES = ["Jan January", "Feb February", "Mar March", "Apr April", "May", "Jun June"]
_MONTH_NAMES += ["Jul July", "Aug August", "Sep Sept September", "Oct October", "Nov November", "Dec December"]
MONTHS = {name: number for number, names in enumerate(_MONTH_NAMES, start=1) for name in names.split()}
_MONTH = "|".join(sorted(MONTHS, key=len, reverse=True))
DATE_LINE = re.compile(rf"({_MONTH}) ([0-9]{{1,2}})(?:, ([0-9]{{4}}))?(?: ([0-9]+))?")
HEADER_DATE = re.compile(rf"({_MONTH}) [0-9]{{1,2}}(?:, [0-9]{{4}})?")
AUTHORS_LINE = re.compile(r"•\s*([0-9]+)\s+authors?")
MAX_COUNT = 9  # digits; int() of a thousand-digit count is slow or refused: a longer one is an error
SEPARATOR = "·"
# A title longer than this, followed by something short, is an abstract out of place.
ABSTRACT_LIKE = 200
# What a checked line never holds: what safetext refuses (controls, noncharacters, line
# separators...) or drops (bidi controls, U+FEFF).
UNSAFE = NOT_PLAIN


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
        """The entry as ``parse`` prints it, keys in contract order."""
        return {
            "title": self.title,
            "abstract": self.abstract,
            "authors": self.authors,
            "published": self.published.isoformat() if self.published else None,
            "upvotes": self.upvotes,
            "source": self.source,
        }


def _is_meta(text: str) -> bool:
    return text == SEPARATOR or bool(AUTHORS_LINE.fullmatch(text) or DATE_LINE.fullmatch(text))


def infer_capture_year(path: Path, root: Path | None = None) -> int | None:
    """The earliest year a listing could have been captured in: after every year it prints.

    A listing prints the year only for dates before the capture year, so the capture year
    is at least one past the newest year shown. Never the clock: same dump, same answer.
    An unreadable dump infers nothing (reading it reports why). ``root`` as for ``iter_dump``.
    """
    newest = None
    try:
        for line in read_lines(path, root):
            match = DATE_LINE.fullmatch(line.text)
            if match and match.group(3):
                year = int(match.group(3))
                newest = year if newest is None else max(newest, year)
    except OSError:
        return None
    return None if newest is None else newest + 1


class _Reader:
    """Walks one dump's lines and turns them into entries and problems."""

    def __init__(self, path: Path, name: str, capture_year: int | None, root: Path | None = None) -> None:
        self.path = path
        self.root = root
        self.name = name
        self.capture_year = capture_year
        self.problems: list[Problem] = []

    def problem(self, line: int, message: str, severity: Severity = Severity.ERROR) -> None:
        self.problems.append(Problem(str(self.path), line, message, severity))

    def entries(self) -> Iterator[Entry]:
        """Entries in file order; problems are collected on the way."""
        if found := not_text(self.path, self.root):
            self.problem(*found)
            return
        fields = Peekable(self._fields(self._body(read_lines(self.path, self.root))))
        pending: list[Line] = []  # a title and abstract waiting for their metadata
        meta: list[Line] = []
        for line in fields:
            if _is_meta(line.text):
                if len(pending) == 2:
                    meta.append(line)
                    continue
                if pending:
                    self._drop(pending[0], "title has no abstract (metadata follows it)")
                    pending = []
                self._drop(line, f"metadata line {line.text!r} belongs to no paper")
                continue
            if len(pending) == 2:
                yield from self._entry(pending, meta)
                pending, meta = [], []
            pending.append(line)
            if len(pending) == 2:
                pending = self._resync(pending, fields)
        if len(pending) == 2:
            yield from self._entry(pending, meta)
        elif pending:
            self._drop(pending[0], "title has no abstract (end of file)")

    def _drop(self, line: Line, message: str) -> None:
        self.problem(line.number, message)
        for number, why in line.bad:
            self.problem(number, f"entry skipped: {why}")

    def _resync(self, pending: list[Line], fields: Peekable) -> list[Line]:
        """Catch a title or an abstract gone missing before it shifts every entry after it."""
        title, abstract = pending
        if len(title.text) > ABSTRACT_LIKE and len(abstract.text) <= ABSTRACT_LIKE:
            self._drop(title, "abstract without a title")
            return [abstract]
        upcoming = fields.peek()
        if (
            len(abstract.text) <= ABSTRACT_LIKE
            and upcoming is not None
            and not _is_meta(upcoming.text)
            and len(upcoming.text) > ABSTRACT_LIKE
            and len(title.text) <= ABSTRACT_LIKE
        ):
            # title, title, abstract: the first title lost its abstract.
            self._drop(title, "title has no abstract")
            return [abstract]
        return pending

    def _body(self, lines: Iterator[Line]) -> Peekable:
        """Skip the page header; unglue "Subscribe" from the first title when it is glued."""
        stream = Peekable(lines)
        header_end = 0  # the header's last line, 0 while none is seen
        saw_subscribe = False
        while (line := stream.peek()) is not None:
            if line.text in BOILERPLATE or (header_end and HEADER_DATE.fullmatch(line.text)):
                header_end = line.number
                saw_subscribe = saw_subscribe or line.text == SUBSCRIBE
                next(stream)
                continue
            adjacent = header_end and line.number == header_end + 1
            if adjacent and not saw_subscribe and line.text.startswith(SUBSCRIBE):
                stream.replace(
                    Line(line.number, line.text[len(SUBSCRIBE) :].lstrip(), line.last, line.bad, line.dropped)
                )
            break
        return stream

    def _fields(self, lines: Peekable) -> Iterator[Line]:
        """Lines as fields: in a blank-line separated dump, adjacent text lines join into one."""
        separated: bool | None = None  # settled by the first title: is a blank line after it?
        for line in lines:
            upcoming = lines.peek()
            if _is_meta(line.text):
                yield line
                continue
            if separated is None:
                separated = upcoming is None or upcoming.number > line.number + 1
            parts, last, bad, dropped = [line.text], line.last, line.bad, line.dropped
            size = len(line.text)
            while (
                separated
                and upcoming is not None
                and upcoming.number == last + 1
                and not _is_meta(upcoming.text)
                and size < MAX_LINE  # a paragraph of a whole file would unbound memory
            ):
                self.problem(
                    upcoming.number,
                    f"text continues line {last} without a blank line: joined as one wrapped paragraph",
                    Severity.WARNING,
                )
                parts.append(upcoming.text)
                size += len(upcoming.text) + 1
                last, bad, dropped = upcoming.last, bad + upcoming.bad, dropped + upcoming.dropped
                next(lines)
                upcoming = lines.peek()
            yield Line(line.number, " ".join(parts), last, bad, dropped) if len(parts) > 1 else line

    def _entry(self, pending: list[Line], meta: list[Line]) -> Iterator[Entry]:
        title, abstract = pending
        broken = [bad for line in (title, abstract, *meta) for bad in line.bad]
        for number, why in broken:
            self.problem(number, f"entry skipped: {why}")
        for number, what in (dropped for line in (title, abstract, *meta) for dropped in line.dropped):
            self.problem(number, what, Severity.WARNING)
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

    def _metadata(self, meta: list[Line]) -> tuple[int | None, date | None, int | None]:
        authors: int | None = None
        published: date | None = None
        upvotes: int | None = None
        first: dict[str, int] = {}  # kind of line -> where the one that stands is
        for line in meta:
            if line.text == SEPARATOR:
                continue
            kind = "authors" if AUTHORS_LINE.fullmatch(line.text) else "date"
            if kind in first:
                self.problem(
                    line.number,
                    f"second {kind} line for one paper: {line.text!r} (line {first[kind]} is kept)",
                )
                continue
            first[kind] = line.number
            if match := AUTHORS_LINE.fullmatch(line.text):
                authors = self._count(line, match.group(1))
            elif match := DATE_LINE.fullmatch(line.text):
                upvotes = self._count(line, match.group(4) or "0")
                published = self._date(line, match)
        return authors, published, upvotes

    def _count(self, line: Line, digits: str) -> int | None:
        if len(digits) <= MAX_COUNT:
            return int(digits)
        self.problem(line.number, f"count of {len(digits)} digits is not plausible: left empty")
        return None

    def _date(self, line: Line, match: re.Match[str]) -> date | None:
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
            found = date(int(year) if year else self.capture_year or 0, month, day)
        except ValueError:
            self.problem(line.number, f"no such date: {line.text!r}; published is left empty", Severity.WARNING)
            return None
        if not EARLIEST <= found <= LATEST:  # a date some later stage (feeds, MkDocs) cannot carry
            message = f"date {found} is outside {EARLIEST}..{LATEST}; published is left empty"
            self.problem(line.number, message, Severity.WARNING)
            return None
        return found


def parse_dump(
    path: Path, capture_year: int | None, name: str | None = None, root: Path | None = None
) -> tuple[list[Entry], list[Problem]]:
    """Every entry of one dump in file order, and every problem met on the way (``root`` as for ``iter_dump``)."""
    reader = _Reader(path, name or path.name, capture_year, root)
    try:
        found = list(reader.entries())
    except OSError as exc:
        return [], [*reader.problems, files.unreadable(path, exc, " dump")]
    return found, reader.problems


def iter_dump(
    path: Path, capture_year: int | None, problems: list[Problem], root: Path | None = None
) -> Iterator[Entry]:
    """Stream one dump's entries; problems are appended as they are met.

    Under a content ``root`` a dump that leads outside it is refused; without one (``parse
    FILE...``) it may be anywhere. Either way only a regular file is read (see files).
    """
    reader = _Reader(path, path.name, capture_year, root)
    reader.problems = problems
    try:
        yield from reader.entries()
    except OSError as exc:
        problems.append(files.unreadable(path, exc, " dump"))
