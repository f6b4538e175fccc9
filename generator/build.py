"""The build: check, ingest, link, render, then MkDocs into a temp dir swapped into ``site/``.

Nothing reaches ``site/`` unless every step succeeded, and two builds at once take turns
(a lock), so a curator's typo or a crash never costs the published site. The search index
(Pagefind) is built on the second core while MkDocs renders on the first, and moved into
the staged site before the swap.
"""

from __future__ import annotations

import contextlib
import fcntl
import functools
import hashlib
import os
import shutil
import tempfile
import time
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path

from . import files, sitestamp

# First: it checks SOURCE_DATE_EPOCH before NumPy (under scikit-learn) int()s it on import.
from .builddate import EARLIEST_EPOCH, clamped, environment_epoch
from .cache import FileCache, cache_key, long_lived_frozen
from .catalog import LINKS, Catalog, Links, build_catalog, compute_links, visible_papers
from .curate import IngestResult, ingest, merge_entries
from .frontmatter import hand_written_problems
from .inputs import load_curated as load_curated
from .inputs import read_entries as read_entries
from .inputs import relative_to_root
from .mkdocs_run import run_mkdocs
from .output import make_dirs, write_if_changed
from .problems import BuildError, Problem, Severity, errors, report
from .project import Project
from .publish import clean_leftovers, publish, staging_prefix
from .records import Paper
from .render import Page, Renderer, fingerprint
from .search import (
    IndexJob,
    finish_index,
    lexicon_directory,
    start_index,
    stop_index,
    write_search_lexicon,
    write_search_pages,
)
from .sitefiles import site_files
from .taxonomy import unused_topics
from .written import WrittenFiles

UNSORTED_SHOWN = 20  # the build output names this many unsorted papers, then counts the rest


@dataclass
class Timings:
    """Seconds per phase, in order; ``parallel`` holds work that ran beside the phases."""

    phases: dict[str, float] = field(default_factory=dict)
    parallel: dict[str, float] = field(default_factory=dict)

    @contextlib.contextmanager
    def phase(self, name: str) -> Iterator[None]:
        start = time.perf_counter()
        yield
        self.phases[name] = self.phases.get(name, 0.0) + time.perf_counter() - start


@dataclass
class Generated:
    catalog: Catalog
    ingested: IngestResult
    problems: list[Problem]
    published: bool = False  # False when site/ already was what this build would publish


def generate(
    project: Project, timings: Timings | None = None, linked: Callable[[Catalog], None] | None = None
) -> Generated:
    """Everything before MkDocs: parse, check, ingest, link, render into ``build/docs``.

    ``linked`` is called with the catalog before the pages are rendered (the build writes the
    search pages there and starts indexing them). Raises BuildError with every problem found
    when any of them is an error.
    """
    timings = timings or Timings()
    with timings.phase("parse"):
        entries, problems = read_entries(project)
    with timings.phase("check"):
        taxonomy, papers, found = load_curated(project)
    problems = relative_to_root(project, problems + found)
    if errors(problems):
        raise BuildError(problems)
    with timings.phase("curate"):
        result = ingest(merge_entries(entries), papers, project.papers, taxonomy)
        if result.created or result.updated:
            taxonomy, papers, found = load_curated(project, result.written)
            result.written.clear()  # else the text of every new record is held to the end of the build
            problems += relative_to_root(project, found)
            if errors(problems):
                raise BuildError(problems)
    with timings.phase("related"):
        catalog = build_catalog(papers, taxonomy, cached_links(project, papers))
    if set(taxonomy.topics) - set(catalog.topics):  # finding their lines parses the taxonomy again (0.1 s)
        problems += relative_to_root(project, unused_topics(taxonomy, set(catalog.topics), project.taxonomy))
    if "unsorted" in catalog.topics:
        waiting = [p.id for p in catalog.topics["unsorted"]]
        names = ", ".join(waiting[:UNSORTED_SHOWN]) + (
            f" and {len(waiting) - UNSORTED_SHOWN} more" if len(waiting) > UNSORTED_SHOWN else ""
        )
        problems.append(
            Problem(
                project.rel(project.papers),
                1,
                f"{len(waiting)} papers waiting for a topic (unsorted): {names}",
                Severity.NOTICE,
            )
        )
    if linked is not None:
        linked(catalog)
    with timings.phase("render"), long_lived_frozen():
        write_docs(project, Renderer(catalog).plan())
    return Generated(catalog, result, problems)


