"""Browser tests' shared parts: Debian's Chromium driven by Playwright, and a built site served locally.

The ``browser`` fixture is registered once, in conftest.py; import ``served`` where needed (it is the
benchmarks' server, bench/browse.py: quiet about browsers that drop a connection). Browser
tests fail, not skip, when Chromium is missing (``make test`` installs it), unless
PAPERLIST_SKIP_BROWSER=1 says to skip them on purpose.
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from typing import Any

import pytest

from bench.browse import ARGS, CHROMIUM, served

__all__ = ["ARGS", "CHROMIUM", "browser", "require_chromium", "served"]


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
