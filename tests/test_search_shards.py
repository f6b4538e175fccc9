"""The search index in shards: one Pagefind run per shard, merged in the browser.

A small shard size (``PAPERLIST_SEARCH_SHARD``) forces the fixture project's three papers
into three shards, so every path that only a large site would take runs here. Searching a
sharded site in Chromium is in test_search_browser.py (one browser for the session).
"""

from __future__ import annotations

import gzip
import json
import os
import re
import shutil
from pathlib import Path

import pytest

from conftest import make_project, run_generator
from generator.build import Project, generate
from generator.catalog import Catalog
from generator.search import (
    MANIFEST,
    SHARD_ENV,
    SHARDS,
    finish_index,
    shard_pages,
    start_index,
    stop_index,
    write_search_lexicon,
    write_search_pages,
)


def tree(root: Path) -> dict[str, bytes]:
    """Every file under ``root`` by relative path, with its bytes."""
    return {p.relative_to(root).as_posix(): p.read_bytes() for p in sorted(root.rglob("*")) if p.is_file()}


def stamps(root: Path) -> dict[str, tuple[int, int]]:
    """Every file under ``root`` with its inode and modification time: what a write changes."""
    return {p.relative_to(root).as_posix(): (p.stat().st_ino, p.stat().st_mtime_ns) for p in root.rglob("*")}


# --- the pages, one directory per shard -------------------------------------------------------


def test_shards_keep_catalog_order_and_are_as_even_as_can_be() -> None:
    assert shard_pages([], 3) == [[]]
    assert [len(s) for s in shard_pages(list(range(10)), 3)] == [2, 3, 2, 3]
    assert [len(s) for s in shard_pages(list(range(10_001)), 2000)] == [1666, 1667, 1667, 1667, 1667, 1667]
    assert [n for shard in shard_pages(list(range(10)), 3) for n in shard] == list(range(10))
    assert len(shard_pages(list(range(488)), 2000)) == 1  # the seed site: one shard


@pytest.fixture(scope="module")
def catalog(tmp_path_factory: pytest.TempPathFactory) -> Catalog:
    """The fixture project's catalog (three papers)."""
    root = make_project(tmp_path_factory.mktemp("catalog") / "project")
    return generate(Project(root)).catalog


