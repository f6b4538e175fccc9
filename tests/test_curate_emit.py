"""New records are written by a direct emitter (curate.new_record_text), not a round-trip one:
its text must load back, through the record loader, to exactly the record meant, whatever a
scraped title or abstract holds, and the records it wrote for the seeds must never change."""

from __future__ import annotations

import shutil
from dataclasses import replace
from datetime import date
from pathlib import Path

import pytest
from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st

from conftest import REPO, examples
from generator import safetext
from generator.curate import Seen, ingest, merge_entries, new_record_text, new_record_values
from generator.inputs import load_curated, read_entries
from generator.project import Project
from generator.records import RawRecord, check_record, match_key
from generator.schema import MAX_COUNT
from generator.taxonomy import Taxonomy
from generator.yamlio import parse_yaml_bytes

# One code point of every class generator/safetext.py refuses or drops, the characters YAML
# gives a meaning (indicators, escapes, document markers, values of other types), and line
# breaks of every kind. No lone surrogate: dumps are decoded as strict UTF-8 (parse._decode),
# which cannot hold one, so no scraped text has one (YAML has no escape for it either).
HOSTILE = [
    *"\x00\x08\x0b\x1f\x7f\x85\x9f\u2028\u2029\ufdd0\ufdef\ufffe\uffff\U0001fffe\U0010ffff",
    *"\ufeff\u202a\u202e\u2066\u2069\u200e\u200f\u061c\n\r\t\x1b",
    *['"', "\\", "'", ": ", " #", "---", "...", "&a", "*a", "!tag ", "%", "@", "`", "|", ">", "- ", "? ", "{", "["],
    *["null", "~", "yes", "NO", "2024", "2024-01-02", "0x1f", "1e3", ".inf", " ", "\U0001f600", "ſ", "K"],
]
PIECES = st.one_of(st.sampled_from(HOSTILE), st.text(st.characters(codec="utf-8"), max_size=10))
TEXT = st.lists(PIECES, max_size=5).map("".join)
COUNT = st.none() | st.integers(min_value=0, max_value=10**12)
DAY = st.none() | st.dates(min_value=date(1800, 1, 1), max_value=date(2100, 12, 31))
SEEN = st.builds(
    Seen,
    title=TEXT,
    abstract=TEXT,
    authors=COUNT,
    published=DAY,
    upvotes=COUNT,
    sources=st.lists(TEXT, min_size=1, max_size=3, unique=True).map(tuple),
)


@pytest.fixture(scope="module")
def taxonomy() -> Taxonomy:
    return load_curated(Project(REPO))[0]


@settings(max_examples=examples(200), deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(seen=SEEN, topics=st.lists(TEXT, max_size=3), tags=st.lists(TEXT, max_size=3))
@example(
    seen=Seen('a "quoted"\ttitle\u2028', "x\\y\n\x00\ufeff", None, None, None, ("0.txt", "null")),
    topics=["2024"],
    tags=["yes", "lora"],
)
def test_a_new_record_loads_back_to_exactly_what_was_written(
    taxonomy: Taxonomy, seen: Seen, topics: list[str], tags: list[str]
) -> None:
    raw = new_record_text(seen, topics, tags).encode("utf-8")
    path = Path("content/papers/x.yml")
    data, problems = parse_yaml_bytes(path, raw)
    assert problems == []
    # What load_curated trusts for a record the ingest just wrote (records.prime_written).
    assert data == new_record_values(seen, topics, tags)
    scalars = (seen.title, seen.title, seen.abstract, seen.published, seen.authors, seen.upvotes)
    assert list(data.values()) == [*scalars, sorted(seen.sources), topics, tags]
    # Through the record check (with ids the vocabulary has, a plain source): text it accepts
    # reaches the paper exactly, as safetext has it.
    plain = replace(seen, sources=("listing.txt",))
    raw = new_record_text(plain, [min(taxonomy.topics)], [min(taxonomy.tags)]).encode("utf-8")
    data, problems = parse_yaml_bytes(path, raw)
    paper, _ = check_record(RawRecord(path, data, raw), taxonomy)
    title, abstract = safetext.check(seen.title), safetext.check(seen.abstract, multiline=True)
    counted = max(seen.authors or 0, seen.upvotes or 0) <= MAX_COUNT
    if not title.refused and not abstract.refused and title.text.strip() and abstract.text.strip() and counted:
        assert paper is not None, problems
    if paper is not None:
        assert (paper.title, paper.abstract) == (title.text.strip(), abstract.text.strip())  # records strip
        assert (paper.published, paper.authors, paper.upvotes) == (seen.published, seen.authors, seen.upvotes)


def seed_project(tmp_path: Path) -> Project:
    root = tmp_path / "seeds"
    shutil.copytree(REPO / "content", root / "content")
    return Project(root)


def stamps(directory: Path) -> dict[str, tuple[bytes, int, int]]:
    return {p.name: (p.read_bytes(), p.stat().st_mtime_ns, p.stat().st_ino) for p in sorted(directory.iterdir())}


def test_the_seed_records_are_what_the_emitter_writes_and_curate_leaves_them(tmp_path: Path) -> None:
    project = seed_project(tmp_path)
    entries, _ = read_entries(project)
    taxonomy, papers, problems = load_curated(project)
    assert papers and not [p for p in problems if p.severity.name == "ERROR"]
    seen = {match_key(s.title): s for s in merge_entries(entries)}
    for paper in papers:
        written = (project.papers / f"{paper.id}.yml").read_text(encoding="utf-8")
        emitted = new_record_text(seen[match_key(paper.scraped_title)], list(paper.topics), list(paper.tags))
        # Byte for byte what the emitter writes today; a curator's additions come after it.
        assert written.startswith(emitted), paper.id
    before = stamps(project.papers)
    result = ingest(merge_entries(entries), papers, project.papers, taxonomy)
    assert (result.created, result.updated) == ([], [])
    assert stamps(project.papers) == before
