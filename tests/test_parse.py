"""The parser on one small fixture dump per case: exact entries and exact ``file:line: message`` problems."""

from __future__ import annotations

import importlib.util
import tracemalloc
from datetime import date
from pathlib import Path
from types import ModuleType

import pytest

from generator.parse import MAX_LINE, Entry, infer_capture_year, iter_dump, parse_dump
from generator.problems import Problem

DUMPS = Path(__file__).resolve().parent / "fixtures" / "dumps"


def _fixtures() -> ModuleType:
    spec = importlib.util.spec_from_file_location("make_fixtures", DUMPS / "make_fixtures.py")
    assert spec and spec.loader
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


F = _fixtures()
T1, T2, T3, A1, A2, A3 = F.T1, F.T2, F.T3, F.A1, F.A2, F.A3


def shown(problems: list[Problem]) -> list[str]:
    """Problems as the CLI prints them, paths relative to the fixture folder."""
    return [str(p).removeprefix(f"{DUMPS}/") for p in sorted(problems)]


def parse(name: str, capture_year: int | None = 2025) -> tuple[list[tuple[object, ...]], list[str]]:
    entries, problems = parse_dump(DUMPS / name, capture_year)
    assert all(e.source == name for e in entries)
    rows = [(e.line, e.title, e.abstract, e.authors, e.published, e.upvotes) for e in entries]
    return rows, shown(problems)


def test_committed_fixtures_match_their_generator() -> None:
    expected = {name: text.encode() for name, text in F.TEXT.items()} | F.BYTES
    on_disk = {p.name: p.read_bytes() for p in DUMPS.glob("*.txt")}
    assert on_disk == expected, "run: python tests/fixtures/dumps/make_fixtures.py"


def test_blank_lines_under_a_header() -> None:
    assert parse("blank_lines_header.txt") == (
        [(13, T1, A1, None, None, None), (17, T2, A2, None, None, None)],
        [],
    )


def test_no_blank_lines_with_a_subscribe_line() -> None:
    assert parse("no_blank_lines.txt") == (
        [(4, T1, A1, None, None, None), (6, T2, A2, None, None, None), (8, T3, A3, None, None, None)],
        [],
    )


def test_subscribe_glued_to_the_first_title_comes_off() -> None:
    assert parse("subscribe_glued.txt") == ([(3, T1, A1, None, None, None), (5, T2, A2, None, None, None)], [])


def test_a_real_title_starting_with_subscribe_stays_whole_after_a_subscribe_line() -> None:
    rows, problems = parse("subscribe_real_title.txt")
    assert [r[1] for r in rows] == ["Subscribe to Attention: Streaming Transformers", T2]
    assert problems == []


def test_a_real_title_starting_with_subscribe_loses_only_the_glued_button() -> None:
    assert parse("subscribe_real_title_glued.txt") == (
        [(3, "Subscriber Churn Prediction with LLMs", A1, None, None, None)],
        [],
    )


def test_a_header_without_subscribe_leaves_a_title_after_a_blank_line_alone() -> None:
    assert parse("header_without_subscribe.txt") == (
        [(5, "Subscriber Churn Prediction with LLMs", A1, None, None, None)],
        [],
    )


def test_a_dump_without_header_starts_with_its_first_title() -> None:
    assert parse("no_header.txt") == ([(1, T1, A1, None, None, None), (3, T2, A2, None, None, None)], [])


def test_metadata_blocks_give_authors_date_and_upvotes() -> None:
    assert parse("metadata_blocks.txt") == (
        [(13, T1, A1, 5, date(2024, 6, 5), 0), (21, T2, A2, 1, date(2023, 2, 13), 1)],
        [],
    )


def test_yearless_dates_take_the_capture_year() -> None:
    assert parse("yearless_dates.txt", 2025) == (
        [(13, T1, A1, 12, date(2025, 10, 2), 0), (21, T2, A2, 4, date(2025, 5, 8), 3)],
        [],
    )
    rows, _ = parse("yearless_dates.txt", 2019)
    assert [r[4] for r in rows] == [date(2019, 10, 2), date(2019, 5, 8)]


def test_yearless_dates_without_a_capture_year_are_warnings_and_null() -> None:
    rows, problems = parse("yearless_dates.txt", None)
    assert [(r[3], r[4], r[5]) for r in rows] == [(12, None, 0), (4, None, 3)]
    hint = "has no year and the capture year is unknown; add the dump to the sources manifest or pass --capture-year"
    assert problems == [
        f"yearless_dates.txt:19: warning: date 'Oct 2' {hint}",
        f"yearless_dates.txt:27: warning: date 'May 8 3' {hint}",
    ]


