"""End to end: a real MkDocs build of a small project, read back as a reader would."""

from __future__ import annotations

import json
import os
import shutil
from collections.abc import Callable
from html.parser import HTMLParser
from pathlib import Path
from typing import Any

import pytest

from conftest import run_generator
from generator import render
from generator.build import generate
from generator.generate import Generated
from generator.inputs import load_curated
from generator.project import Project
from generator.render import Renderer
from generator.urls import SEARCH_BUNDLE

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


# --- the caches of a rebuild (in process, no MkDocs) -------------------------------------------

LOLDU = "loldu-low-rank-adaptation-via-lower-diag-upper-decomposition-for-parameter"
BANDITS = "distributed-contextual-linear-bandits-with-minimax-optimal-communication-cost"
UNLEARNING = "single-layer-single-gradient-unlearning"


def bandit_record(words: str, month: int) -> str:
    return (
        f'title: "{words} paper"\nabstract: "We bound the regret of {words.lower()} agents."\n'
        f"published: 2024-0{month}-05\nauthors: 2\nupvotes: {month}\nsources:\n  - listing.txt\n"
        "topics:\n  - bandits\ntags:\n  - regret\n"
    )


def generated_project(root: Path) -> Path:
    """The fixture project with three more bandit papers, generated twice (the second run settles every cache)."""
    papers = root / "content" / "papers"
    papers.mkdir(parents=True, exist_ok=True)
    for month, words in enumerate(["Thompson sampling regret", "Contextual bandits with LoRA", "Linear bandits"], 4):
        record = bandit_record(words, month)
        (papers / f"{words.lower().replace(' ', '-')}-paper.yml").write_text(record, encoding="utf-8")
    generate(Project(root))
    generate(Project(root))
    return root


def stamps(root: Path) -> dict[str, tuple[int, int, int]]:
    """Relative path -> (inode, mtime, size) of every file: a file written again (by a rename) gets a new inode."""
    return {
        p.relative_to(root).as_posix(): (p.stat().st_ino, p.stat().st_mtime_ns, p.stat().st_size)
        for p in sorted(root.rglob("*"))
        if p.is_file()
    }


def docs_texts(root: Path) -> dict[str, str]:
    docs = Project(root).docs
    return {p.relative_to(docs).as_posix(): p.read_text(encoding="utf-8") for p in sorted(docs.rglob("*.md"))}


def rendered_afresh(root: Path, generated: Generated) -> dict[str, str]:
    """Every page rendered again without any cache, plus the hand-written pages: what build/docs must hold."""
    pages = Renderer(generated.catalog).pages()
    for page in sorted((root / "content" / "pages").glob("*.md")):
        pages.setdefault(page.name, page.read_text(encoding="utf-8"))
    return pages


def edit(path: Path, old: str, new: str) -> None:
    text = path.read_text(encoding="utf-8")
    assert old in text, f"{old!r} not in {path.name}"
    path.write_text(text.replace(old, new, 1), encoding="utf-8")


