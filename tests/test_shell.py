"""Paper pages filled from a theme shell (generator/mkdocs_hooks.py) are the theme's own pages.

The shell is the theme's render with placeholders; a page filled from it must equal, byte for
byte, the page MkDocs + Material render for real, hostile text included. These tests build
real sites both ways and compare every file, and check that a theme whose output depends on
anything but the three slots makes the hook fall back to real renders.
"""

from __future__ import annotations

import filecmp
import os
import subprocess
import sys
from pathlib import Path
from types import SimpleNamespace
from typing import Any

import jinja2
import pytest
from mkdocs.exceptions import PluginError

from conftest import FIXTURES, make_project, run_generator
from generator import mkdocs_hooks
from generator.mkdocs_hooks import SHELL_TEMPLATE, Shells, on_post_page


def build(root: Path, shell: str) -> Path:
    os.environ["PAPERLIST_SHELL"] = shell
    try:
        done = run_generator(root, "build")
    finally:
        del os.environ["PAPERLIST_SHELL"]
    assert done.returncode == 0, done.stderr
    return root / "site"


def differences(left: Path, right: Path) -> list[str]:
    """Relative paths of files that differ or exist on one side only."""
    found: list[str] = []

    def walk(cmp: filecmp.dircmp[str], prefix: str) -> None:
        found.extend(prefix + name for name in cmp.left_only + cmp.right_only + cmp.diff_files + cmp.funny_files)
        for name, sub in cmp.subdirs.items():
            walk(sub, f"{prefix}{name}/")

    walk(filecmp.dircmp(left, right), "")
    return found


@pytest.mark.parametrize("fixture", ["project", "hostile"])
def test_a_site_from_shells_equals_the_site_from_real_renders(tmp_path: Path, fixture: str) -> None:
    root = make_project(tmp_path / "project", FIXTURES / fixture)
    real = build(root, "off")
    (tmp_path / "real").mkdir()
    real.rename(tmp_path / "real" / "site")
    # `verify` fills every paper page from its shell and fails the build if any differs.
    shelled = build(root, "verify")
    assert differences(tmp_path / "real" / "site", shelled) == []
    filecmp.clear_cache()
    assert differences(tmp_path / "real" / "site", build(root, "on")) == []


def assert_every_paper_page_filled_from_the_shell(project: Path) -> None:
    """Build ``project``, then MkDocs into ``project/check``: every paper page came from the shell."""
    assert run_generator(project, "build").returncode == 0
    done = subprocess.run(
        [sys.executable, "-m", "mkdocs", "build", "--site-dir", str(project / "check")],
        cwd=project,
        capture_output=True,
        text=True,
        check=False,
    )
    assert done.returncode == 0, done.stderr
    papers = len(list((project / "build" / "docs" / "papers").glob("*.md")))
    assert papers >= 3
    assert f"Paperlist: {papers} page(s) filled from a verified theme shell" in done.stderr


def test_the_shell_is_used_for_every_paper_page(project: Path) -> None:
    assert_every_paper_page_filled_from_the_shell(project)


# --- the fallback, on a toy theme ----------------------------------------------------------


def page(name: str, title: str, content: str) -> Any:
    return SimpleNamespace(
        meta={"title": title, "description": f"About {title}", "template": SHELL_TEMPLATE},
        content=content,
        url=f"papers/{name}/",
        file=SimpleNamespace(src_uri=f"papers/{name}.md"),
    )


def render_all(main: str, verify_all: bool = False) -> tuple[list[str], list[str]]:
    """Pages rendered through Shells and then through the theme itself, as post-processed."""
    env = jinja2.Environment(loader=jinja2.DictLoader({"main.html": main}))
    shells = Shells(env, verify_all=verify_all)
    pages = [page(f"p{i}", f"Paper &lt;{i}&gt;", f"<p>Text {i}\n   indented</p>") for i in range(8)]
    through_shells = [on_post_page(shells.render({"page": p, "base_url": "../.."}), page=p) for p in pages]
    direct = [on_post_page(env.get_template("main.html").render(page=p), page=p) for p in pages]
    return through_shells, direct


def test_a_theme_that_prints_only_the_slots_is_filled_from_the_shell() -> None:
    before = mkdocs_hooks._count["filled"]
    shelled, direct = render_all(
        "<title>{{ page.meta.title }}</title>\n  <meta c='{{ page.meta.description }}'>\n"
        "  <h1>{{ page.meta.title }}</h1>\n  {{ page.content }}\n"
    )
    assert shelled == direct
    assert mkdocs_hooks._count["filled"] - before == 8


def test_a_theme_that_prints_anything_else_of_the_page_gets_real_renders() -> None:
    before = mkdocs_hooks._count["filled"]
    shelled, direct = render_all(
        "<title>{{ page.meta.title }}</title>\n<link href='{{ page.url }}'>\n{{ page.content }}"
    )
    assert shelled == direct
    assert mkdocs_hooks._count["filled"] == before


def test_verify_mode_fails_on_a_page_the_shell_cannot_reproduce() -> None:
    with pytest.raises(PluginError, match="differs from its real render"):
        render_all("{{ page.meta.title | upper }}{{ page.content }}", verify_all=True)
