"""The benchmark's smoke test: synthetic dumps parse as intended, and a tiny bench run completes.

No timings are asserted here: ``make bench`` is where figures are read.
"""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

from bench.synth import write_dumps
from conftest import REPO
from generator.parse import parse_dump


def test_synthetic_dumps_hold_n_distinct_papers_in_the_richest_layout(tmp_path: Path) -> None:
    dumps = write_dumps(tmp_path / "a", 50)
    entries = [e for path in dumps for e in parse_dump(path, 2025)[0]]
    problems = [p for path in dumps for p in parse_dump(path, 2025)[1]]
    assert problems == []
    titles = {" ".join(e.title.casefold().split()) for e in entries}
    assert len(titles) == 50
    assert all(e.authors and e.published and 120 <= len(e.abstract.split()) <= 260 for e in entries)
    assert any(e.upvotes for e in entries)
    again = write_dumps(tmp_path / "b", 50)
    assert [p.read_bytes() for p in dumps] == [p.read_bytes() for p in again]  # deterministic


@pytest.mark.slow
def test_the_bench_runs_at_50_papers_and_a_rebuild_writes_nothing() -> None:
    done = subprocess.run(
        [sys.executable, "-m", "bench", "--sizes", "50", "--no-browser"],
        cwd=REPO,
        capture_output=True,
        text=True,
        check=False,
    )
    assert done.returncode == 0, done.stderr
    lines = done.stdout.splitlines()
    assert lines[0] == "| N | 50 |"
    # (A generator source edited during the run is a changed input: caches and pages are rewritten.)
    assert "| rebuild: files written | 0 |" in lines, "\n".join(lines[-3:])
    assert any(line.startswith("| **rebuild / bare** (nothing changed) | **") for line in lines)
    assert any(line.startswith("| **one-record edit / bare** | **") for line in lines)
    # The cold build CI runs (no build/ cache) and the first ingest are measured rows of their own.
    assert any(line.startswith("| cold build: total s |") for line in lines)
    assert any(line.startswith("| **cold build / bare** (target ≤ 1.0) | **") for line in lines)
    assert any(line.startswith("| **first ingest / bare** (target ≤ 1.3) | **") for line in lines)
    assert any(line.startswith("| site KB per paper |") for line in lines)


def test_the_table_prints_every_row_from_measured_figures() -> None:
    """The table is made after every measurement: a row that cannot be printed would lose a run."""
    from bench.__main__ import BUILDS, table
    from bench.browse import SearchTiming

    run = {"phases": {"mkdocs": 1.0}, "parallel": {}, "wall": 2.0, "rss_generator_mb": 1.0, "rss_tree_peak_mb": 2.0}
    run["rss_process_peaks_mb"] = {"bench.worker": 300.0}  # the generator's forked child, sampled
    searches = [
        SearchTiming("rare words", 0.2, 0.3, 1000, 2000, 10, pasted=True, runs=(0.25, 0.3, 0.61)),
        SearchTiming("common", 0.25, 0.35, 1000, 3000, 10, pasted=True),
        SearchTiming("rare words", 0.2, 0.9, 1000, 2000, 10, typing_seconds=0.5),
        SearchTiming("common", 0.25, 0.8, 1000, 3000, 10, typing_seconds=0.4),
    ]
    result = {
        "n": 10,
        **{build: run for build in BUILDS},
        "written": [],
        "bare": {**run, "rss_children_mb": 1.0, "site_bytes": 1000},
        "site_bytes": 2000,
        "largest_page": 250_000,
        "search_bytes": 500,
        "searches": searches,
    }
    lines = table([result]).splitlines()
    assert "| largest HTML page KB (target ≤ 500) | 250 |" in lines
    assert "| peak RSS generator MB | 300 |" in lines
    bigger = {**result, "n": 100, "cold": {**run, "wall": 9.0}}
    assert (
        "| cold build: this size / the one before (target ≤ 12× for 100k / 10k) |  | 4.5× |"
        in table([result, bigger]).splitlines()
    )
    assert "| search (rare, pasted): KB for the query | 2 |" in lines
    assert "| search (common, typed): the driver's typing s | 0.40 |" in lines
    assert "| **search (rare, typed): first link after first input s** (target ≤ 0.5) | **0.90** |" in lines
    # Several readers: the median's time, then every reader's.
    pasted = "| **search (rare, pasted): first link after first input s** (target ≤ 0.5) |"
    assert f"{pasted} **0.30** (0.25, 0.30, 0.61) |" in lines


def test_the_memory_figures_name_the_build_s_children_by_module() -> None:
    from bench.worker import argv_label
    from generator.publish import module_command

    assert argv_label(module_command("mkdocs", "build", "-q"), "python3") == "mkdocs"
    assert argv_label([sys.executable, "-m", "bench.worker", "build"], "python3") == "bench.worker"
    assert argv_label([sys.executable, "-c", "print(1)"], "python3") == "python3"
    assert argv_label(["/usr/bin/chromium_browser", "--headless"], "chromium_browse") == "chromium_browse"