def cached_links(project: Project, papers: list[Paper]) -> Links:
    """Related papers and mentions, recomputed only when a shown paper's text, topics or tags changed."""
    visible = visible_papers(papers)
    digest = hashlib.blake2b(digest_size=20)
    for paper in visible:
        for part in (paper.id, paper.title, paper.abstract, *paper.topics, "|", *paper.tags):
            digest.update(part.encode("utf-8", "surrogateescape") + b"\0")
    cache = FileCache(project.cache("links"), LINKS)
    key = cache_key("links", digest.digest())
    links = cache.get(key)
    if links is None:
        links = compute_links(visible)
        cache.put(key, links)
    cache.save()
    return links


def write_docs(project: Project, pages: Mapping[str, Page]) -> None:
    """Write the pages that changed, copy the hand-written ones, delete pages that are gone.

    A page whose file still holds what an earlier build wrote under the page's key is neither
    rendered nor read (see written.WrittenFiles); any other page is rendered, and its file
    written only if the bytes differ, so unchanged pages keep their timestamps.
    """
    pages = dict(pages)
    refused: list[Problem] = []
    for source in files.list_dir(project.pages, (".md",), project.content):
        if source.name.startswith("."):  # as glob("*.md")
            continue
        try:  # a page is content too: a regular file inside content/, bounded (see files)
            text = files.read_text(source, files.PAGE, project.content)
        except OSError as exc:
            refused.append(files.unreadable(project.rel(source), exc))
            continue
        except UnicodeDecodeError as exc:
            refused.append(Problem(project.rel(source), 1, f"not valid UTF-8 (byte {exc.start + 1})"))
            continue
        refused.extend(hand_written_problems(project.rel(source), text))
        pages.setdefault(source.name, Page(fingerprint(("hand-written", text)), functools.partial(str, text)))
    if refused:
        raise BuildError(refused)
    make_dirs(project.docs, project.docs.parent)  # a link planted at build/docs is refused, not written through
    written = WrittenFiles(project.docs_written)
    docs = str(project.docs)  # strings, not Paths: 10,000 Path joins cost 0.03 s, f-strings 1 ms
    for relpath, page in pages.items():
        target = f"{docs}/{relpath}"
        if not written.unchanged(relpath, target, page.key):
            written.write(relpath, target, page.key, page.render())
    for stale in stale_pages(project.docs, pages):
        stale.unlink()
    written.save()


def stale_pages(docs: Path, pages: Mapping[str, object]) -> list[Path]:
    """The Markdown files under ``docs`` that are not among ``pages`` (relative paths)."""
    stale: list[Path] = []
    for directory, _, names in os.walk(docs):  # a tenth of rglob's time over 10,000 pages
        base = Path(directory)
        relbase = base.relative_to(docs).as_posix()
        prefix = "" if relbase == "." else relbase + "/"
        stale.extend(base / name for name in sorted(names) if name.endswith(".md") and prefix + name not in pages)
    return sorted(stale)


def source_date_epoch(catalog: Catalog) -> tuple[int, list[Problem]]:
    """SOURCE_DATE_EPOCH if set, else the newest publication date: from the data, never the clock.

    Clamped into what every stamp MkDocs writes can hold (see generator.builddate), with a
    warning when that moves it, so no date can fail MkDocs.
    """
    epoch, problems = environment_epoch()
    if problems:
        return EARLIEST_EPOCH, problems
    if epoch is not None:
        return clamped(epoch, "SOURCE_DATE_EPOCH")
    dates = [p.published for p in catalog.papers if p.published]
    if not dates:
        return EARLIEST_EPOCH, []
    newest = max(dates)
    return clamped(int(datetime(newest.year, newest.month, newest.day, tzinfo=UTC).timestamp()), "newest date")


@contextlib.contextmanager
def build_lock(project: Project) -> Iterator[None]:
    """One build at a time per checkout; a second waits for the first."""
    lock_path = project.root / "build" / ".lock"
    lock_path.parent.mkdir(parents=True, exist_ok=True)
    fd = os.open(lock_path, os.O_RDWR | os.O_CREAT, 0o644)  # never truncated: a rebuild changes no mtime
    try:
        fcntl.flock(fd, fcntl.LOCK_EX)
        yield
    finally:
        fcntl.flock(fd, fcntl.LOCK_UN)
        os.close(fd)


def swap_in(new_site: Path, site: Path) -> None:
    """Replace ``site`` with ``new_site`` in one atomic, durable exchange (see generator.publish)."""
    publish(new_site, site)


