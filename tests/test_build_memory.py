"""What the build holds while MkDocs runs: no record or catalog of the generator, and no page
body MkDocs is not writing at that moment.

The generator runs in a child process that has ended when MkDocs starts (generator.forked):
its memory went back whole, which freeing the catalog in the build's process does not do.

MkDocs reads every page before it writes the first; a generated page's body (13 KB at 10,000
papers) is read again from its file just before the theme renders it and dropped once the page
is written (generator/mkdocs_hooks.py), so MkDocs holds one body at a time, not all of them.
"""

from __future__ import annotations

import gc
from pathlib import Path
from typing import Any

import mkdocs.commands.build as mkdocs_build
import pytest
from mkdocs.config import load_config

from conftest import make_project
from generator import build as build_module
from generator.build import Project, generate
from generator.catalog import Catalog
from generator.mkdocs_hooks import html_body, strip_indentation
from generator.schema import Paper


@pytest.mark.slow
def test_mkdocs_holds_only_the_body_of_the_page_it_writes(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    root = make_project(tmp_path / "project")
    generate(Project(root))
    monkeypatch.chdir(root)
    monkeypatch.setenv("SOURCE_DATE_EPOCH", "1700000000")
    held: list[int] = []  # before each page is written: the longest body any other generated page holds
    real = mkdocs_build._build_page

    def build_page(page: Any, config: Any, doc_files: Any, *args: Any, **kwargs: Any) -> None:
        others = [f.page for f in doc_files if f.page is not page and f.page.meta.get("paperlist_html")]
        held.append(max(len(other.content or "") for other in others))
        real(page, config, doc_files, *args, **kwargs)

    monkeypatch.setattr(mkdocs_build, "_build_page", build_page)
    mkdocs_build.build(load_config(str(root / "mkdocs.yml"), site_dir=str(tmp_path / "site")))
    assert len(held) > 3
    assert max(held) == 0
    # and each paper page got its own body, as the generator wrote it
    docs = sorted((root / "build" / "docs" / "papers").glob("*.md"))
    assert len(docs) >= 3
    for source in docs:
        body = strip_indentation(html_body(source.read_text(encoding="utf-8").split("\n---\n", 1)[1]))
        page = tmp_path / "site" / "papers" / source.stem / "index.html"
        assert body in page.read_text(encoding="utf-8")


@pytest.mark.slow
def test_no_record_or_catalog_is_alive_in_the_build_while_mkdocs_runs(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    root = make_project(tmp_path / "project")
    alive: list[int] = []

    def records() -> int:  # the catalogs and papers this process holds (other tests' included)
        gc.collect()
        return sum(isinstance(o, (Catalog, Paper)) for o in gc.get_objects())

    before = records()
    run_mkdocs = build_module.run_mkdocs

    def counting(*args: Any) -> Any:
        alive.append(records() - before)
        return run_mkdocs(*args)

    monkeypatch.setattr(build_module, "run_mkdocs", counting)
    built = build_module.build(Project(root))
    assert alive == [0]
    assert built.published
    assert len(built.catalog.papers) >= 3  # what the build reports still comes back
    assert (root / "site" / "papers.json").is_file()


def test_what_the_generator_s_process_hands_back_is_plain_json() -> None:
    """The child's result crosses the pipe as JSON (no pickle: reading it runs no code), every
    text exact: non-ASCII, a newline and a byte that is not UTF-8 (a file name) included."""
    import json

    from generator.build import Built, IngestResult, Shown, SiteInputs, _decode_inputs, _encode_inputs
    from generator.problems import Problem, Severity

    problems = [Problem("content/sources/d\udcff.txt", 3, "é\nforged: line", Severity.WARNING)]
    built = Built(Shown(("a", "b"), ("t",), ()), IngestResult(["a"], [], ["b"]), problems)
    made = SiteInputs(built, 1_700_000_000, "ab" * 20, ("papers.json",), {"parse": 0.5})
    wire = json.dumps(_encode_inputs(made)).encode("ascii")
    assert _decode_inputs(json.loads(wire)) == made
