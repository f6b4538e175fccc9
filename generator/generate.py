"""Everything before MkDocs: parse, check, ingest, link, render into ``build/docs``.

A build runs this in a child process (see build.make_site_inputs and generator.forked), so what
it holds is gone before MkDocs starts; ``make serve`` runs it inside MkDocs (mkdocs_hooks).
"""

from __future__ import annotations

import contextlib
import functools
import hashlib
import os
import time
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass, field
from pathlib import Path

from . import files
from .cache import FileCache, cache_key, long_lived_frozen
from .catalog import LINKS, Catalog, Links, build_catalog, compute_links, visible_papers
from .curate import IngestResult, ingest, merge_entries
from .forked import release_heap
from .frontmatter import hand_written_problems
from .inputs import load_curated, read_entries, relative_to_root
from .output import make_dirs
from .problems import BuildError, Problem, Severity, errors
from .project import Project
from .records import Paper
from .render import Page, Renderer, fingerprint
from .taxonomy import unused_topics
from .written import WrittenFiles

UNSORTED_SHOWN = 20  # the build output names this many unsorted papers, then counts the rest


@dataclass
class Timings:
    """Seconds per phase, in order."""

    phases: dict[str, float] = field(default_factory=dict)

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
    search index there). Raises BuildError with every problem found
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
        del entries  # every line of the dumps (1.5 KB a paper): not needed past ingest
        if result.created or result.updated:
            taxonomy, papers, found = load_curated(project, result.written)
            result.written.clear()  # else the text of every new record is held to the end of the build
            problems += relative_to_root(project, found)
            if errors(problems):
                raise BuildError(problems)
    with timings.phase("related"):
        catalog = build_catalog(papers, taxonomy, cached_links(project, papers))
        release_heap()
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
