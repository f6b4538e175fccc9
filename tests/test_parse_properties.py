"""Properties of the parser over generated dumps (hypothesis).

Well-formed dumps are built from a model in every layout: blank-line separated or dense,
random headers (with "Subscribe" on its own line or glued to the first title), metadata
present or absent per entry, year-less dates, CRLF, a BOM, stray whitespace, no final
newline. They must round-trip exactly. Corrupted dumps (lines lost, doubled, swapped or
stray) and arbitrary bytes must never raise, must parse the same twice, and must account
for every line: each lands in an entry or in a problem reported on that line.

What "well-formed" needs, from the parser's documented choices: titles are at most 200
characters (longer ones read as abstracts out of place), no text line is metadata-shaped,
the first title is not a boilerplate line, and a blank-line dump never has two text lines
touching (that would be one wrapped paragraph).
"""

from __future__ import annotations

import random
import tempfile
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import date
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from conftest import examples
from generator.parse import (
    AUTHORS_LINE,
    BOILERPLATE,
    DATE_LINE,
    HEADER_DATE,
    SUBSCRIBE,
    UNSAFE,
    Entry,
    _is_meta,
    iter_dump,
    parse_dump,
)
from generator.problems import Problem
from generator.safetext import EARLIEST, LATEST

SETTINGS = {"deadline": None, "derandomize": True, "suppress_health_check": [HealthCheck.too_slow]}
MONTH_NAMES = [("Jan", "January"), ("Feb", "February"), ("Mar", "March"), ("Apr", "April"), ("May",), ("Jun", "June")]
MONTH_NAMES += [("Jul", "July"), ("Aug", "August"), ("Sep", "Sept", "September"), ("Oct", "October")]
MONTH_NAMES += [("Nov", "November"), ("Dec", "December")]
WORDS = ["LoRA", "a", "of", "the", "Low-Rank", "model's", "x²", "<b>", "&", "$k$", "`code`", "[x](y)", "|", "{a}", "\\"]
WORDS += ["日本語", "naïve", "—", "🚀", "Subscribe", "new", "Jun", "5,", "2024", "•", "authors", "·"]
TRICKY = [
    "Daily Papers",  # boilerplate below the header is a title like any other
    "new",
    "Subscribe",
    "Subscribe to Attention",
    "Subscriber Churn",
    "Jun 5, 2024 extra words",
    "• 5 authors and a half",
    "·x",
    "May 2024",
    "<script>alert(1)</script>",
    "{% raw %}{{ x }}",
    "a\tb",  # an inner tab is kept
    "A" * 200,
]
BLANKS = ["", "", " ", "\t", " \t ", "\u3000"]
PADS = ["", "", "", " ", "  ", "\t", " \t"]
Row = tuple[int, str, str, int | None, date | None, int | None]

# Noncharacters (Cn) are refused and bidi controls dropped: tested in test_safetext.
safe_chars = st.characters(
    exclude_categories=("Cc", "Cs", "Zl", "Zp", "Cn"),
    exclude_characters="\ufeff\u202a\u202b\u202c\u202d\u202e\u2066\u2067\u2068\u2069",
)
plain = st.text(safe_chars, min_size=1, max_size=160).map(str.strip)
worded = st.lists(st.sampled_from(WORDS), min_size=1, max_size=60).map(" ".join)
text = st.one_of(plain, worded, st.sampled_from(TRICKY)).filter(lambda t: bool(t) and not _is_meta(t))
title = text.filter(lambda t: len(t) <= 200)


@dataclass(frozen=True)
class Meta:
    lines: tuple[str, ...]
    authors: int | None
    published: date | None
    upvotes: int | None