def _write(catalog: Catalog, directory: Path, shard: int, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv(SHARD_ENV, str(shard))
    write_search_pages(catalog, directory)
    write_search_lexicon(catalog, directory)


def test_search_pages_go_to_one_directory_per_shard(
    catalog: Catalog, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    _write(catalog, tmp_path, 2, monkeypatch)
    pages = sorted(p.relative_to(tmp_path).as_posix() for p in tmp_path.rglob("index.html"))
    ids = [paper.id for paper in catalog.papers]
    assert pages == [f"0/papers/{ids[0]}/index.html", f"1/papers/{ids[1]}/index.html", f"1/papers/{ids[2]}/index.html"]
    assert sorted(p.name for p in tmp_path.iterdir()) == ["0", "1", MANIFEST]


def test_an_unchanged_rebuild_writes_no_search_page(
    catalog: Catalog, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    _write(catalog, tmp_path, 1, monkeypatch)
    before = stamps(tmp_path)
    _write(catalog, tmp_path, 1, monkeypatch)
    assert stamps(tmp_path) == before


def test_a_page_deleted_or_edited_by_hand_is_written_again(
    catalog: Catalog, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    def pages() -> dict[str, bytes]:
        return {k: v for k, v in tree(tmp_path).items() if k != MANIFEST}

    _write(catalog, tmp_path, 1, monkeypatch)
    wanted = pages()
    deleted, edited, sneaky = sorted(tmp_path.rglob("index.html"))
    deleted.unlink()
    edited.write_text("<p>edited</p>", encoding="utf-8")
    before = sneaky.stat()  # same size, times set back: only its ctime tells
    sneaky.write_bytes(sneaky.read_bytes().replace(b"<h1", b"<h2"))
    os.utime(sneaky, ns=(before.st_atime_ns, before.st_mtime_ns))
    _write(catalog, tmp_path, 1, monkeypatch)
    assert pages() == wanted
    (tmp_path / MANIFEST).unlink()  # without the manifest every page is read back, and kept
    before = {k: v for k, v in stamps(tmp_path).items() if k.endswith("index.html")}
    _write(catalog, tmp_path, 1, monkeypatch)
    assert {k: v for k, v in stamps(tmp_path).items() if k.endswith("index.html")} == before
    assert pages() == wanted
    assert (tmp_path / MANIFEST).is_file()


def test_pages_of_dropped_shards_and_older_layouts_are_removed(
    catalog: Catalog, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    stale = tmp_path / "papers" / "old-layout" / "index.html"  # the unsharded layout of before
    stale.parent.mkdir(parents=True)
    stale.write_text("old", encoding="utf-8")
    _write(catalog, tmp_path, 1, monkeypatch)
    (tmp_path / "1" / "papers" / "gone-paper").mkdir()
    _write(catalog, tmp_path, 3, monkeypatch)
    assert sorted(p.name for p in tmp_path.iterdir()) == ["0", MANIFEST]
    assert len(list(tmp_path.rglob("index.html"))) == 3


def test_a_failing_shard_is_one_problem_and_stopping_removes_every_bundle(
    catalog: Catalog, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    pages = tmp_path / "search"
    _write(catalog, pages, 1, monkeypatch)
    shutil.rmtree(pages / "2" / "papers")  # Pagefind finds no page in shard 2
    (tmp_path / "scratch").mkdir()
    job = start_index(pages, tmp_path / "scratch" / "pagefind")
    problems = finish_index(job, tmp_path / "site")
    stop_index(job)
    assert [(p.path, p.message.split(":")[0:2]) for p in problems] == [
        ("build/search", ["pagefind failed", " shard 2"])
    ]
    assert not (tmp_path / "site").exists()
    assert list((tmp_path / "scratch").iterdir()) == []


def test_stopping_kills_the_running_pagefind_and_starts_no_other(
    catalog: Catalog, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    pages = tmp_path / "search"
    _write(catalog, pages, 1, monkeypatch)
    (tmp_path / "scratch").mkdir()
    job = start_index(pages, tmp_path / "scratch" / "pagefind")
    stop_index(job)
    assert job.thread is not None and not job.thread.is_alive()
    assert job.process is None or job.process.poll() is not None
    assert list((tmp_path / "scratch").iterdir()) == []


# --- a built site with three shards -----------------------------------------------------------


@pytest.fixture(scope="module")
def sharded(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The fixture project built with one paper per shard."""
    root = make_project(tmp_path_factory.mktemp("sharded") / "project")
    _build(root)
    return root


def _build(root: Path) -> None:
    with pytest.MonkeyPatch.context() as patch:
        patch.setenv(SHARD_ENV, "1")
        done = run_generator(root, "build")
    assert done.returncode == 0, done.stderr


@pytest.mark.slow
def test_the_site_holds_one_bundle_per_shard_and_each_paper_once(sharded: Path) -> None:
    bundle = sharded / "site" / "pagefind"
    assert json.loads((bundle / SHARDS).read_text(encoding="utf-8"))["shards"] == ["0/", "1/", "2/"]
    urls: list[str] = []
    for shard in (bundle / "0", bundle / "1", bundle / "2"):
        assert (shard / "pagefind-entry.json").is_file()
        urls += _fragment_urls(shard)
    papers = json.loads((sharded / "site" / "papers.json").read_text(encoding="utf-8"))
    papers = papers["papers"] if isinstance(papers, dict) else papers
    assert sorted(urls) == sorted(f"/{p['url']}" for p in papers)
    # The engine's own index holds no paper; the lexicon one page per shard.
    assert _fragment_urls(bundle) == ["/"]
    assert sorted(_fragment_urls(bundle / "lexicon")) == ["/0/", "/1/", "/2/"]
    # Shards and the lexicon ship no engine and no UI: the engine's script and WebAssembly search them.
    for merged in (bundle / "0", bundle / "1", bundle / "2", bundle / "lexicon"):
        names = sorted(re.sub(r"_[0-9a-f]+\.", "_HASH.", p.name) for p in merged.iterdir())
        assert names == ["fragment", "index", "pagefind-entry.json", "pagefind.en_HASH.pf_meta"]
    assert not list(bundle.glob("pagefind-ui.*")) and not list(bundle.glob("wasm.unknown.*"))


def _fragment_urls(bundle: Path) -> list[str]:
    """The URL of every page in the Pagefind bundle at ``bundle``."""
    urls = []
    for fragment in sorted((bundle / "fragment").glob("*.pf_fragment")):
        data = json.loads(gzip.decompress(fragment.read_bytes()).removeprefix(b"pagefind_dcd"))
        urls.append(data["url"])
    return urls


@pytest.mark.slow
def test_a_rebuild_gives_the_same_bundle_bytes_and_writes_nothing_under_build(sharded: Path) -> None:
    bundle = tree(sharded / "site" / "pagefind")
    written = stamps(sharded / "build")
    _build(sharded)
    assert tree(sharded / "site" / "pagefind") == bundle
    assert stamps(sharded / "build") == written


@pytest.mark.parametrize(
    ("value", "shards"),
    [(None, ["0"]), ("7", ["0"]), ("2", ["0", "1"]), ("1", ["0", "1", "2"]), ("0", ["0", "1", "2"]), ("many", ["0"])],
)
def test_the_shard_size_comes_from_the_environment_only_when_it_is_a_number(
    catalog: Catalog, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, value: str | None, shards: list[str]
) -> None:
    """The shards written for the three papers: one (SHARD_PAPERS) unless a number says otherwise."""
    if value is None:
        monkeypatch.delenv(SHARD_ENV, raising=False)
    else:
        monkeypatch.setenv(SHARD_ENV, value)
    write_search_pages(catalog, tmp_path)
    assert sorted(p.name for p in tmp_path.iterdir() if p.is_dir()) == shards
    assert len(list(tmp_path.rglob("index.html"))) == 3
