"""A first ingest does not parse back the records it just wrote (records.prime_written): the
catalog's papers and every problem must be exactly what reading them from disk gives, on the
seeds and on hostile entries, and a file changed on disk since it was written is read again."""

from __future__ import annotations

import shutil
from datetime import date
from pathlib import Path

import pytest

from conftest import REPO
from generator import records
from generator.curate import IngestResult, Seen, ingest, merge_entries
from generator.inputs import load_curated, read_entries
from generator.problems import Problem
from generator.project import Project
from generator.records import Paper

HOSTILE = [
    Seen("Bidi \u202eevil\u202c title", "An abstract \ufeffwith a BOM.", 3, date(2024, 1, 2), 7, ("a.txt",)),
    Seen("Nul \x00 in the title", "fine abstract", None, None, None, ("a.txt",)),
    Seen("null", "~", 1, None, 0, ("b.txt", "a.txt")),
    Seen("2024-01-02", "yes", None, date(1799, 12, 31), 10**12, ("a.txt",)),
    Seen('Line\u2028break and "quotes" #x: y', "- a\n? b\n--- c\r\nd", 2, None, None, ("a.txt",)),
    Seen("Same \ufeffpaper", "one", None, None, None, ("a.txt",)),
    Seen("Same paper", "two", None, None, None, ("a.txt",)),
    Seen("   ", "blank title", None, None, None, ("a.txt",)),
    Seen("Invisible only \u2066\u2069", "\u200e\u200f", None, None, None, ("a.txt",)),
    Seen("A book of an abstract", "word " * 250_000, None, None, None, ("a.txt",)),  # past the 1 MiB bound
    Seen("LoRA adapters for retrieval augmented generation", "We fine-tune with LoRA.", 4, None, 3, ("c.txt",)),
]


def fresh(tmp_path: Path, name: str) -> Project:
    root = tmp_path / name
    shutil.copytree(REPO / "content", root / "content")
    return Project(root)


def first_ingest(project: Project, seen: list[Seen]) -> IngestResult:
    """Ingest ``seen`` into ``project`` with its records removed (a first ingest)."""
    for path in project.papers.glob("*.yml"):
        path.unlink()
    taxonomy, papers, _ = load_curated(project)
    assert papers == []
    return ingest(seen, papers, project.papers, taxonomy)


def from_disk(project: Project) -> tuple[list[Paper], list[Problem]]:
    """Every record parsed from its file: no cache."""
    shutil.rmtree(project.root / "build", ignore_errors=True)
    _, papers, problems = load_curated(project)
    return papers, problems


def seeds(tmp_path: Path) -> list[Seen]:
    entries, _ = read_entries(fresh(tmp_path, "dumps"))
    return merge_entries(entries)


@pytest.mark.parametrize("kind", ["seeds", "hostile", "both"])
def test_records_just_written_load_as_reading_them_from_disk_does(tmp_path: Path, kind: str) -> None:
    seen = (HOSTILE if kind != "seeds" else []) + (seeds(tmp_path) if kind != "hostile" else [])
    project = fresh(tmp_path, "site")
    result = first_ingest(project, seen)
    assert len(result.written) == len(seen)
    _, papers, problems = load_curated(project, result.written)
    disk_papers, disk_problems = from_disk(project)
    assert papers == disk_papers
    assert sorted(problems) == sorted(disk_problems)
    if kind != "seeds":  # the hostile entries do reach the checks
        messages = "\n".join(map(str, problems))
        for expected in ("larger than", "same paper as", "outside", "dropped", "at most", "non-empty"):
            assert expected in messages


def test_records_just_written_are_not_parsed_again(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    project = fresh(tmp_path, "site")
    result = first_ingest(project, seeds(tmp_path))
    parsed: list[Path] = []
    parse = records.parse_yaml_bytes
    monkeypatch.setattr(records, "parse_yaml_bytes", lambda path, raw: (parsed.append(path), parse(path, raw))[1])
    _, papers, _ = load_curated(project, result.written)
    assert len(papers) == len(result.written) > 0
    assert parsed == []


def test_a_record_changed_on_disk_after_it_was_written_is_read_from_disk(tmp_path: Path) -> None:
    project = fresh(tmp_path, "site")
    result = first_ingest(project, HOSTILE[-1:])
    path = result.written[0].path
    path.write_text(
        path.read_text(encoding="utf-8").replace('title: "LoRA', 'title: "Edited LoRA', 1), encoding="utf-8"
    )
    _, papers, _ = load_curated(project, result.written)
    assert [p.title for p in papers] == ["Edited LoRA adapters for retrieval augmented generation"]
    # and the next build (cache hits) sees the same
    assert load_curated(project)[1] == papers