@st.composite
def metadata(draw: st.DrawFn, rng: random.Random, capture_year: int) -> Meta:
    lines: list[str] = []
    authors = published = upvotes = None
    if draw(st.booleans()):
        authors = draw(st.integers(0, 999))
        noun = "author" if authors == 1 else rng.choice(["authors", "author"])
        lines.append(f"{rng.choice(['', '  '])}•{rng.choice([' ', '  ', ''])}{authors} {noun}")
    if draw(st.booleans()):
        lines.append("·")
    if draw(st.booleans()) or not lines:
        yearless = draw(st.booleans())
        # Dates outside what every stage carries (safetext.EARLIEST..LATEST) are left empty: tested elsewhere.
        year = st.dates(date(capture_year, 1, 1), date(capture_year, 12, 31))
        dates = year if yearless else st.dates(EARLIEST, LATEST)
        published = draw(dates)
        zero = "0" if published.day < 10 and rng.random() < 0.2 else ""  # "Jun 05" reads as well as "Jun 5"
        shown = f"{rng.choice(MONTH_NAMES[published.month - 1])} {zero}{published.day}"
        shown += "" if yearless else f", {published.year:04d}"
        upvotes = draw(st.one_of(st.just(0), st.integers(0, 10**9 - 1)))
        lines.append(shown if upvotes == 0 and rng.random() < 0.5 else f"{shown} {upvotes}")
    return Meta(tuple(lines), authors, published, upvotes)


@dataclass(frozen=True)
class Dump:
    data: bytes
    expected: list[Row]
    lines: list[str]  # the logical lines written, without their ends


HEADERS = st.lists(st.sampled_from(sorted(BOILERPLATE)), max_size=7)
PAPERS = st.lists(st.tuples(title, text, st.floats(0, 1)), max_size=8)


@st.composite
def dumps(draw: st.DrawFn) -> Dump:
    """A well-formed dump and the entries it must give with capture year 2025."""
    rng = draw(st.randoms(use_true_random=True))  # whitespace and line ends: cosmetic, cheap to vary
    separated = draw(st.booleans())
    header = draw(HEADERS)
    if header and draw(st.booleans()):
        header.append(draw(st.sampled_from(["Nov 21", "Mar 12", "May 8", "Oct 3, 2024", "June 30"])))
    # Dense dumps print the button glued to the first title whenever it has no line of its own.
    glued = not separated and bool(header) and SUBSCRIBE not in header
    with_meta = draw(st.sampled_from([0.0, 0.5, 1.0]))
    papers = draw(PAPERS)
    if papers and papers[0][0] in BOILERPLATE:
        papers[0] = ("A title", *papers[0][1:])
    lines: list[str] = []
    expected: list[Row] = []

    def blanks(least: int) -> None:
        lines.extend(rng.choice(BLANKS) for _ in range(least + rng.choice([0, 0, 1, 2])))

    def put(line: str) -> int:
        lines.append(rng.choice(PADS) + line + rng.choice(PADS))
        return len(lines)

    for line in header:
        put(line)
        if separated:
            blanks(0)
    for index, (paper_title, abstract, roll) in enumerate(papers):
        if separated or index:  # dense: nothing between the header and the (glued) first title
            blanks(1 if separated else 0)
        at = put((SUBSCRIBE if glued and index == 0 else "") + paper_title)
        if separated or index:  # a blank after the first title is what makes a dump blank-line separated
            blanks(1 if separated else 0)
        put(abstract)
        meta = draw(metadata(rng, 2025)) if roll < with_meta else None
        for meta_line in meta.lines if meta else ():
            blanks(0)
            put(meta_line)
        expected.append(
            (at, paper_title, abstract, *((meta.authors, meta.published, meta.upvotes) if meta else (None,) * 3))
        )
    return Dump(encode(rng, lines), expected, lines)


def encode(rng: random.Random, lines: list[str]) -> bytes:
    ends = rng.choice(["\n", "\r\n", "mixed"])
    data = "".join(line + (rng.choice(["\n", "\r\n"]) if ends == "mixed" else ends) for line in lines)
    if rng.random() < 0.3:
        data = data.rstrip("\r\n")  # no final newline
    return (b"\xef\xbb\xbf" if rng.random() < 0.3 else b"") + data.encode("utf-8")


