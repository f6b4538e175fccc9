"""``python -m generator parse FILE...`` as a user runs it: JSON Lines out, ``path:line`` problems, exit codes."""

from __future__ import annotations

import json
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from generator.parse import parse_dump

REPO = Path(__file__).resolve().parent.parent
SOURCES = REPO / "content" / "sources"
DUMPS = Path(__file__).resolve().parent / "fixtures" / "dumps"
D003 = "003_b02779cee325fa53.txt"
KEYS = ["title", "abstract", "authors", "published", "upvotes", "source"]


def run(*args: str | Path) -> subprocess.CompletedProcess[str]:
    """The CLI with the repository's own manifest (content/sources/sources.yml)."""
    return subprocess.run(
        [sys.executable, "-m", "generator", "--root", str(REPO), "parse", *map(str, args)],
        cwd=REPO,
        capture_output=True,
        text=True,
        encoding="utf-8",
        check=False,
    )


def rows(stdout: str) -> list[list[tuple[str, object]]]:
    """Each output line as its (key, value) pairs, in the order printed."""
    return [json.loads(line, object_pairs_hook=list) for line in stdout.splitlines()]


def assert_clean(result: subprocess.CompletedProcess[str]) -> None:
    assert "Traceback" not in result.stderr and "Traceback" not in result.stdout


@pytest.fixture
def outside(tmp_path: Path) -> Path:
    """Seed 003 copied out of content/, under its own name, as in ``parse ../shared/seeds/003_….txt``."""
    copy = tmp_path / "seeds" / D003
    copy.parent.mkdir()
    shutil.copy(SOURCES / D003, copy)
    return copy


def test_json_lines_one_object_per_entry_keys_in_contract_order() -> None:
    result = run(SOURCES / D003)
    assert (result.returncode, result.stderr) == (0, "")
    printed = rows(result.stdout)
    assert len(printed) == 74
    assert all([key for key, _ in row] == KEYS for row in printed)
    first = dict(printed[0])
    assert first["title"] == "Computational Limits of Low-Rank Adaptation (LoRA) for Transformer-Based Models"
    assert (first["authors"], first["published"], first["upvotes"], first["source"]) == (5, "2024-06-05", 0, D003)
    assert isinstance(first["abstract"], str) and first["abstract"].startswith("We study the computational limits")
    last = dict(printed[-1])
    assert (last["published"], last["upvotes"]) == ("2025-02-27", 0)  # "Feb 27": the manifest's 2025


def test_unicode_is_printed_as_text_not_escapes() -> None:
    result = run(SOURCES / "004_4e5b10796f05fdf1.txt")
    assert "Light Schrödinger Bridge" in result.stdout


def test_all_seed_dumps_in_file_order() -> None:
    result = run(*sorted(SOURCES.glob("*.txt")))
    assert (result.returncode, result.stderr) == (0, "")
    printed = [dict(row) for row in rows(result.stdout)]
    assert len(printed) == 550
    sources = [row["source"] for row in printed]
    assert sources == sorted(sources)
    assert {row["upvotes"] for row in printed if row["source"] != D003} == {None}


def test_a_dump_outside_content_finds_its_year_in_the_manifest_by_file_name(outside: Path) -> None:
    result = run(outside)
    assert (result.returncode, result.stderr) == (0, "")
    entries, _ = parse_dump(SOURCES / D003, 2025)
    assert result.stdout == "".join(json.dumps(e.as_json(), ensure_ascii=False) + "\n" for e in entries)


def test_an_unknown_dump_parses_with_a_warning_naming_it_and_an_inferred_year(outside: Path) -> None:
    renamed = outside.rename(outside.with_name("fresh-crawl.txt"))
    result = run(renamed)
    assert_clean(result)
    assert result.returncode == 0
    assert result.stderr == (
        f"{renamed}:1: warning: fresh-crawl.txt is not in the sources manifest;"
        " capture year 2025 inferred from its newest dated entry\n"
    )
    printed = [dict(row) for row in rows(result.stdout)]
    assert len(printed) == 74 and {row["source"] for row in printed} == {"fresh-crawl.txt"}
    assert printed[-1]["published"] == "2025-02-27"


@pytest.mark.parametrize("name", [D003, "fresh-crawl.txt"])
def test_capture_year_option_overrides_manifest_and_inference(outside: Path, name: str) -> None:
    dump = outside.rename(outside.with_name(name))
    result = run("--capture-year", "2019", dump)
    assert (result.returncode, result.stderr) == (0, "")
    printed = [dict(row) for row in rows(result.stdout)]
    assert printed[-1]["published"] == "2019-02-27"  # year-less "Feb 27"
    assert printed[0]["published"] == "2024-06-05"  # a printed year stays


