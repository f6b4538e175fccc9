"""Search: a Pagefind index of every paper, built in shards from pages of our own while MkDocs runs.

Pagefind indexes HTML. Indexing the finished Material site would wait for MkDocs and read
every page's theme chrome; the generator already knows each paper's text, so it writes one
minimal page per paper (title weighted, abstract, topics and tags; ``templates/search_page.html.j2``)
under ``build/search/`` and runs the Pagefind binary on them while MkDocs renders.

Pagefind holds every page it indexes in memory (~140 KB each: 1.4 GB at 10,000 papers), so
the papers are split, in catalog order, into shards of at most ``SHARD_PAPERS`` pages
(``build/search/<k>/papers/<id>/index.html``) and a background thread runs one Pagefind per
shard, one after the other. In the site, shard k's bundle is ``pagefind/<k>/`` and
``pagefind/`` holds the engine (script and WebAssembly) with an index of no paper;
``pagefind/shards.json`` names the shards, ``pagefind/lexicon/`` (``searchroute.py``) says
which shards hold which words, and the search script searches only the shards that hold
every word of a query. Result URLs are the paper pages' own (``papers/<id>/``), because
each shard's pages sit at those paths below its directory.
"""

from __future__ import annotations

import hashlib
import json
import os
import shutil
import subprocess
import threading
import time
from collections.abc import Sequence, Set
from dataclasses import dataclass, field
from html import escape
from importlib import metadata
from pathlib import Path

import jinja2
from markupsafe import Markup

from .cache import code_version
from .catalog import Catalog
from .output import make_dirs, write_if_changed
from .problems import Problem
from .publish import module_command
from .records import Paper
from .searchroute import LEXICON, bundle_pages, lexicon_pages, write_lexicon
from .urls import PAPERS, SEARCH_BUNDLE, SEARCH_SHARDS, search_file, search_shard
from .written import WrittenFiles

BUNDLE = SEARCH_BUNDLE  # the bundle's directory in the site, read by overrides/assets/search.js
SHARDS = SEARCH_SHARDS  # in the bundle: the merged shards' directories, read by overrides/assets/search.js
# Pagefind's peak memory is linear in a shard's pages (~143 KB each: 286 MB at 2,000, 567 MB
# at 4,000). Beside it wait the generator (~225-380 MB at 10k) and MkDocs (~190-300 MB): at
# 2,000 the whole build peaked at 690-740 MB at 10k (860 MB with shards of 3,334), under 1 GB
# even with the larger figures. Each shard costs the reader one more index fetch per word.
SHARD_PAPERS = 2000
SHARD_ENV = "PAPERLIST_SEARCH_SHARD"  # overrides SHARD_PAPERS (tests force several shards)
MANIFEST = "written.json"  # in build/search: the record of written pages (written.WrittenFiles)
# Pagefind's own UIs and the no-language index: the site uses none of them (its UI is Material's).
UNUSED: tuple[str, ...] = ("pagefind-ui.*", "pagefind-component-ui.*", "pagefind-modular-ui.*")
UNUSED += ("pagefind-highlight.js", "wasm.unknown.*")
# A shard only serves its index, metadata and fragments: the engine's script and WebAssembly
# search the shards merged into it.
MERGED_UNUSED = (*UNUSED, "pagefind.js", "pagefind-worker.js", "wasm.*")
# The engine's own bundle (``pagefind/``) indexes one page of no paper, so that a query only
# ever searches the shards merged into it: Pagefind needs a page with a word to write a bundle.
# Its one word, ``_`` (weightless), matches a query word that starts with ``_``, so the page's
# id is in shards.json and search.js drops it from every answer.
EMPTY_PAGE = (
    '<!DOCTYPE html><html lang="en"><head><title></title></head>'
    '<body><main data-pagefind-body><p data-pagefind-weight="0">_</p></main></body></html>\n'
)
TITLE_WEIGHT = 10  # Pagefind's scale: body text 1, an <h1> 7 by default
TEMPLATES = Path(__file__).parent / "templates"
PAGE_TEMPLATE = "search_page.html.j2"


