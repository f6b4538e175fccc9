"""Curation by pull request: ingest never clobbers an edit, and tag tools keep comments."""

from __future__ import annotations

import hashlib
import json
from pathlib import Path

import pytest

from conftest import run_generator
from generator.build import Project, generate
from generator.tags import merge, rename

LOLDU = "loldu-low-rank-adaptation-via-lower-diag-upper-decomposition-for-parameter"


def snapshot(directory: Path) -> dict[str, str]:
    return {
        p.relative_to(directory).as_posix(): hashlib.sha256(p.read_bytes()).hexdigest()
        for p in sorted(directory.rglob("*"))
        if p.is_file()
    }


@pytest.fixture
def ingested(project: Path) -> Path:
    generate(Project(project))
    return project


def record(root: Path, stem: str) -> Path:
    return root / "content" / "papers" / f"{stem}.yml"


def test_ingest_creates_one_record_per_paper_with_suggested_topics(ingested: Path) -> None:
    names = sorted(p.name for p in (ingested / "content" / "papers").iterdir())
    assert names == [
        "distributed-contextual-linear-bandits-with-minimax-optimal-communication-cost.yml",
        f"{LOLDU}.yml",
        "single-layer-single-gradient-unlearning.yml",
    ]
    text = record(ingested, LOLDU).read_text(encoding="utf-8")
    assert text.startswith('title: "LoLDU: Low-Rank Adaptation via Lower-Diag-Upper')
    assert "published: 2024-10-17\nauthors: 5\nupvotes: 3\n" in text
    assert "topics:\n  - low-rank\ntags:\n  - llm\n  - lora\n" in text


def test_reingest_with_nothing_new_changes_no_byte(ingested: Path) -> None:
    before = snapshot(ingested / "content")
    result = generate(Project(ingested)).ingested
    assert (result.created, result.updated) == ([], [])
    assert snapshot(ingested / "content") == before


def test_a_curators_edit_and_comment_survive_ingest_of_a_new_dump(ingested: Path) -> None:
    path = record(ingested, LOLDU)
    edited = path.read_text(encoding="utf-8").replace(
        "tags:\n  - llm\n", "tags:\n  # a curator's reason for this tag\n  - regret\n  - llm\n"
    )
    edited = edited.replace('title: "LoLDU: Low-Rank', 'title: "LoLDU (corrected): Low-Rank', 1)
    edited += "note: Read with the LoRA survey.\n"
    path.write_text(edited, encoding="utf-8")
    sources = ingested / "content" / "sources"
    (sources / "later.txt").write_text(
        "LoLDU: Low-Rank Adaptation via Lower-Diag-Upper Decomposition for Parameter-Efficient Fine-Tuning\n"
        "We propose LoLDU, a parameter-efficient fine-tuning method that shrinks LoRA further.\n",
        encoding="utf-8",
    )
    with (sources / "sources.yml").open("a", encoding="utf-8") as manifest:
        manifest.write("later.txt:\n  capture_year: 2025\n")
    result = generate(Project(ingested)).ingested
    assert result.updated == [LOLDU] and result.created == []
    after = path.read_text(encoding="utf-8")
    expected = edited.replace("  - listing.txt\n", "  - listing.txt\n  - later.txt\n")
    assert after == expected  # one line added; comment, key order, correction and note intact


def test_a_hidden_paper_stays_hidden_when_a_dump_lists_it_again(ingested: Path) -> None:
    path = record(ingested, "single-layer-single-gradient-unlearning")
    path.write_text(path.read_text(encoding="utf-8") + "hidden: true\n", encoding="utf-8")
    generated = generate(Project(ingested))
    assert "single-layer-single-gradient-unlearning" not in generated.catalog.by_id
    assert "unlearning" not in generated.catalog.topics
    assert not (ingested / "build" / "docs" / "papers" / "single-layer-single-gradient-unlearning.md").exists()
    assert len(list((ingested / "content" / "papers").iterdir())) == 3  # no duplicate record came back


@pytest.mark.slow
def test_an_edited_tag_reaches_the_page_and_papers_json(ingested: Path) -> None:
    path = record(ingested, LOLDU)
    text = path.read_text(encoding="utf-8").replace("tags:\n", "tags:\n  # added by review\n  - regret\n")
    path.write_text(text, encoding="utf-8")
    done = run_generator(ingested, "build")
    assert done.returncode == 0, done.stderr
    papers = {p["id"]: p for p in json.loads((ingested / "site" / "papers.json").read_text(encoding="utf-8"))}
    assert papers[LOLDU]["tags"] == ["regret", "llm", "lora"]
    page = (ingested / "site" / "papers" / LOLDU / "index.html").read_text(encoding="utf-8")
    assert 'href="../../tags/regret/">Regret bounds</a>' in page
    assert path.read_text(encoding="utf-8") == text


def test_rename_tag_rewrites_taxonomy_and_records_keeping_comments(ingested: Path) -> None:
    path = record(ingested, LOLDU)
    path.write_text(path.read_text(encoding="utf-8").replace("  - lora\n", "  # why: adapters\n  - lora\n"))
    taxonomy = ingested / "content" / "taxonomy.yml"
    before = taxonomy.read_text(encoding="utf-8")
    changes = rename("tag", taxonomy, ingested / "content" / "papers", "lora", "lora-adapters")
    assert changes.records == 1
    assert "  # why: adapters\n  - lora-adapters\n" in path.read_text(encoding="utf-8")
    after = taxonomy.read_text(encoding="utf-8")
    assert after == before.replace("  - id: lora\n", "  - id: lora-adapters\n").replace(
        "aliases: [low-rank-adaptation]", "aliases: [low-rank-adaptation, lora]"
    )
    generated = generate(Project(ingested))
    assert generated.catalog.by_id[LOLDU].tags == ("llm", "lora-adapters")


def test_merge_tags_moves_rules_aliases_and_papers_to_the_target(ingested: Path) -> None:
    taxonomy = ingested / "content" / "taxonomy.yml"
    changes = merge("tag", taxonomy, ingested / "content" / "papers", ["llm"], "lora")
    assert changes.records == 1
    text = taxonomy.read_text(encoding="utf-8")
    assert "id: llm" not in text
    assert "aliases: [low-rank-adaptation, llm]" in text
    assert "acronyms: [LoRA, LLM, LLMs]" in text
    assert "tags:\n  - lora\n" in record(ingested, LOLDU).read_text(encoding="utf-8")


def test_rename_to_an_existing_tag_is_refused_with_a_clear_line(ingested: Path) -> None:
    done = run_generator(ingested, "rename-tag", "lora", "llm")
    assert done.returncode == 1
    assert "content/taxonomy.yml:1: 'llm' is already a tag id or alias: use merge-tags to merge into it" in done.stderr
    assert "Traceback" not in done.stderr
