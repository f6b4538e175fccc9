"""The build: check, ingest, link, render, then MkDocs into a temp dir swapped into ``site/``.

Nothing reaches ``site/`` unless every step succeeded, and two builds at once take turns
(a lock), so a curator's typo or a crash never costs the published site. The search index
(generator.search) is written by a worker process the generator starts, while it renders the
pages, and linked into the staged site before the swap. The generator (generator.generate)
runs in a child process that ends before MkDocs starts, so the two never hold their memory at once.
"""

from __future__ import annotations

import contextlib
import fcntl
import functools
import gc
import os
import shutil
import tempfile
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from . import plaindata as plain
from . import sitestamp

# First: it checks SOURCE_DATE_EPOCH before NumPy (under scikit-learn) int()s it on import.
from .builddate import EARLIEST_EPOCH, clamped, environment_epoch
from .catalog import Catalog
from .curate import IngestResult
from .forked import run_forked
from .generate import Timings as Timings
from .generate import generate as generate
from .inputs import load_curated as load_curated
from .inputs import read_entries as read_entries
from .mkdocs_run import run_mkdocs
from .output import make_dirs
from .plaindata import encode_problem
from .problems import BuildError, Problem, errors, report
from .project import Project
from .publish import clean_leftovers, publish, staging_prefix
from .search import Writing, copy_bundle, start_search_index
from .sitefiles import write_site_files


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
    fetched, not build work), the rendered pages and the search index: a build after this is
    a cold build, whatever a cache held.
    """
    caches = project.root / "build" / "cache"
    for path in files_in(caches):
        if path.suffix == ".json":
            path.unlink()
    for directory in (project.docs, project.search_index):
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


@dataclass(frozen=True)
class Shown:
    """The ids of what a build's catalog showed (the catalog itself lives and dies in the generator's process)."""

    papers: tuple[str, ...]
    topics: tuple[str, ...]
    tags: tuple[str, ...]


@dataclass
class Built:
    """What a build reports; ``catalog`` holds the ids the catalog showed."""

    catalog: Shown
    ingested: IngestResult
    problems: list[Problem]
    published: bool = False  # False when site/ already was what this build would publish


@dataclass(frozen=True)
class SiteInputs:
    """What the generator's process hands the build: all MkDocs and the swap need of the catalog."""

    built: Built
    epoch: int
    inputs: str  # sitestamp.inputs_digest of the pages, search pages and extra files
    extra: tuple[str, ...]  # files written next to the pages, relative to the site root
    phases: dict[str, float]


def _encode_inputs(made: SiteInputs) -> list[Any]:
    shown, ingested = made.built.catalog, made.built.ingested
    return [
        [list(shown.papers), list(shown.topics), list(shown.tags)],
        [ingested.created, ingested.updated, ingested.unsorted],  # (``written`` is emptied once read back)
        [encode_problem(problem) for problem in made.built.problems],
        [made.epoch, made.inputs, list(made.extra), made.phases],
    ]


def _decode_inputs(value: Any) -> SiteInputs:
    shown, ingested, problems, rest = plain.items(value, 4)
    papers, topics, tags = (plain.texts(ids) for ids in plain.items(shown, 3))
    created, updated, unsorted = (list(plain.texts(ids)) for ids in plain.items(ingested, 3))
    epoch, inputs, extra, phases = plain.items(rest, 4)
    seconds = plain.mapping(phases)
    if not all(type(s) is float for s in seconds.values()):
        raise plain.Invalid("expected seconds")
    found = list(plain.decode_problems(problems))
    built = Built(Shown(papers, topics, tags), IngestResult(created, updated, unsorted), found)
    return SiteInputs(built, plain.whole(epoch), plain.text(inputs), plain.texts(extra), seconds)


def make_site_inputs(project: Project, extra_dir: Path) -> SiteInputs:
    """The generator's part of a build (run in its own process, see build): pages, search index,
    the files written next to them, the date and the digest of it all."""
    timings = Timings()
    with contextlib.ExitStack() as stack:
        writing: list[Writing] = []

        def index(catalog: Catalog) -> None:  # the worker writes the index while the pages are rendered
            with timings.phase("search index"):
                project.search_index.parent.mkdir(parents=True, exist_ok=True)  # build/ may be a link (another disk)
                started = start_search_index(catalog, project.search_index)
                if started is not None:
                    writing.append(stack.enter_context(started))

        generated = generate(project, timings, index)
        catalog = generated.catalog
        epoch, dated = source_date_epoch(catalog)
        generated.problems.extend(dated)
        if errors(dated):
            raise BuildError(generated.problems)
        gc.collect()  # the renderer's caches are cycles (its filters): their memory is reused below
        extra = write_site_files(catalog, extra_dir)
        shown = Shown(tuple(p.id for p in catalog.papers), tuple(catalog.topics), tuple(catalog.tags))
        built = Built(shown, generated.ingested, generated.problems)
        with timings.phase("search index"):  # what the build waited for beyond the pages
            for started in writing:
                started.finish()
    inputs = sitestamp.inputs_digest(project, epoch, extra)
    return SiteInputs(built, epoch, inputs, tuple(extra), timings.phases)


def build(
    project: Project, timings: Timings | None = None, site: Path | None = None, *, use_cache: bool = True
) -> Built:
    """The whole build. On any error ``site/`` is left exactly as it was.

    Under the lock, first the leftovers of killed builds go (a site a killed swap parked comes
    back); the new site is staged beside ``site/`` and exchanged with it in one step. When
    ``site/`` already is what MkDocs and the search index would make of the pages (see sitestamp), it
    is left as it is. Without ``use_cache``, nothing a build kept is read (see forget_caches).
    The generator runs in a child process that ends before MkDocs starts (see generator.forked):
    the two never hold their memory at once.
    """
    timings = timings or Timings()
    site = site or project.site
    with build_lock(project):
        if not use_cache:
            forget_caches(project)
        clean_leftovers(site)
        site.parent.mkdir(parents=True, exist_ok=True)
        # papers.json and the feeds, written by the generator's process into a scratch directory
        scratch = Path(tempfile.mkdtemp(prefix=staging_prefix(site, "search"), dir=site.parent))
        extra = scratch / "files"
        try:
            work = functools.partial(make_site_inputs, project, extra)
            made = run_forked(work, _encode_inputs, _decode_inputs)
            for name, seconds in made.phases.items():
                timings.phases[name] = timings.phases.get(name, 0.0) + seconds
            report(made.built.problems)
            if use_cache and sitestamp.current(project, site, made.inputs):
                return made.built
            sitestamp.forget(project, site)
            publish_site(project, site, made.epoch, {name: extra / name for name in made.extra}, timings)
            sitestamp.remember(project, site, made.inputs)
            made.built.published = True
        finally:
            shutil.rmtree(scratch, ignore_errors=True)
    return made.built


def publish_site(project: Project, site: Path, epoch: int, extra: Mapping[str, Path], timings: Timings) -> None:
    """MkDocs into a staging directory, the search index and the ``extra`` files put in, swapped in for ``site``."""
    staging = Path(tempfile.mkdtemp(prefix=staging_prefix(site, "new"), dir=site.parent))
    try:
        with timings.phase("mkdocs"):
            failures = run_mkdocs(project, staging, epoch)
        if errors(failures):
            raise BuildError(failures)
        report(failures)
        with timings.phase("publish"):
            copy_bundle(project.search_index, staging)
            for relpath, path in extra.items():
                make_dirs((staging / relpath).parent, staging)
                os.replace(path, staging / relpath)
            swap_in(staging, site)
    finally:
        if staging.exists():
            shutil.rmtree(staging)