def _html_escaped(value: object) -> object:
    """Every printed value escaped as ``html.escape`` does (``&quot;``, ``&#x27;``), not as
    MarkupSafe does: the pages keep the bytes they had when Python wrote them."""
    return value if isinstance(value, Markup) else Markup(escape(str(value)))  # noqa: S704 - escaped


_PAGES = jinja2.Environment(
    loader=jinja2.FileSystemLoader(TEMPLATES),  # reloads an edited template (make serve): one stat per build
    autoescape=True,
    finalize=_html_escaped,
    keep_trailing_newline=True,
    undefined=jinja2.StrictUndefined,
)


def page_fields(paper: Paper, catalog: Catalog) -> dict[str, str]:
    """What the search page of ``paper`` shows: the template's only input, and what its key digests.

    Topics and tags are indexed as text and kept as metadata for the result list, not as
    Pagefind filters: Pagefind 1.5 writes filter files in a different order on each run,
    and the site must come out byte for byte the same.
    """
    taxonomy = catalog.taxonomy
    topics = [taxonomy.topic(t).title for t in paper.topics]
    tags = [taxonomy.tags[t].title for t in paper.tags if t in taxonomy.tags]
    return {
        "title": paper.title,
        "abstract": paper.abstract,
        "labels": " · ".join([*topics, *tags]),
        "topics": ", ".join(topics),
        "published": paper.published.isoformat() if paper.published else "",
    }


def search_page(paper: Paper, catalog: Catalog) -> str:
    """The page Pagefind indexes for one paper: its text, and nothing of the theme."""
    return _PAGES.get_template(PAGE_TEMPLATE).render(title_weight=TITLE_WEIGHT, **page_fields(paper, catalog))


def page_version() -> bytes:
    """A digest of what decides a search page's text besides its fields: our code, the template, Jinja."""
    digest = hashlib.sha256(code_version())
    template = (TEMPLATES / PAGE_TEMPLATE).read_bytes()
    digest.update("\0".join([metadata.version("Jinja2"), metadata.version("MarkupSafe"), ""]).encode() + template)
    return digest.digest()


# --- the pages, one directory per shard -------------------------------------------------------


def shard_papers() -> int:
    """Pages per shard: ``SHARD_PAPERS``, unless ``PAPERLIST_SEARCH_SHARD`` says otherwise."""
    value = os.environ.get(SHARD_ENV, "").strip()
    return max(1, int(value)) if value.isdigit() else SHARD_PAPERS