def test_a_missing_file_is_a_clean_error_and_the_other_files_still_print(tmp_path: Path) -> None:
    result = run(tmp_path / "gone.txt", SOURCES / D003, tmp_path)
    assert_clean(result)
    assert result.returncode == 1
    assert result.stderr.splitlines() == [
        f"{tmp_path}:1: refused: not a regular file (a directory)",
        f"{tmp_path / 'gone.txt'}:1: no such dump file",
    ]
    assert len(rows(result.stdout)) == 74


def test_broken_dumps_exit_1_with_every_problem_as_path_line_and_good_entries_still_print() -> None:
    names = ["binary.txt", "utf16.txt", "non_utf8.txt", "missing_title.txt"]
    result = run("--capture-year", "2025", *(f"tests/fixtures/dumps/{name}" for name in names))
    assert_clean(result)
    assert result.returncode == 1
    assert result.stderr.splitlines() == [
        f"tests/fixtures/dumps/{problem}"
        for problem in (
            "binary.txt:3: not a text dump (binary data: a NUL byte); nothing is read from it",
            "missing_title.txt:3: abstract without a title",
            "non_utf8.txt:3: entry skipped: not valid UTF-8 (byte 4)",
            "non_utf8.txt:4: entry skipped: not valid UTF-8 (byte 248)",
            "utf16.txt:1: UTF-16 text, not UTF-8: save the dump as UTF-8",
        )
    ]
    assert [dict(row)["source"] for row in rows(result.stdout)] == ["non_utf8.txt"] * 2 + ["missing_title.txt"] * 2


def test_warnings_alone_exit_0() -> None:
    result = run("--capture-year", "2025", DUMPS / "impossible_date.txt")
    assert result.returncode == 0
    assert (
        result.stderr
        == f"{DUMPS}/impossible_date.txt:7: warning: no such date: 'Feb 30, 2024 7'; published is left empty\n"
    )
    assert len(rows(result.stdout)) == 2


@pytest.mark.parametrize(
    "args",
    [(), ("--capture-year", "soon", "x.txt")],
)
def test_bad_usage_is_a_usage_error_not_a_traceback(args: tuple[str, ...]) -> None:
    result = run(*args)
    assert_clean(result)
    assert result.returncode == 2
    assert "usage:" in result.stderr


def test_an_empty_dump_prints_nothing_and_succeeds() -> None:
    result = run("--capture-year", "2025", DUMPS / "empty.txt")
    assert (result.returncode, result.stdout, result.stderr) == (0, "", "")


def test_a_reader_closing_the_pipe_early_is_not_a_traceback() -> None:
    with subprocess.Popen(
        [sys.executable, "-m", "generator", "parse", *map(str, sorted(SOURCES.glob("*.txt")))],
        cwd=REPO,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
    ) as process:
        assert process.stdout is not None and process.stderr is not None
        first = process.stdout.readline()
        process.stdout.close()  # like `| head -1`
        stderr = process.stderr.read()
        code = process.wait()
    assert json.loads(first)["source"] == "000_8f80a89e55e3a444.txt"
    assert b"Traceback" not in stderr
    assert code in (0, 1, -13)  # a clean exit, or SIGPIPE as `head` users expect


PEAK_RSS = """
import resource, subprocess, sys
with open(sys.argv[1], "wb") as out:
    subprocess.run(sys.argv[2:], stdout=out, stderr=subprocess.DEVNULL, check=False)
print(resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss)
"""


def peak_rss_kb(dump: Path, out: Path) -> int:
    """Peak RSS of ``parse DUMP`` in its own process, stdout written to ``out``."""
    command = [sys.executable, "-m", "generator", "parse", "--capture-year", "2025", str(dump)]
    measured = subprocess.run(
        [sys.executable, "-c", PEAK_RSS, str(out), *command], cwd=REPO, capture_output=True, text=True, check=True
    )
    return int(measured.stdout)


@pytest.mark.slow  # the bound on growth needs the 50 MB to mean anything
def test_the_cli_streams_a_50_mb_dump_without_growing(tmp_path: Path) -> None:
    from test_parse import write_big_dump

    big = tmp_path / "big.txt"
    expected = write_big_dump(big)
    baseline = peak_rss_kb(DUMPS / "no_header.txt", tmp_path / "small.jsonl")
    peak = peak_rss_kb(big, tmp_path / "big.jsonl")
    with (tmp_path / "big.jsonl").open(encoding="utf-8") as printed:
        assert sum(1 for _ in printed) == expected
    assert peak - baseline < 20_000, f"parse grew by {(peak - baseline) / 1000:.0f} MB on a 50 MB dump"
