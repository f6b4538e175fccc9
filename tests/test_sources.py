"""The sources manifest: capture years by file name, and every mismatch a warning with its line."""

from __future__ import annotations

from pathlib import Path

import pytest

from generator.problems import Problem, Severity
from generator.sources import Source, capture_year_for, discover, load_manifest

REPO = Path(__file__).resolve().parent.parent
NOT_A_YEAR = ": capture_year must be a year, e.g. capture_year: 2025"
DATED = (
    "Title\n\nAn abstract.\n\n  • 2 authors\n·\nMar 3, 2023\n\nOther\n\nAnother abstract.\n\n  • 1 author\n·\nMay 8\n"
)


def shown(problems: list[Problem], root: Path) -> list[str]:
    return [str(p).removeprefix(f"{root}/") for p in sorted(problems)]


def test_the_real_manifest_covers_every_seed_dump_with_2025() -> None:
    sources, problems = discover(REPO / "content" / "sources")
    assert problems == []
    assert [(s.path.name, s.capture_year) for s in sources] == [
        ("000_8f80a89e55e3a444.txt", 2025),
        ("001_e447b57b6173f75c.txt", 2025),
        ("002_367fe3e6a2dba6b3.txt", 2025),
        ("003_b02779cee325fa53.txt", 2025),
        ("004_4e5b10796f05fdf1.txt", 2025),
    ]


def test_dumps_are_sorted_and_an_unlisted_one_has_no_year_yet(tmp_path: Path) -> None:
    (tmp_path / "sources.yml").write_text("b.txt:\n  capture_year: 2024\n")
    for name in ("c.txt", "b.txt", "a.txt", "notes.md"):
        (tmp_path / name).write_text("")
    sources, problems = discover(tmp_path)
    assert sources == [
        Source(tmp_path / "a.txt", None),
        Source(tmp_path / "b.txt", 2024),
        Source(tmp_path / "c.txt", None),
    ]
    assert problems == []


def test_a_listed_dump_that_is_gone_is_a_warning_on_its_manifest_line(tmp_path: Path) -> None:
    (tmp_path / "sources.yml").write_text("# dumps\na.txt:\n  capture_year: 2025\ngone.txt:\n  capture_year: 2024\n")
    (tmp_path / "a.txt").write_text("")
    sources, problems = discover(tmp_path)
    assert [s.path.name for s in sources] == ["a.txt"]
    assert shown(problems, tmp_path) == ["sources.yml:4: warning: dump gone.txt is listed but missing"]


def test_no_manifest_means_no_years_and_no_problem(tmp_path: Path) -> None:
    assert load_manifest(tmp_path) == ({}, [])
    assert load_manifest(tmp_path / "no-such-dir") == ({}, [])
    assert discover(tmp_path / "no-such-dir") == ([], [])


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("", []),
        ("# only a comment\n", []),
        ("- a.txt\n", ["sources.yml:1: the manifest must map dump file names to settings"]),
        ("a.txt:\n  capture_year: 2025\na.txt:\n  capture_year: 2024\n", None),  # duplicate key: checked below
        ("a.txt:\n  capture_year: '2025'\n", ["sources.yml:1: a.txt" + NOT_A_YEAR]),
        ("a.txt:\n  capture_year: true\n", ["sources.yml:1: a.txt" + NOT_A_YEAR]),
        ("x: 1\na.txt: 2025\n", [f"sources.yml:{n}: {k}{NOT_A_YEAR}"
                                 for n, k in ((1, "x"), (2, "a.txt"))]),
        ("a.txt:\n  year: 2025\n", ["sources.yml:1: a.txt" + NOT_A_YEAR]),
        ("a.txt:\n  capture_year: 25\n", ["sources.yml:1: a.txt" + NOT_A_YEAR]),
    ],
)  # fmt: skip
def test_a_bad_manifest_is_problems_on_their_lines_never_an_exception(
    tmp_path: Path, text: str, expected: list[str] | None
) -> None:
    (tmp_path / "sources.yml").write_text(text)
    years, problems = load_manifest(tmp_path)
    if expected is None:
        assert years == {}
        assert [(p.line, p.message.startswith("invalid YAML: duplicate key 'a.txt'")) for p in problems] == [(3, True)]
    else:
        assert shown(problems, tmp_path) == expected
        assert all(p.severity is Severity.ERROR for p in problems)


def test_broken_yaml_is_one_problem_on_its_line(tmp_path: Path) -> None:
    (tmp_path / "sources.yml").write_text("a.txt:\n  capture_year: 2025\nb.txt: [\n")
    years, problems = load_manifest(tmp_path)
    assert years == {}
    assert [(p.line, p.message.split(":")[0]) for p in problems] == [(4, "invalid YAML")]


def test_good_entries_survive_next_to_a_bad_one(tmp_path: Path) -> None:
    (tmp_path / "sources.yml").write_text("a.txt:\n  capture_year: 2023\nb.txt:\n  capture_year: soon\n")
    years, problems = load_manifest(tmp_path)
    assert years == {"a.txt": 2023}
    assert [p.line for p in problems] == [3]


def test_a_manifest_that_is_not_utf8_is_one_problem(tmp_path: Path) -> None:
    (tmp_path / "sources.yml").write_bytes(b"a.txt:\n  capture_year: 2025 # caf\xe9\n")
    assert shown(load_manifest(tmp_path)[1], tmp_path) == ["sources.yml:2: not valid UTF-8 (byte 27)"]


def test_capture_year_comes_from_the_manifest_by_file_name_without_a_warning(tmp_path: Path) -> None:
    elsewhere = tmp_path / "seeds" / "a.txt"
    elsewhere.parent.mkdir()
    elsewhere.write_text(DATED)
    problems: list[Problem] = []
    assert capture_year_for(elsewhere, {"a.txt": 2021}, problems) == 2021
    assert problems == []


def test_an_unlisted_dump_gets_an_inferred_year_and_a_warning_naming_it(tmp_path: Path) -> None:
    dump = tmp_path / "new.txt"
    dump.write_text(DATED)
    problems: list[Problem] = []
    assert capture_year_for(dump, {"a.txt": 2021}, problems) == 2024
    assert shown(problems, tmp_path) == [
        "new.txt:1: warning: new.txt is not in the sources manifest;"
        " capture year 2024 inferred from its newest dated entry"
    ]


def test_an_unlisted_dump_without_any_year_says_so(tmp_path: Path) -> None:
    dump = tmp_path / "plain.txt"
    dump.write_text("Title\nAbstract\n")
    problems: list[Problem] = []
    assert capture_year_for(dump, {}, problems) is None
    assert shown(problems, tmp_path) == [
        "plain.txt:1: warning: plain.txt is not in the sources manifest;"
        " it prints no year to infer the capture year from, so year-less dates stay empty"
    ]


def test_a_missing_dump_gets_no_year_and_leaves_the_report_to_the_reader(tmp_path: Path) -> None:
    problems: list[Problem] = []
    assert capture_year_for(tmp_path / "gone.txt", {}, problems) is None
    assert capture_year_for(tmp_path, {}, problems) is None
    assert problems == []