@pytest.fixture(scope="module")
def scratch() -> Iterator[Path]:
    with tempfile.TemporaryDirectory() as directory:
        yield Path(directory) / "dump.txt"


def parsed(path: Path, data: bytes) -> tuple[list[Entry], list[Problem]]:
    path.write_bytes(data)
    first = parse_dump(path, 2025)
    streamed: list[Problem] = []
    assert (list(iter_dump(path, 2025, streamed)), streamed) == first  # same answer, streamed or not
    return first


@settings(max_examples=examples(1000), **SETTINGS)
@given(dump=dumps())
def test_well_formed_dumps_round_trip_exactly(scratch: Path, dump: Dump) -> None:
    entries, problems = parsed(scratch, dump.data)
    assert problems == []
    assert [(e.line, e.title, e.abstract, e.authors, e.published, e.upvotes) for e in entries] == dump.expected
    assert {e.source for e in entries} <= {scratch.name}


def header_end(lines: list[str]) -> int:
    """How many physical lines the parser may drop as the page header (the spec, restated)."""
    end = seen = 0
    for number, line in enumerate(lines, start=1):
        text = line.strip()
        if not text:
            continue
        if text in BOILERPLATE or (seen and HEADER_DATE.fullmatch(text)):
            end = seen = number
            continue
        break
    return end


def accounted(number: int, text: str, entries: list[Entry], reported: set[int]) -> bool:
    """Is this line in an entry, or named by a problem?"""
    if number in reported:
        return True
    before = [e for e in entries if e.line <= number]
    unglued = text[len(SUBSCRIBE) :].lstrip() if text.startswith(SUBSCRIBE) else text
    if any(e.line == number and (e.title in (text, unglued) or e.title.startswith(f"{text} ")) for e in before):
        return True
    if any(text in e.abstract for e in before if e.line < number):
        return True
    if not (_is_meta(text) and before):
        return False
    # A metadata line sits in the block of the entry just above it, and says what that entry holds.
    last = before[-1]
    if authors := AUTHORS_LINE.fullmatch(text):
        return last.authors == int(authors.group(1))
    if shown := DATE_LINE.fullmatch(text):
        return last.upvotes == int(shown.group(4) or 0)
    return text == "·"


def check_every_line_is_accounted_for(lines: list[str], entries: list[Entry], problems: list[Problem]) -> None:
    reported = {p.line for p in problems}
    skip = header_end(lines)
    for number, line in enumerate(lines, start=1):
        text = line.strip()
        if number > skip and text:
            assert accounted(number, text, entries, reported), f"line {number} lost: {text!r}"


@st.composite
def corrupted(draw: st.DrawFn) -> list[str]:
    """A well-formed dump's lines after a few edits below its header: lost, doubled, swapped or stray lines."""
    lines = list(draw(dumps()).lines)
    start = header_end(lines)
    for _ in range(draw(st.integers(1, 4))):
        if len(lines) <= start:
            break
        at = draw(st.integers(start, len(lines) - 1))
        edit = draw(st.sampled_from(["drop", "double", "swap", "stray", "meta", "long"]))
        if edit == "drop":
            del lines[at]
        elif edit == "double":
            lines.insert(at, lines[at])
        elif edit == "swap" and at + 1 < len(lines):
            lines[at], lines[at + 1] = lines[at + 1], lines[at]
        elif edit == "stray":
            lines.insert(at, draw(text))
        elif edit == "meta":
            lines.insert(at, draw(st.sampled_from(["·", "  • 3 authors", "Feb 30, 2024", "Oct 2 4", "Jun 5, 2024"])))
        elif edit == "long":
            lines.insert(at, "x" * draw(st.integers(201, 400)))
    return lines