def test_a_trailing_number_on_a_date_line_is_the_upvote_count() -> None:
    rows, problems = parse("upvotes_trailing.txt")
    assert [(r[4], r[5]) for r in rows] == [(date(2023, 2, 13), 1), (date(2024, 11, 5), 12)]
    assert problems == []


def test_an_entry_without_metadata_between_others_is_all_null() -> None:
    assert parse("entry_without_metadata.txt") == (
        [
            (13, T1, A1, 5, date(2024, 6, 5), 0),
            (21, T2, A2, None, None, None),
            (25, T3, A3, 1, date(2023, 2, 13), 1),
        ],
        [],
    )


@pytest.mark.parametrize(
    ("name", "first_line"),
    [("crlf.txt", 13), ("bom.txt", 13), ("bom_no_header.txt", 1), ("no_final_newline.txt", 1)],
)
def test_line_endings_and_bom_change_nothing(name: str, first_line: int) -> None:
    rows, problems = parse(name)
    assert rows[0] == (first_line, T1, A1, *rows[0][3:])
    assert all("\r" not in r[1] + r[2] and "\ufeff" not in r[1] for r in rows)
    assert problems == []


def test_crlf_keeps_metadata_and_line_numbers() -> None:
    assert parse("crlf.txt") == ([(13, T1, A1, 5, date(2024, 6, 5), 0), (21, T2, A2, None, None, None)], [])


def test_trailing_spaces_and_tabs_are_stripped_and_whitespace_lines_are_blank() -> None:
    assert parse("trailing_spaces_tabs.txt") == (
        [(1, T1, A1, 5, date(2024, 6, 5), 0), (10, T2, A2, None, None, None)],
        [],
    )


@pytest.mark.parametrize("name", ["empty.txt", "header_only.txt"])
def test_a_dump_without_papers_gives_nothing_and_no_problem(name: str) -> None:
    assert parse(name) == ([], [])


def test_a_title_that_lost_its_abstract_is_reported_and_the_rest_stays_in_step() -> None:
    assert parse("missing_abstract.txt") == (
        [(2, T2, A2, None, None, None), (4, T3, A3, None, None, None)],
        ["missing_abstract.txt:1: title has no abstract"],
    )


def test_a_title_followed_by_metadata_is_reported_with_each_orphaned_metadata_line() -> None:
    rows, problems = parse("missing_abstract_before_metadata.txt")
    assert rows == [(1, T1, A1, 5, date(2024, 6, 5), 0), (15, T3, A3, None, None, None)]
    name = "missing_abstract_before_metadata.txt"
    assert problems == [
        f"{name}:9: title has no abstract (metadata follows it)",
        f"{name}:11: metadata line '• 1 author' belongs to no paper",
        f"{name}:12: metadata line '·' belongs to no paper",
        f"{name}:13: metadata line 'Feb 13, 2023 1' belongs to no paper",
    ]


def test_an_abstract_that_lost_its_title_is_reported_and_the_rest_stays_in_step() -> None:
    assert parse("missing_title.txt") == (
        [(1, T1, A1, None, None, None), (4, T3, A3, None, None, None)],
        ["missing_title.txt:3: abstract without a title"],
    )


def test_orphan_metadata_lines_are_each_reported() -> None:
    assert parse("orphan_metadata.txt") == (
        [(5, T1, A1, 1, date(2023, 2, 13), 1)],
        [
            "orphan_metadata.txt:1: metadata line '• 5 authors' belongs to no paper",
            "orphan_metadata.txt:2: metadata line '·' belongs to no paper",
            "orphan_metadata.txt:3: metadata line 'Jun 5, 2024' belongs to no paper",
            # A separator after a complete block is part of it, not an orphan.
        ],
    )


def test_special_characters_are_kept_verbatim() -> None:
    rows, problems = parse("special_chars.txt")
    assert problems == []
    assert rows == [
        (
            1,
            "<script>alert('x')</script> & Friends: $O(n^2)$ for `a_b` | {braces} \\ [x](y)",
            "Abstract with <b>tags</b>, &amp; entities, $math$, *stars*, __dunder__, `code`, [link](http://x/)"
            ", a | pipe, {{ jinja }}, {% tag %}, \\backslash, émigré façade 日本語 and emoji 🚀.",
            None,
            None,
            None,
        )
    ]


JOINED = "without a blank line: joined as one wrapped paragraph"


