"""The flat record reader answers exactly as PyYAML does, or leaves the text to PyYAML."""

from __future__ import annotations

import datetime
from pathlib import Path

import yaml
from hypothesis import given, settings
from hypothesis import strategies as st

from generator import flatyaml, yamlio

REPO = Path(__file__).resolve().parent.parent


def pyyaml(text: str) -> object:
    return yaml.load(text, Loader=yamlio._Loader)  # the project's SafeLoader subclass


def test_every_seed_record_is_read_flat_and_equal_to_pyyaml() -> None:
    records = sorted((REPO / "content" / "papers").glob("*.yml"))
    assert len(records) > 400
    for path in records:
        text = path.read_text(encoding="utf-8")
        flat = flatyaml.load(text)
        assert flat is not None, path
        assert flat == pyyaml(text), path
        assert [type(v) for v in flat.values()] == [type(v) for v in pyyaml(text).values()], path


def test_a_record_as_curate_writes_it() -> None:
    text = (
        "# a curator's comment\n\n"
        'title: "A \\"quoted\\" title \\u00e9 \\x41 \\U0001F600 \\\\ end"\n'
        "published: 2024-02-29\nauthors: 12\nupvotes: 0\nstatus: must-read\nnote: null\n"
        "sources:\n  - 001_e447b57b6173f75c.txt\n  # kept\n\n  - 002.txt\ntopics:\n- unlearning\ntags: []\n"
    )
    flat = flatyaml.load(text)
    assert flat == pyyaml(text)
    assert flat is not None and flat["published"] == datetime.date(2024, 2, 29)
    assert flat["title"] == 'A "quoted" title é A 😀 \\ end'


# Lines outside the grammar, each of which PyYAML reads differently or refuses: the reader must
# give up on them, never guess.
NOT_FLAT = [
    "key: yes",  # a YAML 1.1 boolean
    "on: x",  # a boolean key
    "key: 007",  # octal
    "key: 1_000",
    "key: 1.5",
    "key: .inf",
    "key: 12:30",  # sexagesimal
    "key: ~",
    "key: 2024-02-30",  # no such day: PyYAML reports it
    "key: 'single'",
    'key: "unterminated',
    'key: "bad \\q escape"',
    'key: "lone \\ud800 surrogate"',
    'key: "x" # comment',
    "key: &a x",
    "key: *a",
    "key:\n  - a\n    - b",
    "key:\n  - a\n - b",
    "key:",
    "key: x\nkey: y",
    "key: a: b",
    "key: [a]",
    "key: {}",
    "---\nkey: x",
    "key: x\n...",
    "key:\tx",
    "key: \ufeffx",
    "key: \x85x",
    'key: "a\u2028b"',
    "key: x ",
    "key: -x",
    "- a",
    "",
]


def test_anything_outside_the_grammar_is_left_to_pyyaml() -> None:
    for text in NOT_FLAT:
        assert flatyaml.load(text) is None, text
        assert flatyaml.load(text + "\n") is None, text


KEYS = st.sampled_from(["title", "abstract", "note", "status", "Yes", "null", "on", "x_1", "_k", "tags"])
PLAIN = st.from_regex(r"[A-Za-z0-9][A-Za-z0-9._/+-]{0,12}", fullmatch=True) | st.sampled_from(
    ["yes", "No", "ON", "true", "null", "Null", "1e3", "0x1f", "0b101", "1_0", "12:30", "2024-01-01", "7", "1.5"]
)
QUOTED_BODY = st.lists(
    st.text(min_size=0, max_size=6).map(lambda s: s.replace("\\", "").replace('"', ""))
    | st.sampled_from(
        ["\\n", "\\t", '\\"', "\\\\", "\\x41", "\\u00e9", "\\U0001F600", "\\ud800", "\\q", "\\", "\\/", "\\N"]
    ),
    max_size=6,
).map("".join)
VALUE = (
    QUOTED_BODY.map(lambda s: f'"{s}"')
    | PLAIN
    | st.sampled_from(["null", "[]", "0", "42", "2024-02-29", "2023-13-01", "1999-01-01", "'x'", "~", ""])
)
ITEM = QUOTED_BODY.map(lambda s: f'"{s}"') | PLAIN


@st.composite
def documents(draw: st.DrawFn) -> str:
    lines = []
    for _ in range(draw(st.integers(1, 6))):
        key = draw(KEYS)
        if draw(st.booleans()):
            lines.append(f"{key}: {draw(VALUE)}")
        else:
            lines.append(f"{key}:")
            indent = draw(st.sampled_from(["", " ", "  ", "    "]))
            for _ in range(draw(st.integers(0, 3))):
                if not draw(st.integers(0, 5)):
                    lines.append(draw(st.sampled_from(["", "# c", "  # c", "#", "   "])))
                lines.append(f"{indent if draw(st.integers(0, 9)) else ' ' * 3}- {draw(ITEM)}")
    return "\n".join(lines) + draw(st.sampled_from(["", "\n"]))


@settings(max_examples=600, deadline=None)
@given(documents())
def test_where_the_reader_answers_it_answers_as_pyyaml(text: str) -> None:
    flat = flatyaml.load(text)
    try:
        expected = pyyaml(text)
    except (yaml.YAMLError, ValueError):
        assert flat is None, text
        return
    if flat is not None:
        assert flat == expected, text
        assert [type(v) for v in flat.values()] == [type(v) for v in expected.values()], text
