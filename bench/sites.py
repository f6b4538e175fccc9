"""The projects the benchmark builds: a temp copy of this repository with synthetic dumps, and
the bare MkDocs + Material site of the same papers it is compared with."""

from __future__ import annotations

import json
import os
import shutil
from pathlib import Path

from bench.synth import write_dumps
from generator import urls

REPO = Path(__file__).resolve().parent.parent

BARE_CONFIG = f"""\
site_name: Bare
theme:
  name: material
plugins:
  - search
nav:
  - Home: index.md
not_in_nav: |
  /{urls.PAPERS.name}/
"""


def make_project(root: Path, n: int) -> Path:
    """A project at ``root``: this repo's taxonomy, pages, config, theme and generator; N synthetic papers."""
    (root / "content" / "papers").mkdir(parents=True)
    shutil.copy(REPO / "content" / "taxonomy.yml", root / "content" / "taxonomy.yml")
    if (REPO / "content" / "pages").is_dir():
        shutil.copytree(REPO / "content" / "pages", root / "content" / "pages")
    shutil.copy(REPO / "mkdocs.yml", root / "mkdocs.yml")
    shutil.copytree(REPO / "overrides", root / "overrides")
    (root / "generator").symlink_to(REPO / "generator")
    write_dumps(root / "content" / "sources", n)
    return root


def bare_site(site: Path, directory: Path) -> Path:
    """One plain Markdown page per paper of a built site (title and abstract), out of the nav."""
    papers = json.loads((site / urls.PAPERS_JSON).read_text(encoding="utf-8"))
    if isinstance(papers, dict):
        papers = papers["papers"]
    docs = directory / "docs"
    (docs / urls.PAPERS.name).mkdir(parents=True)
    (directory / "mkdocs.yml").write_text(BARE_CONFIG, encoding="utf-8")
    (docs / "index.md").write_text(f"# Bare\n\n{len(papers)} papers.\n", encoding="utf-8")
    for paper in papers:
        text = f"# {paper['title']}\n\n{paper['abstract']}\n"
        (docs / urls.PAPERS.page(paper["id"])).write_text(text, encoding="utf-8")
    return directory


def tree_bytes(directory: Path) -> int:
    """Bytes of every file under ``directory``."""
    total = 0
    for folder, _, files in os.walk(directory):
        total += sum(os.path.getsize(os.path.join(folder, name)) for name in files)
    return total


def largest_page(directory: Path) -> int:
    """Bytes of the largest HTML page under ``directory`` (the issue's bound: 500 KB)."""
    return max(
        (
            os.path.getsize(os.path.join(folder, name))
            for folder, _, files in os.walk(directory)
            for name in files
            if name.endswith(".html")
        ),
        default=0,
    )


def snapshot(*directories: Path) -> dict[str, int]:
    """Path -> mtime (ns) of every file: two snapshots tell which files a run wrote."""
    found: dict[str, int] = {}
    for directory in directories:
        for folder, _, files in os.walk(directory):
            for name in files:
                path = os.path.join(folder, name)
                found[path] = os.stat(path).st_mtime_ns
    return found
