"""Shared fixtures: a throw-away copy of a small project that builds with the real tools.

Also the two rules of the fast loop (``make test-fast``, ``pytest -m "not slow and not browser"``):
a test that builds a site with MkDocs must be marked ``slow`` (``run_generator`` fails it
otherwise), and property tests run a twentieth of their examples there (``examples``).
"""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from hypothesis import settings

REPO = Path(__file__).resolve().parent.parent
FIXTURES = Path(__file__).resolve().parent / "fixtures"
SEEDS = REPO / "content" / "sources"


def make_project(root: Path, fixture: Path = FIXTURES / "project") -> Path:
    """A project at ``root``: the fixture's content, this repo's config, theme and generator."""
    shutil.copytree(fixture / "content", root / "content")
    (root / "content" / "papers").mkdir(exist_ok=True)
    shutil.copytree(REPO / "content" / "pages", root / "content" / "pages", dirs_exist_ok=True)
    shutil.copy(REPO / "mkdocs.yml", root / "mkdocs.yml")
    shutil.copytree(REPO / "overrides", root / "overrides")
    (root / "generator").symlink_to(REPO / "generator")
    return root


# --- the fast loop ---------------------------------------------------------------------------

EXAMPLES_ENV = "PAPERLIST_EXAMPLES"  # "full" or "fast"; unset: "fast" only when slow tests are deselected
FAST_SHARE, FAST_FLOOR = 20, 10
_full_examples = True
_running: pytest.Item | None = None  # the test being set up or run (its fixtures included)


def examples(full: int) -> int:
    """``max_examples`` for a property test: ``full`` in the full suite, a twentieth in the fast loop.

    The full suite (``make test``, or any run that selects slow tests) is never cut down.
    """
    return full if _full_examples else max(FAST_FLOOR, full // FAST_SHARE)


def pytest_configure(config: pytest.Config) -> None:
    global _full_examples
    choice = os.environ.get(EXAMPLES_ENV, "")
    if choice not in {"", "full", "fast"}:
        raise pytest.UsageError(f"{EXAMPLES_ENV} must be 'full' or 'fast', not {choice!r}")
    if not choice:
        choice = "fast" if re.search(r"\bnot\s+slow\b", config.option.markexpr or "") else "full"
    _full_examples = choice == "full"
    # Properties without their own count (Hypothesis' default is 100) follow the same rule.
    settings.register_profile("full", max_examples=100)
    settings.register_profile("fast", max_examples=examples(100))
    settings.load_profile(choice)


@pytest.hookimpl(tryfirst=True)
def pytest_runtest_setup(item: pytest.Item) -> None:
    global _running
    _running = item  # before its fixtures: a module fixture that builds is charged to its first test


def run_generator(root: Path, *args: str, **options: Any) -> subprocess.CompletedProcess[str]:
    """``python -m generator --root ROOT ARGS``, as a user would run it (``options`` go to subprocess.run).

    ``build`` runs MkDocs: only a test marked ``slow`` may ask for it, so the fast loop stays fast.
    """
    if "build" in args and _running is not None and _running.get_closest_marker("slow") is None:
        pytest.fail(f"{_running.nodeid} builds a site with MkDocs: mark it @pytest.mark.slow", pytrace=False)
    return subprocess.run(
        [sys.executable, "-m", "generator", "--root", str(root), *args],
        cwd=REPO,
        capture_output=True,
        text=True,
        check=False,
        **options,
    )


@pytest.fixture
def project(tmp_path: Path) -> Path:
    return make_project(tmp_path / "project")


@pytest.fixture
def generator_cli() -> Callable[..., subprocess.CompletedProcess[str]]:
    return run_generator


# Browser tests share one Chromium: defined here once, so every module gets the same session
# fixture (a module importing it would get a Playwright of its own, which the sync API refuses
# to start beside the first).
from browser import browser  # noqa: E402, F401
