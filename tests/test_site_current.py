"""A build that changes nothing leaves ``site/`` alone; ``--no-cache`` builds from nothing.

MkDocs, the search index's copy and the swap are skipped only when ``site/`` is byte for byte what they
would make (generator/sitestamp.py). Each test builds whole sites with MkDocs.
"""

from __future__ import annotations

import json
import shutil
from collections.abc import Callable
from pathlib import Path

import pytest

from conftest import make_project, run_generator

pytestmark = pytest.mark.slow

SKIPPED = "site/ was up to date"


def site_bytes(site: Path) -> dict[str, bytes]:
    return {p.relative_to(site).as_posix(): p.read_bytes() for p in sorted(site.rglob("*")) if p.is_file()}


def build(root: Path, *args: str, env: dict[str, str] | None = None) -> str:
    done = run_generator(root, "build", *args, env=env)
    assert done.returncode == 0, done.stderr
    return done.stdout


def cold_site(root: Path, tmp_path: Path) -> dict[str, bytes]:
    """The site a fresh copy of ``root``'s content and config builds, with no ``build/`` at all."""
    fresh = tmp_path / "cold"
    shutil.copytree(root, fresh, symlinks=True, ignore=shutil.ignore_patterns("build", "site", ".site*"))
    build(fresh)
    return site_bytes(fresh / "site")


@pytest.fixture
def built(tmp_path: Path) -> Path:
    root = make_project(tmp_path / "project")
    assert SKIPPED not in build(root)
    return root


def test_a_build_that_changes_nothing_skips_mkdocs_and_leaves_every_byte(built: Path) -> None:
    before = site_bytes(built / "site")
    index = (built / "site" / "index.html").stat()
    assert SKIPPED in build(built)
    assert site_bytes(built / "site") == before
    assert (built / "site" / "index.html").stat().st_ino == index.st_ino  # not swapped


def _edit_record(root: Path) -> None:
    record = sorted((root / "content" / "papers").glob("*.yml"))[0]
    text = record.read_text(encoding="utf-8")
    record.write_text(text.replace("title: ", 'title: "Edited: " ', 1).replace('" "', "", 1), encoding="utf-8")


def _edit_theme(root: Path) -> None:
    main = root / "overrides" / "main.html"
    main.write_text(main.read_text(encoding="utf-8") + "\n{# edited #}\n", encoding="utf-8")


def _edit_site(root: Path) -> None:
    page = root / "site" / "index.html"
    page.write_bytes(page.read_bytes().replace(b"</body>", b"<p>planted</p></body>"))


def _delete_from_site(root: Path) -> None:
    (root / "site" / "papers.json").unlink()


@pytest.mark.parametrize("change", [_edit_record, _edit_theme, _edit_site, _delete_from_site])
def test_any_change_to_what_the_site_is_made_of_or_to_the_site_publishes_again(
    built: Path, tmp_path: Path, change: Callable[[Path], None]
) -> None:
    change(built)
    assert SKIPPED not in build(built)
    assert site_bytes(built / "site") == cold_site(built, tmp_path)


def test_an_environment_variable_mkdocs_reads_publishes_again(built: Path) -> None:
    import os

    env = {**os.environ, "PAPERLIST_SITE_URL": "https://example.org/list/"}
    assert SKIPPED not in build(built, env=env)
    assert "https://example.org/list/" in (built / "site" / "index.html").read_text(encoding="utf-8")


def test_no_cache_builds_what_a_cold_build_does_whatever_a_cache_holds(built: Path, tmp_path: Path) -> None:
    # A cache entry that passes every check (same key, well-formed) but holds a stale value:
    # the related papers of one paper, reversed.
    links_path = built / "build" / "cache" / "links.json"
    links = json.loads(links_path.read_text(encoding="utf-8"))
    (related, _mentions) = next(iter(links["entries"].values()))
    paper, ids = next((p, ids) for p, ids in sorted(related.items()) if len(ids) > 1)
    related[paper] = ids[::-1]
    links_path.write_text(json.dumps(links), encoding="utf-8")
    _edit_theme(built)  # so the planted value reaches the site

    cold = cold_site(built, tmp_path)
    build(built)
    assert site_bytes(built / "site") != cold, "the planted cache entry was not used: this test proves nothing"
    assert SKIPPED not in build(built, "--no-cache")
    assert site_bytes(built / "site") == cold