def test_a_rebuild_with_nothing_changed_renders_nothing_and_writes_nothing(
    project: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    root = generated_project(project)
    before = stamps(root / "build") | stamps(root / "content")
    rendered: list[str] = []
    render = Renderer.render_view

    def counting(self: Renderer, template: str, view: Any) -> str:
        rendered.append(view.path)
        return render(self, template, view)

    monkeypatch.setattr(Renderer, "render_view", counting)
    generate(Project(root))
    assert rendered == []
    assert stamps(root / "build") | stamps(root / "content") == before


def test_editing_a_tag_rewrites_exactly_the_pages_that_show_it(project: Path) -> None:
    root = generated_project(project)
    before, texts_before = stamps(root / "build" / "docs"), docs_texts(root)
    edit(root / "content" / "papers" / f"{LOLDU}.yml", "  - lora\n", "  - lora\n  - regret\n")
    generated = generate(Project(root))
    after, texts_after = stamps(root / "build" / "docs"), docs_texts(root)
    written = {path for path in after if before.get(path) != after[path]}
    changed = {path for path in texts_after if texts_before.get(path) != texts_after[path]}
    assert written == changed  # every page whose text changed, and no other, was written
    assert {f"papers/{LOLDU}.md", "tags/regret.md", "tags/index.md", "stats.md"} <= changed
    assert not {p for p in changed if p.startswith("topics/") or p == "index.md"}
    assert texts_after == rendered_afresh(root, generated)


def test_the_page_cache_never_serves_a_stale_page(
    project: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """After each kind of edit, build/docs holds exactly what rendering everything afresh gives.

    A page key that missed one of its page's inputs would keep that page as it was: this test
    would catch it, as long as each edit changes some page (checked too).
    """
    root = generated_project(project)
    papers, taxonomy = root / "content" / "papers", root / "content" / "taxonomy.yml"
    templates = tmp_path / "templates"
    shutil.copytree(render.TEMPLATES, templates)

    def retemplate() -> None:
        monkeypatch.setattr(render, "TEMPLATES", templates)
        edit(templates / "_row.j2", 'class="pl-title"', 'class="pl-title pl-edited"')

    edits: dict[str, Callable[[], None]] = {
        "title shown in related lists and rows": lambda: edit(
            papers / f"{LOLDU}.yml", 'title: "LoLDU: Low-Rank', 'title: "LoLDU: Lower-Rank'
        ),
        "abstract shown in excerpts": lambda: edit(papers / f"{BANDITS}.yml", "We study", "We analyse"),
        "upvotes": lambda: edit(papers / f"{UNLEARNING}.yml", "upvotes: 0", "upvotes: 41"),
        "published": lambda: edit(papers / f"{BANDITS}.yml", "published: 2024-06-05", "published: 2023-02-01"),
        "status badge": lambda: edit(papers / f"{BANDITS}.yml", "authors: 4\n", "authors: 4\nstatus: must-read\n"),
        "note": lambda: edit(papers / f"{UNLEARNING}.yml", "authors: 2\n", "authors: 2\nnote: Read it twice.\n"),
        "tag title": lambda: edit(taxonomy, "title: Regret bounds", "title: Regret guarantees"),
        "topic title": lambda: edit(taxonomy, "title: Bandits", "title: Multi-armed bandits"),
        "topic description": lambda: edit(taxonomy, "Sequential decisions", "Sequential choices"),
        "status title": lambda: edit(taxonomy, "title: Must read", "title: Read first"),
        "a mentioned paper hidden": lambda: edit(papers / f"{LOLDU}.yml", "authors: 5\n", "authors: 5\nhidden: true\n"),
        "template": retemplate,
    }
    for name, change in edits.items():
        texts_before = docs_texts(root)
        change()
        generated = generate(Project(root))
        texts = docs_texts(root)
        assert texts == rendered_afresh(root, generated), f"{name}: a page in build/docs is stale"
        assert texts != texts_before, f"{name}: the edit changed no page, so it proves nothing"


def test_a_page_edited_or_deleted_by_hand_is_written_again(project: Path) -> None:
    root = generated_project(project)
    docs = root / "build" / "docs"
    expected = docs_texts(root)
    page = docs / "papers" / f"{LOLDU}.md"
    stat = page.stat()
    with page.open("r+b") as handle:  # same inode, same size, and the mtime set back: only the bytes differ
        handle.write(b"x" * 16)
    os.utime(page, ns=(stat.st_atime_ns, stat.st_mtime_ns))
    (docs / "topics" / "bandits.md").unlink()
    (docs / "papers" / "stray.md").write_text("left over\n", encoding="utf-8")
    generate(Project(root))
    assert docs_texts(root) == expected


def test_records_are_checked_again_when_they_or_the_taxonomy_change(project: Path) -> None:
    root = generated_project(project)
    record, taxonomy = root / "content" / "papers" / f"{LOLDU}.yml", root / "content" / "taxonomy.yml"
    assert load_curated(Project(root))[2] == []
    edit(record, "  - lora\n", "  - lorra\n")
    assert [p.message for p in load_curated(Project(root))[2]] == ["unknown tag 'lorra' (did you mean 'lora'?)"]
    edit(record, "  - lorra\n", "  - lora\n")
    assert load_curated(Project(root))[2] == []
    edit(taxonomy, "  - id: llm\n", "  - id: large-language-models\n")
    messages = [p.message for p in load_curated(Project(root))[2]]
    assert "unknown tag 'llm'" in " ".join(messages)


@pytest.mark.slow
def test_the_search_index_is_written_when_papers_change_and_published_with_the_site(
    project: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A first build writes the index (build/search) and links it into the site; a build that
    changed nothing keeps it. The index is started in the generator's process: it logs to a file."""
    from generator import build as build_module

    log = project / "events.log"
    start_search_index = build_module.start_search_index

    def logged(*args: Any) -> Any:
        writing = start_search_index(*args)
        with log.open("a", encoding="utf-8") as handle:
            handle.write(f"{'kept' if writing is None else 'written'}\n")
        return writing

    monkeypatch.setattr(build_module, "start_search_index", logged)
    build_module.build(Project(project))
    assert log.read_text(encoding="utf-8").split() == ["written"]
    log.unlink()
    build_module.build(Project(project))
    assert log.read_text(encoding="utf-8").split() == ["kept"]
    bundle, published = Project(project).search_index, project / "site" / SEARCH_BUNDLE
    assert (published / "index.json").read_bytes() == (bundle / "index.json").read_bytes()
    assert sorted(p.relative_to(published) for p in published.rglob("*.json")) == sorted(
        p.relative_to(bundle) for p in bundle.rglob("*.json")
    )
