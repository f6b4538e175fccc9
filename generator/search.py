"""Search: a Pagefind index of every paper, built from pages of our own while MkDocs runs.

Pagefind indexes HTML. Indexing the finished Material site would wait for MkDocs and read
every page's theme chrome; the generator already knows each paper's text, so it writes one
minimal page per paper (title weighted, abstract, topics and tags) under ``build/search/``
and runs the Pagefind binary on them on the second core while MkDocs renders on the first.
The bundle then goes into the staged site as ``pagefind/``; result URLs are the paper pages'
own (``papers/<id>/``), because the minimal pages sit at the same paths.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import threading
import time
from dataclasses import dataclass
from html import escape
from pathlib import Path

from .catalog import Catalog
from .problems import Problem
from .records import Paper
from .yamlio import write_if_changed

BUNDLE = "pagefind"  # the bundle's directory in the site, read by overrides/assets/search.js
# Pagefind's own UIs and the no-language index: the site uses none of them (its UI is Material's).
UNUSED: tuple[str, ...] = ("pagefind-ui.*", "pagefind-component-ui.*", "pagefind-modular-ui.*")
UNUSED += ("pagefind-highlight.js", "wasm.unknown.*")
TITLE_WEIGHT = 10  # Pagefind's scale: body text 1, an <h1> 7 by default


def search_page(paper: Paper, catalog: Catalog) -> str:
    """The page Pagefind indexes for one paper: its text, and nothing of the theme.

    Topics and tags are indexed as text and kept as metadata for the result list, not as
    Pagefind filters: Pagefind 1.5 writes filter files in a different order on each run,
    and the site must come out byte for byte the same.
    """
    taxonomy = catalog.taxonomy
    topics = [taxonomy.topic(t).title for t in paper.topics]
    tags = [taxonomy.tags[t].title for t in paper.tags if t in taxonomy.tags]
    labels = " · ".join([*topics, *tags])
    meta = [f'<span data-pagefind-meta="topics:{escape(", ".join(topics))}"></span>']
    if paper.published:
        meta.append(f'<span data-pagefind-meta="date:{paper.published.isoformat()}"></span>')
    return (
        '<!doctype html>\n<html lang="en"><head><meta charset="utf-8">'
        f"<title>{escape(paper.title)}</title></head>\n<body><main data-pagefind-body>\n"
        f'<h1 data-pagefind-weight="{TITLE_WEIGHT}">{escape(paper.title)}</h1>\n'
        f"<p>{escape(paper.abstract)}</p>\n"
        f'<p data-pagefind-weight="2">{escape(labels)}</p>\n'
        f"{''.join(meta)}\n</main></body></html>\n"
    )


def write_search_pages(catalog: Catalog, directory: Path) -> None:
    """One page per visible paper at ``papers/<id>/index.html``; unchanged pages are not rewritten."""
    wanted = {f"papers/{paper.id}/index.html": search_page(paper, catalog) for paper in catalog.papers}
    for relpath, text in wanted.items():
        write_if_changed(directory / relpath, text)
    if (directory / "papers").is_dir():
        for stale in sorted((directory / "papers").glob("*/index.html")):
            if stale.relative_to(directory).as_posix() not in wanted:
                stale.unlink()
                stale.parent.rmdir()


@dataclass
class IndexJob:
    """A Pagefind run in the background, writing its bundle to ``output``."""

    process: subprocess.Popen[bytes]
    output: Path
    log: Path
    started: float
    ended: float | None = None

    @property
    def seconds(self) -> float:
        """How long Pagefind ran (so far)."""
        return (self.ended or time.perf_counter()) - self.started


def start_index(pages: Path, output: Path) -> IndexJob:
    """Start Pagefind on ``pages``; it runs while the caller does other work."""
    log = output.with_name(output.name + ".log")
    command = [sys.executable, "-m", "pagefind", "--site", str(pages), "--output-path", str(output)]
    command += ["--force-language", "en", "--quiet"]
    with log.open("wb") as handle:
        process = subprocess.Popen(command, stdout=handle, stderr=subprocess.STDOUT)
    job = IndexJob(process, output, log, time.perf_counter())

    def watch() -> None:  # notes when Pagefind ends, for the timings
        process.wait()
        job.ended = time.perf_counter()

    threading.Thread(target=watch, daemon=True).start()
    return job


def finish_index(job: IndexJob, site: Path) -> list[Problem]:
    """Wait for Pagefind and move its bundle into ``site/pagefind``; problems if it failed."""
    code = job.process.wait()
    detail = job.log.read_text(encoding="utf-8", errors="replace") if job.log.exists() else ""
    job.log.unlink(missing_ok=True)
    if code != 0 or not (job.output / "pagefind.js").is_file():
        lines = [line for line in detail.splitlines() if line.strip()]
        why = "; ".join(lines[-3:]) or f"exit status {code}"
        return [Problem("build/search", 1, f"pagefind failed: {why}")]
    for pattern in UNUSED:
        for path in sorted(job.output.glob(pattern)):
            path.unlink()
    target = site / BUNDLE
    if target.exists():
        shutil.rmtree(target)
    os.replace(job.output, target)
    return []


def stop_index(job: IndexJob) -> None:
    """Stop a Pagefind run whose result is no longer wanted, and remove what it wrote."""
    if job.process.poll() is None:
        job.process.kill()
        job.process.wait()
    job.log.unlink(missing_ok=True)
    shutil.rmtree(job.output, ignore_errors=True)
