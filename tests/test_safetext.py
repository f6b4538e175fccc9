"""The one definition of safe text: what is refused, what is dropped, and how values are printed."""

from __future__ import annotations

import time
import unicodedata
from datetime import date
from pathlib import Path

import yaml
from hypothesis import given, settings
from hypothesis import strategies as st

from conftest import examples
from generator.parse import parse_dump
from generator.problems import Problem
from generator.safetext import check, one_line, shown

# The definition, written out independently of the module's regular expressions.
DROPPED = {0xFEFF, *range(0x202A, 0x202F), *range(0x2066, 0x206A)}


def refused(code: int, multiline: bool) -> bool:
    if code == 0x0A:
        return not multiline
    return (
        (code < 0x20 and code != 0x09)
        or 0x7F <= code <= 0x9F
        or 0xD800 <= code <= 0xDFFF
        or 0xFDD0 <= code <= 0xFDEF
        or code & 0xFFFE == 0xFFFE
        or code in (0x2028, 0x2029)
    )


# Every code point can come up: surrogates, noncharacters, controls, bidi, markup.
SPECIAL = [chr(c) for c in (*DROPPED, 0x0A, 0x0D, 0x85, 0x2028, 0x2029, 0xFFFE, 0x10FFFF, 0xD800, 0x7F, 0x200E)]
CODE_POINT = st.one_of(
    st.characters(min_codepoint=0, max_codepoint=0x10FFFF, categories=None),
    st.integers(0xD800, 0xDFFF).map(chr),
    st.sampled_from([*SPECIAL, "<", "&", "[", "](javascript:x)", "{{", "\\", "'", '"']),
)
TEXT = st.lists(CODE_POINT, max_size=40).map("".join)


@settings(max_examples=examples(500))
@given(TEXT, st.booleans())
def test_check_keeps_every_other_code_point_exactly(text: str, multiline: bool) -> None:
    result = check(text, multiline=multiline)
    expected = [(ord(c), i, refused(ord(c), multiline)) for i, c in enumerate(text) if refused(ord(c), multiline)]
    expected += [(ord(c), i, False) for i, c in enumerate(text) if ord(c) in DROPPED]
    assert sorted((f.code, f.index, f.refused) for f in result.findings) == sorted(expected)
    assert result.text == "".join(c for c in text if ord(c) not in DROPPED)


@settings(max_examples=examples(500))
@given(TEXT)
def test_one_line_is_one_printable_line(text: str) -> None:
    line = one_line(text)
    assert len(line.splitlines()) <= 1
    line.encode("utf-8")  # no lone surrogate: it would crash the print
    assert not any(ord(c) in DROPPED or unicodedata.category(c) in ("Cc", "Zl", "Zp", "Cs") for c in line)
    problem = str(Problem(f"content/{text}.yml", 3, text))
    assert len(problem.splitlines()) == 1 and problem.startswith("content/")


@given(TEXT)
def test_shown_is_short_and_one_line(text: str) -> None:
    excerpt = shown(text)
    assert len(excerpt) <= 63 and len(excerpt.splitlines()) <= 1
    excerpt.encode("utf-8")


def test_clean_text_is_the_same_object_and_checked_fast() -> None:
    abstract = "Low-rank adapters (LoRA) fine-tune <b>large</b> models; see [1] & café — 日本語. " * 200
    assert check(abstract).text is abstract and not check(abstract).findings
    started = time.perf_counter()
    for _ in range(1000):
        check(abstract)
    assert time.perf_counter() - started < 1.0  # ~16 MB of text: one regular-expression search each


def test_shown_never_prints_a_value_whole() -> None:
    assert shown("three") == "'three'"
    assert shown("x" * 1000) == "'" + "x" * 60 + "'…"
    assert shown(["a", "b"]) == "a list of 2 items"
    assert shown({"a": 1}) == "a mapping of 1 key"
    assert shown(10**5000).startswith("a whole number of about 5001 digits")
    assert shown(None) == "None" and shown(True) == "True"
    started = time.perf_counter()
    levels = "\n".join(f"a{i}: &a{i} [" + ", ".join([f"*a{i - 1}"] * 9) + "]" for i in range(1, 10))
    expanded = yaml.load("a0: &a0 [lol, lol]\n" + levels, Loader=yaml.SafeLoader)
    assert shown(expanded) == "a mapping of 10 keys" and shown(expanded["a9"]) == "a list of 9 items"
    assert time.perf_counter() - started < 1.0


def test_a_problem_cannot_forge_a_line() -> None:
    forged = Problem("content/papers/x\n::error file=README.md::owned.yml", 1, "bad name 'a\u2028b'")
    assert str(forged) == "content/papers/x\\n::error file=README.md::owned.yml:1: bad name 'a\\u2028b'"


def test_a_dump_line_is_checked_by_the_same_rules(tmp_path: Path) -> None:
    dump = tmp_path / "dump.txt"
    dump.write_text(
        "Bad \ufffe title\n\nAn abstract.\n\n"
        "Reordered \u202eeltit title\n\nAn abstract.\n\nJun 5, 2024 3\n\n"
        "Far future\n\nAn abstract.\n\nJun 5, 2107 3\n",
        encoding="utf-8",
    )
    entries, problems = parse_dump(dump, 2025)
    assert [(e.title, e.published) for e in entries] == [
        ("Reordered eltit title", date(2024, 6, 5)),
        ("Far future", None),
    ]
    assert [str(p).replace(f"{tmp_path}/", "") for p in problems] == [
        "dump.txt:1: entry skipped: noncharacter U+FFFE at column 5",
        "dump.txt:5: warning: bidi control U+202E at column 11 dropped",
        "dump.txt:15: warning: date 2107-06-05 is outside 1800-01-01..2100-12-31; published is left empty",
    ]
