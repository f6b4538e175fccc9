"""Shared fixtures: a throw-away copy of a small project that builds with the real tools."""

from __future__ import annotations

import shutil
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

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


def run_generator(root: Path, *args: str, **options: Any) -> subprocess.CompletedProcess[str]:
    """``python -m generator --root ROOT ARGS``, as a user would run it (``options`` go to subprocess.run)."""
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