def test_a_wrapped_abstract_in_a_blank_line_dump_is_joined_with_a_warning_per_continuation() -> None:
    assert parse("wrapped_abstract.txt") == (
        [(1, T1, A1, None, None, None), (7, T2, A2, None, None, None)],
        [
            f"wrapped_abstract.txt:4: warning: text continues line 3 {JOINED}",
            f"wrapped_abstract.txt:5: warning: text continues line 4 {JOINED}",
        ],
    )


def test_an_impossible_date_is_a_warning_and_keeps_the_entry_and_its_upvotes() -> None:
    assert parse("impossible_date.txt") == (
        [(1, T1, A1, 5, None, 7), (9, T2, A2, 1, date(2023, 2, 13), 1)],
        ["impossible_date.txt:7: warning: no such date: 'Feb 30, 2024 7'; published is left empty"],
    )


def test_a_second_date_or_authors_line_in_one_block_is_an_error_and_the_first_stands() -> None:
    assert parse("two_date_lines.txt") == (
        [(1, T1, A1, 5, date(2024, 6, 5), 0)],
        [
            "two_date_lines.txt:8: second date line for one paper: 'Jun 6, 2024 2' (line 7 is kept)",
            "two_date_lines.txt:9: second authors line for one paper: '• 6 authors' (line 5 is kept)",
        ],
    )


def test_a_control_character_skips_its_entry_with_an_error_on_its_line() -> None:
    assert parse("control_chars.txt") == (
        [(1, T1, A1, None, None, None), (9, T3, A3, None, None, None)],
        ["control_chars.txt:5: entry skipped: control character U+0007 at column 18"],
    )


def test_an_absurd_upvote_count_is_an_error_not_a_crash() -> None:
    assert parse("long_number.txt") == (
        [(1, T1, A1, 5, date(2024, 6, 5), None)],
        ["long_number.txt:7: count of 5000 digits is not plausible: left empty"],
    )


def test_bytes_that_are_not_utf8_skip_their_entry_and_name_the_byte() -> None:
    assert parse("non_utf8.txt") == (
        [(1, T1, A1, None, None, None), (5, T3, A3, None, None, None)],
        [
            "non_utf8.txt:3: entry skipped: not valid UTF-8 (byte 4)",
            "non_utf8.txt:4: entry skipped: not valid UTF-8 (byte 248)",
        ],
    )


@pytest.mark.parametrize(
    ("name", "message"),
    [
        ("binary.txt", "binary.txt:3: not a text dump (binary data: a NUL byte); nothing is read from it"),
        ("utf16.txt", "utf16.txt:1: UTF-16 text, not UTF-8: save the dump as UTF-8"),
    ],
)
def test_binary_and_utf16_dumps_are_one_clean_error(name: str, message: str) -> None:
    assert parse(name) == ([], [message])


def test_a_nul_byte_makes_the_whole_file_binary_reported_on_its_line(tmp_path: Path) -> None:
    dump = tmp_path / "nul.txt"
    dump.write_bytes(f"{T1}\n{A1}\n{T2}\n".encode() + b"\x00\n" + A2.encode())
    assert parse_dump(dump, 2025)[0] == []
    assert shown_at(dump) == ["nul.txt:4: not a text dump (binary data: a NUL byte); nothing is read from it"]


def test_invalid_utf8_after_a_bom_counts_bytes_from_the_start_of_the_file(tmp_path: Path) -> None:
    dump = tmp_path / "d.txt"
    dump.write_bytes(b"\xef\xbb\xbfT\xff\n" + A1.encode() + b"\n")
    assert shown_at(dump) == ["d.txt:1: entry skipped: not valid UTF-8 (byte 5)"]


def shown_at(path: Path, capture_year: int | None = 2025) -> list[str]:
    _, problems = parse_dump(path, capture_year)
    return [str(p).removeprefix(f"{path.parent}/") for p in sorted(problems)]


def test_an_overlong_line_is_an_error_and_the_lines_after_it_still_parse(tmp_path: Path) -> None:
    dump = tmp_path / "long.txt"
    dump.write_bytes(f"{T1}\n".encode() + b"x" * (MAX_LINE + 10) + f"\n{T2}\n{A2}\n".encode())
    entries, _ = parse_dump(dump, 2025)
    assert [(e.line, e.title) for e in entries] == [(3, T2)]
    assert shown_at(dump) == [f"long.txt:2: entry skipped: line longer than {MAX_LINE} bytes"]