def forget_caches(project: Project) -> None:
    """Remove what builds keep under ``build/`` to skip work, so the next build reads none of it.

    The caches of ``build/cache`` (not its directories: ``arxiv`` holds the answers ``enrich``
    fetched, not build work), the rendered pages and the search pages: a build after this is
    a cold build, whatever a cache held.
    """
    caches = project.root / "build" / "cache"
    for path in files_in(caches):
        if path.suffix == ".json":
            path.unlink()
    for directory in (project.docs, project.search_pages):
        if directory.is_symlink() or directory.is_file():
            directory.unlink()
        elif directory.is_dir():
            shutil.rmtree(directory)


def files_in(directory: Path) -> list[Path]:
    """The files (and links) directly in ``directory``, sorted; none when it is missing."""
    try:
        return sorted(Path(e.path) for e in os.scandir(directory) if not e.is_dir(follow_symlinks=False))
    except FileNotFoundError:
        return []


def build(
    project: Project, timings: Timings | None = None, site: Path | None = None, *, use_cache: bool = True
) -> Generated:
    """The whole build. On any error ``site/`` is left exactly as it was.

    Under the lock, first the leftovers of killed builds go (a site a killed swap parked comes
    back); the new site is staged beside ``site/`` and exchanged with it in one step. When
    ``site/`` already is what MkDocs and Pagefind would make of the pages (see sitestamp), it
    is left as it is. Without ``use_cache``, nothing a build kept is read (see forget_caches).
    """
    timings = timings or Timings()
    site = site or project.site
    with build_lock(project):
        if not use_cache:
            forget_caches(project)
        clean_leftovers(site)
        site.parent.mkdir(parents=True, exist_ok=True)
        # The search index is built beside MkDocs' output and moved in (MkDocs empties its own).
        scratch = Path(tempfile.mkdtemp(prefix=staging_prefix(site, "search"), dir=site.parent))
        jobs: list[IndexJob] = []

        def index_early(catalog: Catalog) -> None:
            # Search pages need only the catalog: written before the pages are rendered, and when
            # any changed (a cold build, new papers, an edit) Pagefind indexes them on the other
            # core while this one renders and runs MkDocs. Unchanged, the site may be current.
            with timings.phase("search pages"):
                make_dirs(project.search_pages, project.search_pages.parent)
                changed = write_search_pages(catalog, project.search_pages)
                if changed or not lexicon_directory(project.search_pages).is_dir():
                    write_search_lexicon(catalog, project.search_pages)
            if changed:
                jobs.append(start_index(project.search_pages, scratch / "pagefind"))

        try:
            generated = generate(project, timings, index_early)
            epoch, dated = source_date_epoch(generated.catalog)
            generated.problems.extend(dated)
            if errors(dated):
                raise BuildError(generated.problems)
            report(generated.problems)
            extra = site_files(generated.catalog)
            inputs = sitestamp.inputs_digest(project, epoch, extra)
            if use_cache and sitestamp.current(project, site, inputs):
                return generated  # an index started for pages rewritten with the same bytes is stopped below
            sitestamp.forget(project, site)
            if not jobs:
                jobs.append(start_index(project.search_pages, scratch / "pagefind"))
            publish_site(project, site, epoch, extra, timings, jobs[0])
            sitestamp.remember(project, site, inputs)
            generated.published = True
        finally:
            for job in jobs:
                stop_index(job)
            shutil.rmtree(scratch, ignore_errors=True)
    return generated


def publish_site(
    project: Project, site: Path, epoch: int, extra: Mapping[str, str], timings: Timings, job: IndexJob
) -> None:
    """MkDocs into a staging directory while ``job`` indexes, ``extra`` files added, swapped in for ``site``."""
    staging = Path(tempfile.mkdtemp(prefix=staging_prefix(site, "new"), dir=site.parent))
    try:
        with timings.phase("mkdocs"):
            failures = run_mkdocs(project, staging, epoch)
        if errors(failures):
            raise BuildError(failures)
        report(failures)
        with timings.phase("search index"):  # only the wait beyond MkDocs adds to the build
            failures = finish_index(job, staging)
        timings.parallel["pagefind"] = job.seconds
        if failures:
            raise BuildError(failures)
        for relpath, text in extra.items():
            write_if_changed(staging / relpath, text)
        with timings.phase("publish"):
            swap_in(staging, site)
    finally:
        if staging.exists():
            shutil.rmtree(staging)
