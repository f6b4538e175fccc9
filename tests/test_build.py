"""End to end: a real MkDocs build of a small project, read back as a reader would."""

from __future__ import annotations

import json
from html.parser import HTMLParser
from pathlib import Path

import pytest

from conftest import run_generator

pytestmark = pytest.mark.slow


class _Text(HTMLParser):
    """Text of the elements with a given class, and the document title."""

    def __init__(self, cls: str) -> None:
        super().__init__(convert_charrefs=True)
        self.cls, self.depth, self.found, self.title, self._in_title = cls, 0, [], "", False

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag == "title":
            self._in_title = True
        if self.depth:
            self.depth += 1
        elif self.cls in (dict(attrs).get("class") or "").split():
            self.depth = 1
            self.found.append("")

    def handle_endtag(self, tag: str) -> None:
        self._in_title = self._in_title and tag != "title"
        if self.depth:
            self.depth -= 1

    def handle_data(self, data: str) -> None:
        if self._in_title:
            self.title += data
        if self.depth:
            self.found[-1] += data


def texts(page: Path, cls: str) -> tuple[str, list[str]]:
    parser = _Text(cls)
    parser.feed(page.read_text(encoding="utf-8"))
    return parser.title, parser.found


@pytest.fixture(scope="module")
def built(tmp_path_factory: pytest.TempPathFactory) -> Path:
    from conftest import make_project

    root = make_project(tmp_path_factory.mktemp("built") / "project")
    done = run_generator(root, "build")
    assert done.returncode == 0, done.stderr
    return root


def test_every_paper_has_a_page_with_its_exact_title_and_abstract(built: Path) -> None:
    papers = json.loads((built / "site" / "papers.json").read_text(encoding="utf-8"))
    assert len(papers) == 3
    bandits = next(p for p in papers if p["title"].startswith("Distributed"))
    page = built / "site" / bandits["url"] / "index.html"
    title, abstracts = texts(page, "pl-abstract")
    assert title == f"{bandits['title']} - Paperlist"
    assert abstracts == [bandits["abstract"]]
    assert "<with> $d$ and `N` agents_." in bandits["abstract"]


def test_papers_json_follows_the_contract(built: Path) -> None:
    papers = json.loads((built / "site" / "papers.json").read_text(encoding="utf-8"))
    keys = {"id", "title", "abstract", "url", "topics", "tags", "related", "sources", "published", "upvotes", "authors"}
    for paper in papers:
        assert keys <= set(paper)
        assert paper["url"] == f"papers/{paper['id']}/"
        assert (built / "site" / paper["url"] / "index.html").is_file()
    unlearning = next(p for p in papers if "Unlearning" in p["title"])
    assert unlearning["published"] == "2025-10-02"  # year-less date: the capture year
    assert unlearning["topics"] == ["unlearning"]


def test_topic_and_tag_pages_list_their_papers(built: Path) -> None:
    _, titles = texts(built / "site" / "topics" / "bandits" / "index.html", "pl-title")
    assert titles == ["Distributed Contextual Linear Bandits with Minimax Optimal Communication Cost"]
    assert (built / "site" / "tags" / "index.html").is_file()
    _, titles = texts(built / "site" / "tags" / "lora" / "index.html", "pl-title")
    assert titles == [
        "LoLDU: Low-Rank Adaptation via Lower-Diag-Upper Decomposition for Parameter-Efficient Fine-Tuning"
    ]


def test_a_broken_record_fails_the_build_and_leaves_the_site_as_it_was(built: Path) -> None:
    before = {p: p.read_bytes() for p in sorted((built / "site").rglob("*")) if p.is_file()}
    record = next((built / "content" / "papers").glob("single-layer*.yml"))
    original = record.read_text(encoding="utf-8")
    record.write_text(original.replace("  - unlearning", "  - unlearnin"), encoding="utf-8")
    try:
        done = run_generator(built, "build")
    finally:
        record.write_text(original, encoding="utf-8")
    assert done.returncode == 1
    assert f"{record.relative_to(built)}:" in done.stderr
    assert "unknown topic 'unlearnin' (did you mean 'unlearning'?)" in done.stderr
    assert "Traceback" not in done.stderr
    after = {p: p.read_bytes() for p in sorted((built / "site").rglob("*")) if p.is_file()}
    assert after == before


def test_two_builds_of_the_same_content_are_byte_identical(built: Path, tmp_path: Path) -> None:
    first = {p.relative_to(built / "site"): p.read_bytes() for p in (built / "site").rglob("*") if p.is_file()}
    done = run_generator(built, "build", "--site-dir", str(tmp_path / "again"))
    assert done.returncode == 0, done.stderr
    second = {p.relative_to(tmp_path / "again"): p.read_bytes() for p in (tmp_path / "again").rglob("*") if p.is_file()}
    assert sorted(first) == sorted(second)
    assert [k for k in first if first[k] != second[k]] == []
