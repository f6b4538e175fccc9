"""Browser tests' shared parts: Debian's Chromium driven by Playwright, a built site served locally, the search field.

The ``browser`` fixture is registered once, in conftest.py; import ``served`` where needed (it is the
benchmarks' server, bench/browse.py: quiet about browsers that drop a connection). Browser
tests fail, not skip, when Chromium is missing (``make test`` installs it), unless
PAPERLIST_SKIP_BROWSER=1 says to skip them on purpose.
"""

from __future__ import annotations

import os
import shutil
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest

from bench.browse import ARGS, CHROMIUM, served
from conftest import REPO, run_generator

__all__ = ["ARGS", "CHROMIUM", "answer", "browser", "build_site", "poll", "require_chromium", "seed_project", "served"]


def require_chromium() -> None:
    """Skip when asked to; otherwise fail loudly if Chromium is not installed."""
    if os.environ.get("PAPERLIST_SKIP_BROWSER") == "1":
        pytest.skip("PAPERLIST_SKIP_BROWSER=1")
    if not CHROMIUM.exists():
        pytest.fail(f"{CHROMIUM} is missing: run `make browser` (installs Debian's chromium)")


@pytest.fixture(scope="session")
def browser() -> Iterator[Any]:
    """One headless Chromium for the session."""
    require_chromium()
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        chromium = playwright.chromium.launch(executable_path=str(CHROMIUM), args=ARGS)
        try:
            yield chromium
        finally:
            chromium.close()


# --- built sites and the search field, shared by the search tests ----------------------------

RESULTS = ".pl-search .md-search-result__list"
RESULT_LINKS = f"{RESULTS} a[href]"
STATUS = ".pl-search .md-search-result__meta"


def seed_project(root: Path) -> Path:
    """A temp copy of this repo's project (content, mkdocs.yml, overrides) at ``root``, using its generator."""
    shutil.copytree(REPO / "content", root / "content")
    shutil.copy(REPO / "mkdocs.yml", root / "mkdocs.yml")
    shutil.copytree(REPO / "overrides", root / "overrides")
    (root / "generator").symlink_to(REPO / "generator")
    return root


def build_site(root: Path) -> Path:
    """The project at ``root`` built (MkDocs: slow tests only); its site directory."""
    done = run_generator(root, "build")
    assert done.returncode == 0, done.stderr
    return root / "site"


def poll(page: Any, done: Callable[[], bool], what: str, tries: int = 750) -> None:
    """Wait for ``done()`` (polled: wait_for_function evaluates a string, which the pages' policy forbids)."""
    for _ in range(tries):
        if done():
            return
        page.wait_for_timeout(20)
    pytest.fail(f"timed out waiting for {what}")


def answer(page: Any, query: str, paste: bool = False) -> tuple[str, list[str]]:
    """Open the search with ``s`` and type (or paste) ``query`` into the empty field: the status
    line once the list answers ``query`` and every shown result is in, and the results' links."""
    if not page.evaluate("document.activeElement.classList.contains('md-search__input')"):
        page.keyboard.press("s")
    page.keyboard.press("Control+A")
    if paste:
        page.evaluate("(query) => navigator.clipboard.writeText(query)", query)
        page.keyboard.press("Control+V")
    else:
        page.keyboard.type(query)
    poll(page, lambda: page.get_attribute(RESULTS, "data-query") == query, f"an answer to {query!r}")
    status = page.inner_text(STATUS)
    shown = min(10, int(status.split()[0])) if status[:1].isdigit() else 0
    items = f"{RESULTS} > li:not([hidden])"
    poll(page, lambda: page.locator(items).count() == shown, f"{shown} results of {query!r}")
    return status, [link.get_attribute("href") or "" for link in page.locator(RESULT_LINKS).all()]