def test_an_overlong_first_line_after_a_bom_is_one_line(tmp_path: Path) -> None:
    dump = tmp_path / "long.txt"
    dump.write_bytes(b"\xef\xbb\xbf" + b"x" * (MAX_LINE + 10) + f"\n{T2}\n{A2}\n".encode())
    entries, _ = parse_dump(dump, 2025)
    assert [(e.line, e.title) for e in entries] == [(2, T2)]
    assert shown_at(dump) == [
        "long.txt:1: abstract without a title",  # a megabyte of text is no title
        f"long.txt:1: entry skipped: line longer than {MAX_LINE} bytes",
    ]


def test_a_line_of_exactly_the_limit_is_fine(tmp_path: Path) -> None:
    dump = tmp_path / "edge.txt"
    dump.write_bytes(f"{T1}\n".encode() + b"y" * MAX_LINE + b"\n")
    entries, problems = parse_dump(dump, 2025)
    assert [len(e.abstract) for e in entries] == [MAX_LINE]
    assert problems == []


def test_a_missing_or_unreadable_dump_is_one_problem_not_an_exception(tmp_path: Path) -> None:
    assert parse_dump(tmp_path / "gone.txt", 2025) == (
        [],
        [Problem(str(tmp_path / "gone.txt"), 1, "cannot read dump: No such file or directory")],
    )
    problems: list[Problem] = []
    assert list(iter_dump(tmp_path, 2025, problems)) == []
    assert [p.message for p in problems] == ["refused: not a regular file (a directory)"]


def test_iter_dump_streams_the_same_entries_and_problems_as_parse_dump() -> None:
    for path in sorted(DUMPS.glob("*.txt")):
        problems: list[Problem] = []
        assert (list(iter_dump(path, 2025, problems)), problems) == parse_dump(path, 2025)


def test_parse_dump_can_name_the_source() -> None:
    entries, _ = parse_dump(DUMPS / "no_header.txt", 2025, name="listing.txt")
    assert {e.source for e in entries} == {"listing.txt"}


def test_as_json_has_the_contract_keys_in_order() -> None:
    entry = Entry(T1, A1, 3, date(2024, 6, 5), 0, "x.txt", 1)
    assert list(entry.as_json().items()) == [
        ("title", T1),
        ("abstract", A1),
        ("authors", 3),
        ("published", "2024-06-05"),
        ("upvotes", 0),
        ("source", "x.txt"),
    ]


@pytest.mark.parametrize(
    ("name", "year"),
    [
        ("metadata_blocks.txt", 2025),  # newest printed year 2024
        ("yearless_dates.txt", None),  # no year printed at all
        ("no_header.txt", None),
        ("binary.txt", None),
    ],
)
def test_infer_capture_year_is_one_past_the_newest_printed_year(name: str, year: int | None) -> None:
    assert infer_capture_year(DUMPS / name) == year


def test_infer_capture_year_of_a_missing_dump_is_none(tmp_path: Path) -> None:
    assert infer_capture_year(tmp_path / "gone.txt") is None


def write_big_dump(path: Path, megabytes: int = 50) -> int:
    """A dump of real seed entries repeated to ``megabytes``; returns how many entries it holds."""
    seed = (Path(__file__).resolve().parent.parent / "content" / "sources" / "003_b02779cee325fa53.txt").read_bytes()
    start = seed.index(b"Computational Limits")
    body = seed[start:] + b"\n\n"
    repeats = megabytes * 1_000_000 // len(body) + 1
    with path.open("wb") as handle:
        handle.write(seed[:start])
        for _ in range(repeats):
            handle.write(body)
    return 74 * repeats


# 8 MB already exceeds the bound: a parser that read the file whole, or kept its entries, fails.
@pytest.mark.parametrize("megabytes", [8, pytest.param(50, marks=pytest.mark.slow)])
def test_a_big_dump_streams_through_iter_dump_in_bounded_memory(tmp_path: Path, megabytes: int) -> None:
    dump = tmp_path / "big.txt"
    expected = write_big_dump(dump, megabytes)
    problems: list[Problem] = []
    count = 0
    tracemalloc.start()
    try:
        for _ in iter_dump(dump, 2025, problems):  # entries are not kept, as the CLI does not keep them
            count += 1
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    assert (count, problems) == (expected, [])
    assert dump.stat().st_size > megabytes * 1_000_000
    assert peak < 5_000_000, f"peak {peak / 1e6:.1f} MB while streaming a {dump.stat().st_size / 1e6:.0f} MB dump"