def shard_pages(papers: Sequence[Paper], size: int) -> list[list[Paper]]:
    """``papers`` in order, cut into the fewest runs of at most ``size``, as even as can be.

    Even shards rank alike: each shard scores its pages with its own word statistics, and
    the browser merges results by score, so a small last shard would skew the ranking.
    """
    count = max(1, -(-len(papers) // size))
    return [list(papers[k * len(papers) // count : (k + 1) * len(papers) // count]) for k in range(count)]


def write_search_pages(catalog: Catalog, directory: Path) -> bool:
    """One page per visible paper at ``<shard>/papers/<id>/index.html``; unchanged pages are not rewritten.

    The record of written files (``written.WrittenFiles``, keyed by a digest of each page's fields
    and ``page_version()``) leaves a page whose file is untouched alone without rendering or
    reading it back (10,000 reads were most of this step's time). Anything else under
    ``directory`` (pages of papers gone or moved to another shard, shards no longer needed,
    older layouts) is removed. True when a page was written or removed: the index must be rebuilt.
    """
    written = WrittenFiles(directory / MANIFEST)
    template = _PAGES.get_template(PAGE_TEMPLATE)
    version = page_version()
    shards = shard_pages(catalog.papers, shard_papers())
    wanted: set[str] = set()
    changed = False
    for k, papers in enumerate(shards):
        make_dirs(directory / str(k) / PAPERS.name, directory)  # a link planted under build/search is refused
        for paper in papers:
            relpath = search_file(k, paper.id)
            wanted.add(relpath)
            fields = page_fields(paper, catalog)
            key = hashlib.sha256(version + json.dumps(fields).encode()).digest()
            path = f"{directory}/{relpath}"  # a plain string: 10,000 Path objects cost more than the stats
            if not written.unchanged(relpath, path, key):
                page = template.render(title_weight=TITLE_WEIGHT, **fields)
                changed = written.write(relpath, path, key, page) or changed
    changed = _remove_stale(directory, len(shards), wanted) or changed
    written.save()
    return changed


def _remove_stale(directory: Path, shards: int, wanted: Set[str]) -> bool:
    """Remove what ``directory`` holds beyond the manifest and the wanted pages of ``shards`` shards; True if any."""
    keep = {str(k) for k in range(shards)} | {MANIFEST}
    stale = [entry for entry in _entries(directory) if entry.name not in keep]
    for k in range(shards):
        stale += [entry for entry in _entries(directory / str(k)) if entry.name != PAPERS.name]
        papers = _entries(directory / str(k) / PAPERS.name)
        stale += [entry for entry in papers if search_file(k, entry.name) not in wanted]
    for entry in stale:
        if entry.is_dir(follow_symlinks=False):
            shutil.rmtree(entry.path)
        else:
            os.unlink(entry.path)
    return bool(stale)


def _entries(directory: Path) -> list[os.DirEntry[str]]:
    """What ``directory`` holds, by name."""
    with os.scandir(directory) as entries:
        return sorted(entries, key=lambda entry: entry.name)


def lexicon_directory(pages: Path) -> Path:
    """Where the lexicon pages of the search pages under ``pages`` are written (beside them)."""
    return pages.with_name(pages.name + "-lexicon")


def write_search_lexicon(catalog: Catalog, pages: Path) -> None:
    """The lexicon (searchroute) of the search pages under ``pages``: one page per shard."""
    shards = shard_pages(catalog.papers, shard_papers())
    texts = [[text for paper in papers for text in _indexed_text(paper, catalog)] for papers in shards]
    write_lexicon(texts, lexicon_directory(pages))


def _indexed_text(paper: Paper, catalog: Catalog) -> list[str]:
    """The text of ``paper``'s search page that Pagefind indexes: the body and the metadata's values."""
    return list(page_fields(paper, catalog).values())


# --- the index, one Pagefind run per shard ----------------------------------------------------


@dataclass
class IndexJob:
    """Pagefind over each shard in turn, driven by a background thread; shard k's bundle goes to ``bundle(k)``."""

    shards: list[Path]
    pages: Path
    output: Path
    log: Path
    started: float
    ended: float | None = None
    failure: str | None = None
    process: subprocess.Popen[bytes] | None = None
    stopping: threading.Event = field(default_factory=threading.Event)
    lock: threading.Lock = field(default_factory=threading.Lock)  # held while a run starts
    thread: threading.Thread | None = None

    @property
    def seconds(self) -> float:
        """How long Pagefind ran (so far), over all shards."""
        return (self.ended or time.perf_counter()) - self.started

    def bundle(self, k: int) -> Path:
        """Where shard ``k``'s bundle is written, beside ``output``, until it moves into the site."""
        return self.output.with_name(f"{self.output.name}.{k}")

    @property
    def lexicon(self) -> Path:
        """Where the lexicon's bundle is written (searchroute)."""
        return self.output.with_name(f"{self.output.name}.lexicon")

    @property
    def empty_site(self) -> Path:
        """Where the one page of the engine's bundle is written for Pagefind to index."""
        return self.output.with_name(f"{self.output.name}.empty-page")

    @property
    def empty(self) -> Path:
        """Where the bundle of no paper is written: the engine each shard is merged into."""
        return self.output.with_name(f"{self.output.name}.empty")


def page_shards(pages: Path) -> list[Path]:
    """The shard directories under ``pages``, in order."""
    if not pages.is_dir():
        return []
    found = [path for path in pages.iterdir() if path.name.isdigit() and path.is_dir()]
    return sorted(found, key=lambda path: int(path.name))


def start_index(pages: Path, output: Path) -> IndexJob:
    """Start indexing the shards under ``pages``; it runs while the caller does other work."""
    job = IndexJob(page_shards(pages), pages, output, output.with_name(output.name + ".log"), time.perf_counter())
    job.thread = threading.Thread(target=_index_shards, args=(job,), name="pagefind", daemon=True)
    job.thread.start()
    return job


def _index_shards(job: IndexJob) -> None:
    """The background thread: one Pagefind at a time, stopping at the first failure."""
    try:
        if not job.shards:
            job.failure = "no search pages to index"
        empty = job.empty_site
        empty.mkdir(exist_ok=True)
        (empty / "index.html").write_text(EMPTY_PAGE, encoding="utf-8")
        runs = [("the engine", empty, job.empty), ("the lexicon", lexicon_directory(job.pages), job.lexicon)]
        runs += [(f"shard {pages.name}", pages, job.bundle(k)) for k, pages in enumerate(job.shards)]
        for name, pages, bundle in runs:
            code = _run_pagefind(job, pages, bundle)
            if code is None:
                return
            if code != 0 or not (bundle / "pagefind-entry.json").is_file():
                job.failure = f"{name}: {_last_words(job.log, code)}"
                return
    except OSError as error:  # Pagefind could not be started, or its log not written
        job.failure = str(error)
    finally:
        job.ended = time.perf_counter()


def _run_pagefind(job: IndexJob, pages: Path, output: Path) -> int | None:
    """Pagefind on one shard; its exit status, or None when the job was stopped."""
    # ``python -m pagefind`` execs the binary in place (no grandchild): the request to die with
    # the build (module_command) reaches Pagefind itself.
    command = module_command("pagefind", "--site", str(pages), "--output-path", str(output))
    command += ["--force-language", "en", "--quiet"]
    # Pagefind uses every core: MkDocs (one thread) is done long before the last shard, and
    # leaving it a core of its own made the wait for the index twice as long at 10k.
    env = dict(os.environ)
    with job.lock:
        if job.stopping.is_set():
            return None
        with job.log.open("wb") as handle:
            job.process = subprocess.Popen(command, stdout=handle, stderr=subprocess.STDOUT, env=env)
    # This thread started Pagefind and waits for it here, so it outlives it: the kernel's
    # "parent died" signal follows the starting thread, and must only come when the build dies.
    code = job.process.wait()
    return None if job.stopping.is_set() else code


def _last_words(log: Path, code: int) -> str:
    detail = log.read_text(encoding="utf-8", errors="replace") if log.exists() else ""
    lines = [line for line in detail.splitlines() if line.strip()]
    return "; ".join(lines[-3:]) or f"exit status {code}"


def finish_index(job: IndexJob, site: Path) -> list[Problem]:
    """Wait for every shard and move the bundles into ``site/pagefind``; problems if Pagefind failed."""
    if job.thread is not None:
        job.thread.join()
    job.log.unlink(missing_ok=True)
    if job.failure is not None:
        return [Problem("build/search", 1, f"pagefind failed: {job.failure}")]
    target = site / BUNDLE
    if target.exists():
        shutil.rmtree(target)
    _drop(job.empty, UNUSED)
    engine = sorted(bundle_pages(job.empty))  # its one page is merged into every search: never shown
    os.replace(job.empty, target)
    for k in range(len(job.shards)):
        _drop(job.bundle(k), MERGED_UNUSED)
        os.replace(job.bundle(k), target / search_shard(k))
    _drop(job.lexicon, MERGED_UNUSED)
    pages = lexicon_pages(job.lexicon)
    os.replace(job.lexicon, target / LEXICON)
    shards = [search_shard(k) for k in range(len(job.shards))]
    listing = {"shards": shards, "lexicon": pages, "engine": engine}
    write_if_changed(target / SHARDS, json.dumps(listing, sort_keys=True) + "\n")
    return []


def _drop(bundle: Path, patterns: Sequence[str]) -> None:
    """Remove the files of ``bundle`` the site does not use."""
    for pattern in patterns:
        for path in sorted(bundle.glob(pattern)):
            path.unlink()


def stop_index(job: IndexJob) -> None:
    """Stop indexing whose result is no longer wanted, and remove what it wrote."""
    job.stopping.set()
    with job.lock:
        if job.process is not None and job.process.poll() is None:
            job.process.kill()
            job.process.wait()
    if job.thread is not None:
        job.thread.join()
    job.log.unlink(missing_ok=True)
    for k in range(len(job.shards)):
        shutil.rmtree(job.bundle(k), ignore_errors=True)
    for path in (job.output, job.lexicon, job.empty, job.empty_site):
        shutil.rmtree(path, ignore_errors=True)
