"""Paper pages filled from a theme shell (generator/mkdocs_hooks.py) are the theme's own pages.

The shell is the theme's render with placeholders; a page filled from it must equal, byte for
byte, the page MkDocs + Material render for real, hostile text included. These tests build
real sites both ways and compare every file, and check that a theme whose output depends on
anything but the three slots makes the hook fall back to real renders.
"""

from __future__ import annotations

import filecmp
import os
import re
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
from generator.build import Project, generate
from generator.mkdocs_hooks import SHELL_TEMPLATE, Shells, on_post_page


def mkdocs(root: Path, site: Path, shell: str | None, monkeypatch: pytest.MonkeyPatch) -> int:
    """MkDocs builds ``root``'s rendered docs into ``site`` with ``PAPERLIST_SHELL=shell`` (unset
    if None); the number of pages it filled from a shell, as its log says."""
    if shell is None:
        monkeypatch.delenv("PAPERLIST_SHELL", raising=False)
    else:
        monkeypatch.setenv("PAPERLIST_SHELL", shell)
    done = subprocess.run(
        [sys.executable, "-m", "mkdocs", "build", "--strict", "--site-dir", str(site)],
        cwd=root,
        capture_output=True,
        text=True,
        check=False,
    )
    assert done.returncode == 0, done.stderr
    [filled] = re.findall(r"Paperlist: (\d+) page\(s\) filled from a verified theme shell", done.stderr)
    return int(filled)


def differences(left: Path, right: Path) -> list[str]:
    """Relative paths of files that differ or exist on one side only."""
    found: list[str] = []

    def walk(cmp: filecmp.dircmp[str], prefix: str) -> None:
        found.extend(prefix + name for name in cmp.left_only + cmp.right_only + cmp.diff_files + cmp.funny_files)
        for name, sub in cmp.subdirs.items():
            walk(sub, f"{prefix}{name}/")

    walk(filecmp.dircmp(left, right), "")
    return found


@pytest.mark.slow
@pytest.mark.parametrize("fixture", ["project", "hostile"])
def test_a_site_from_shells_equals_the_site_from_real_renders(
    tmp_path: Path, fixture: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    root = make_project(tmp_path / "project", FIXTURES / fixture)
    generate(Project(root))  # the pages MkDocs builds from
    papers = len(list((root / "build" / "docs" / "papers").glob("*.md")))
    assert papers >= 3
    monkeypatch.setenv("SOURCE_DATE_EPOCH", "1700000000")  # the three builds share one date
    assert mkdocs(root, tmp_path / "real", "off", monkeypatch) == 0
    # `verify` fills every paper page from its shell and fails the build if any differs.
    assert mkdocs(root, tmp_path / "verified", "verify", monkeypatch) == papers
    assert differences(tmp_path / "real", tmp_path / "verified") == []
    filecmp.clear_cache()
    assert mkdocs(root, tmp_path / "shelled", "on", monkeypatch) == papers
    assert differences(tmp_path / "real", tmp_path / "shelled") == []


def assert_every_paper_page_filled_from_the_shell(project: Path) -> None:
    """Build ``project``, then MkDocs into ``project/check`` without PAPERLIST_SHELL, as a user
    builds: every paper page came from the shell."""
    assert run_generator(project, "build").returncode == 0
    papers = len(list((project / "build" / "docs" / "papers").glob("*.md")))
    assert papers >= 3
    with pytest.MonkeyPatch.context() as patch:
        assert mkdocs(project, project / "check", None, patch) == papers


@pytest.mark.slow
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


@pytest.mark.slow
def test_a_build_whose_theme_reads_the_content_falls_back_with_a_warning(tmp_path: Path) -> None:
    """A theme whose chrome depends on a page's content (here its length, as Material's own
    templates could with ``|length`` or ``|truncate``) cannot be filled from a shell: the build
    renders those pages for real, says so as a warning, and the site is right; verify fails."""
    root = make_project(tmp_path / "project")
    main = root / "overrides" / "main.html"
    size = '\n  <meta name="pl-size" content="{{ page.content|length }}">'
    block = "{% block extrahead %}"
    main.write_text(main.read_text(encoding="utf-8").replace(block, block + size, 1), encoding="utf-8")
    done = run_generator(root, "build")
    assert done.returncode == 0, done.stderr
    warnings = [line for line in done.stderr.splitlines() if line.startswith("mkdocs.yml:1: warning: ")]
    assert warnings and all("rendered for real" in line for line in warnings), done.stderr
    page = next((root / "site" / "papers").glob("*/index.html")).read_text(encoding="utf-8")
    content = re.search(r'<meta name="pl-size" content="(\d+)">', page)
    assert content and int(content.group(1)) > 100  # the page's own content was measured, not a placeholder's

    verified = run_generator(root, "build", "--no-cache", env={**os.environ, "PAPERLIST_SHELL": "verify"})
    assert verified.returncode != 0
    assert "differs from its real render" in verified.stderr