@settings(max_examples=examples(600), **SETTINGS)
@given(lines=corrupted())
def test_corrupted_dumps_lose_no_line_silently(scratch: Path, lines: list[str]) -> None:
    entries, problems = parsed(scratch, "".join(f"{line}\n" for line in lines).encode())
    assert parsed(scratch, "".join(f"{line}\n" for line in lines).encode()) == (entries, problems)
    check_every_line_is_accounted_for(lines, entries, problems)


FRAGMENTS = [
    b"Subscribe",
    b"SubscribeTitle",
    b"new",
    b"\xc2\xb7",  # the separator
    b"  \xe2\x80\xa2 5 authors",
    b"Jun 5, 2024 1",
    b"Feb 30",
    b"Oct 2 " + b"9" * 5000,
    b"\xef\xbb\xbf",
    b"\xff\xfe",
    b"\x00",
    b"\r",
    b"\x1b[31m",
    b"\xe2\x80\xa8",
    b"caf\xe9",
    b"\xed\xa0\x80",  # an encoded surrogate: not UTF-8
    b"\xf0\x9f\x9a",  # a cut four-byte sequence
    b"\t \t",
    b"A plain line of text",
]
soup = st.lists(
    st.one_of(st.sampled_from(FRAGMENTS), st.binary(max_size=30)).flatmap(
        lambda fragment: st.sampled_from([b"\n", b"\r\n", b"", b"\n\n"]).map(lambda end: fragment + end)
    ),
    max_size=40,
).map(b"".join)


def check_survives(path: Path, data: bytes) -> None:
    entries, problems = parsed(path, data)
    assert parsed(path, data) == (entries, problems)
    physical = data.count(b"\n") + 1
    assert all(p.path == str(path) and 1 <= p.line <= physical for p in problems)
    lines = [e.line for e in entries]
    assert lines == sorted(set(lines))
    for entry in entries:
        for field in (entry.title, entry.abstract):
            assert field and field == field.strip() and not UNSAFE.search(field) and "\n" not in field
        assert entry.authors is None or 0 <= entry.authors < 10**9
        assert entry.upvotes is None or 0 <= entry.upvotes < 10**9


@settings(max_examples=examples(600), **SETTINGS)
@given(data=st.binary(max_size=3000))
def test_arbitrary_bytes_give_problems_never_an_exception(scratch: Path, data: bytes) -> None:
    check_survives(scratch, data)


@settings(max_examples=examples(600), **SETTINGS)
@given(data=soup)
def test_hostile_line_soup_gives_problems_never_an_exception(scratch: Path, data: bytes) -> None:
    check_survives(scratch, data)


@settings(max_examples=examples(200), **SETTINGS)
@given(dump=dumps(), data=st.data())
def test_a_bad_text_line_costs_its_entry_alone_with_an_error_on_its_line(
    scratch: Path, dump: Dump, data: st.DataObject
) -> None:
    start = header_end(dump.lines)
    # Text lines short enough that a few more bytes leave a title a title.
    texts = [(n, line.strip()) for n, line in enumerate(dump.lines, 1) if n > start]
    candidates = [n for n, line in texts if 0 < len(line) < 190 and not _is_meta(line)]
    if not candidates:
        return
    at = data.draw(st.sampled_from(candidates))
    lines = [line.encode() for line in dump.lines]
    bad = data.draw(st.sampled_from([b"\x07", b"\xff", b"\x00 x", b"\xe2\x80\xa9", b"\x1b[0m", b"\xc3"]))
    lines[at - 1] += bad
    entries, problems = parsed(scratch, b"\n".join(lines) + b"\n")
    assert [p.line for p in problems] == [at]
    if b"\x00" in bad:  # a NUL byte: the file is binary, nothing is read
        assert (entries, problems[0].message) == (
            [],
            "not a text dump (binary data: a NUL byte); nothing is read from it",
        )
        return
    assert problems[0].message.startswith("entry skipped: ")
    owner = max(row[0] for row in dump.expected if row[0] <= at)
    rows = [(e.line, e.title, e.abstract, e.authors, e.published, e.upvotes) for e in entries]
    assert rows == [row for row in dump.expected if row[0] != owner]
