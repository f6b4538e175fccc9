"""One definition of safe text, applied wherever text enters: dump lines, record fields,
taxonomy terms, sources-manifest keys.

Every code point falls in one of three classes.

Refused (the text is an error at its ``path:line``; a dump entry is skipped, a record or
term is not used):

- C0 controls except tab (U+0000-U+0008, U+000A-U+001F), DEL (U+007F) and the C1 controls
  (U+0080-U+009F). A newline is text only in the multi-line fields (a record's ``abstract``
  and ``note``); everywhere else it is refused too. CR is refused everywhere: line ends are
  normalised before text gets here, so a CR left in a value was put there on purpose.
- Lone surrogates (U+D800-U+DFFF): no character at all, and no UTF-8 encoding exists.
- Unicode noncharacters: U+FDD0-U+FDEF and the last two code points of every plane
  (U+FFFE, U+FFFF, U+1FFFE, ..., U+10FFFF).
- The line and paragraph separators U+2028 and U+2029.

These are what YAML (front matter), JSON inside a ``<script>``, XML 1.0 (the Atom feeds) or
Markdown reject or read as a line break, or what is no character: written into a page they
make MkDocs drop its metadata and send the text through Markdown. They carry no meaning in
a title or an abstract, so the input is refused rather than altered behind the curator's back.

Dropped with a warning (the text is kept without them, and the warning names the place):

- U+FEFF (a byte order mark, or a zero-width no-break space) inside text: an editor's
  artefact, invisible, and it splits words for search.
- The bidi embedding, override and isolate controls U+202A-U+202E and U+2066-U+2069: they
  reorder how everything after them displays (a title could show its neighbour's text
  backwards, "Trojan Source"), and no title needs them.

A text of nothing but dropped code points and spaces (a title that is only a BOM) is empty:
wherever text is required, emptiness is tested on ``Checked.text``, after the drop, and such
a text is refused at its ``path:line`` like an empty one, never kept as an empty title.

Everything else is kept exactly, code point for code point. Clean text costs one compiled
regular-expression search at most.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date
from typing import Any

# Ids that would collide with a page the site makes itself, in every URL namespace an id
# names: papers/<id>/, topics/<id>/ (and topics/<id>/feed.xml), tags/<id>/. Each section's
# own page is <section>/index.md, so an id "index" would overwrite it (or be overwritten).
# Top-level pages (index, stats, about, search, feed.xml, papers.json, assets/, searchindex/)
# sit beside the sections, never inside them, and ids hold no "." or "/": no other id can
# reach them. The rest are device names a Windows checkout cannot hold as file names.
RESERVED_IDS = frozenset(
    {"index", "con", "prn", "aux", "nul", *(f"com{i}" for i in range(10)), *(f"lpt{i}" for i in range(10))}
)

# Dates every stage can carry: MkDocs' sitemap and the gzip/zip timestamps of its build stop
# at 2106, Atom wants four-digit years, and nothing older than 1800 is a research paper.
EARLIEST = date(1800, 1, 1)
LATEST = date(2100, 12, 31)

_NONCHARACTERS = "\ufdd0-\ufdef" + "".join(
    f"{chr(plane << 16 | 0xFFFE)}{chr(plane << 16 | 0xFFFF)}" for plane in range(17)
)
_REFUSED = "\x00-\x08\x0b-\x1f\x7f-\x9f\ud800-\udfff\u2028\u2029" + _NONCHARACTERS
_DROPPED = "\ufeff\u202a-\u202e\u2066-\u2069"
_SUSPECT_ONE_LINE = re.compile(f"[\n{_REFUSED}{_DROPPED}]")
NOT_PLAIN = _SUSPECT_ONE_LINE  # what one line of checked text never holds
_SUSPECT_MULTI_LINE = re.compile(f"[{_REFUSED}{_DROPPED}]")
_DROPPED_RE = re.compile(f"[{_DROPPED}]")


@dataclass(frozen=True)
class Finding:
    """One code point of a text that is refused or dropped, at a 0-based ``index``."""

    code: int
    index: int
    refused: bool

    @property
    def column(self) -> int:
        """The 1-based position of the code point in its text."""
        return self.index + 1

    def describe(self) -> str:
        """What the code point is, e.g. ``noncharacter U+FFFE``."""
        return f"{_kind(self.code)} U+{self.code:04X}"


def _kind(code: int) -> str:
    if code == 0x0A:
        return "line break"
    if code < 0x20 or 0x7F <= code <= 0x9F:
        return "control character"
    if 0xD800 <= code <= 0xDFFF:
        return "lone surrogate"
    if code in (0x2028, 0x2029):
        return "line separator"
    if code == 0xFEFF:
        return "byte order mark"
    if 0x202A <= code <= 0x202E or 0x2066 <= code <= 0x2069:
        return "bidi control"
    return "noncharacter"


@dataclass(frozen=True)
class Checked:
    """A text as checked: ``text`` without the dropped code points, and every finding."""

    text: str
    findings: tuple[Finding, ...] = ()

    @property
    def refused(self) -> tuple[Finding, ...]:
        return tuple(f for f in self.findings if f.refused)

    @property
    def dropped(self) -> tuple[Finding, ...]:
        return tuple(f for f in self.findings if not f.refused)


def summary(findings: tuple[Finding, ...], where: str = "character") -> str:
    """The first finding and how many more: one problem line per text, however many there are."""
    first, more = findings[0], len(findings) - 1
    return f"{first.describe()} at {where} {first.column}" + (f" (and {more} more)" if more else "")


def check(text: str, *, multiline: bool = False) -> Checked:
    """``text`` checked against the rules above; a newline is text only when ``multiline``."""
    # Every refused or dropped code point is unprintable to Python (Cc, Cf, Cs, Cn, Zl, Zp),
    # and isprintable() is ~20 times faster than the search for most text.
    if text.isprintable():
        return Checked(text)
    suspect = _SUSPECT_MULTI_LINE if multiline else _SUSPECT_ONE_LINE
    if suspect.search(text) is None:
        return Checked(text)
    findings = tuple(
        Finding(ord(m.group()), m.start(), _DROPPED_RE.fullmatch(m.group()) is None) for m in suspect.finditer(text)
    )
    cleaned = _DROPPED_RE.sub("", text) if any(not f.refused for f in findings) else text
    return Checked(cleaned, findings)


# Everything a terminal, a log or a CI annotation could read as a line break or that
# changes how the rest of the line displays: escaped, so one printed problem is one line.
_UNPRINTABLE_IN_A_LINE = re.compile(f"[\t\n{_REFUSED}{_DROPPED}\u0085\u200e\u200f\u061c]")
_NAMED = {"\t": "\\t", "\n": "\\n", "\r": "\\r"}


def _escape(match: re.Match[str]) -> str:
    char = match.group()
    if char in _NAMED:
        return _NAMED[char]
    code = ord(char)
    return f"\\x{code:02x}" if code <= 0xFF else f"\\u{code:04x}" if code <= 0xFFFF else f"\\U{code:08x}"


def one_line(text: str) -> str:
    """``text`` with line breaks, controls, bidi controls and the like escaped (``\\n``, ``\\u2028``):
    printed, it is one line that cannot forge another (an error line, a CI ``::error`` annotation)."""
    if text.isprintable() or _UNPRINTABLE_IN_A_LINE.search(text) is None:
        return text
    return _UNPRINTABLE_IN_A_LINE.sub(_escape, text)


SHOWN_MAX = 60


def shown(value: Any, limit: int = SHOWN_MAX) -> str:
    """A short escaped excerpt of any value for a message, in bounded time and memory.

    Strings are quoted as ``repr`` quotes them and cut with an ellipsis; collections are
    described ("a list of 3 items"), never printed whole: a list built by YAML aliases can
    be billions of items long while costing a few bytes.
    """
    if isinstance(value, str):
        return _shown_text(value, limit)
    if isinstance(value, bool) or value is None or isinstance(value, float):
        return repr(value)
    if isinstance(value, int):
        if value.bit_length() > 64:  # str() of a huge int is slow, and refused past 4,300 digits
            return f"a whole number of about {int(value.bit_length() * 0.30103) + 1} digits"
        return repr(value)
    if isinstance(value, date):
        return value.isoformat()
    if isinstance(value, list | tuple):
        return f"a list of {len(value)} item{'s' if len(value) != 1 else ''}"
    if isinstance(value, dict):
        return f"a mapping of {len(value)} key{'s' if len(value) != 1 else ''}"
    if isinstance(value, bytes | bytearray):
        return f"binary data of {len(value)} bytes"
    return f"a value of type {type(value).__name__}"


def _shown_text(text: str, limit: int) -> str:
    def quote(size: int) -> str:
        return one_line(repr(text[:size]))

    size = min(len(text), limit)
    if len(quote(size)) > limit + 2:  # escapes made it longer: the longest head that fits, never cut mid-escape
        low, high = 0, size
        while low < high:
            middle = (low + high + 1) // 2
            low, high = (middle, high) if len(quote(middle)) <= limit + 2 else (low, middle - 1)
        size = low
    return quote(size) + "…" if size < len(text) else quote(size)
