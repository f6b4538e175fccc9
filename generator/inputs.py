"""The inputs stage: every dump parsed and every record validated, with caches by content.

Kept apart from ``build`` so ``check`` and ``parse`` never import the heavy link and render
stages (scikit-learn, Jinja, MkDocs).
"""

from __future__ import annotations

from collections.abc import Iterable
from pathlib import Path

from . import files
from .cache import FileCache, cache_key
from .codecs import DUMPS, RECORDS, TAXONOMY, Checked
from .parse import Entry, iter_dump
from .problems import Problem, Severity, errors
from .project import Project
from .records import Paper, load_records, prime_written
from .schema import RawRecord
from .sources import capture_year_for, discover, load_manifest
from .taxonomy import Taxonomy, load_taxonomy


def relative_to_root(project: Project, problems: list[Problem]) -> list[Problem]:
    return [Problem(project.rel(Path(p.path)), p.line, p.message, p.severity) for p in problems]


def read_entries(project: Project) -> tuple[list[Entry], list[Problem]]:
    """Every entry of every dump, in dump order; a dump parsed before with the same bytes is not parsed again."""
    root = project.content
    sources, problems = discover(project.sources, root)
    years, _ = load_manifest(project.sources, root)
    cache = FileCache(project.cache("dumps"), DUMPS)
    entries: list[Entry] = []
    for source in sources:
        try:  # keyed by a digest: a large dump is never held whole
            digest = files.digest(source.path, files.DUMP, root)
        except OSError as exc:  # refused, or unreadable: nothing is read from it
            problems.append(files.unreadable(source.path, exc, " dump"))
            continue
        year = (
            source.capture_year
            if source.capture_year is not None
            else capture_year_for(source.path, years, problems, root)
        )
        key = cache_key(source.path, digest, str(year))
        hit = cache.get(key)
        if hit is None:
            found: list[Problem] = []
            hit = (list(iter_dump(source.path, year, found, root)), tuple(found))
            cache.put(key, hit)
        entries.extend(hit[0])
        problems.extend(hit[1])
    cache.save()
    return entries, problems


def load_curated(project: Project, written: Iterable[RawRecord] = ()) -> tuple[Taxonomy, list[Paper], list[Problem]]:
    """The taxonomy and every record, validated against it; unchanged files are neither parsed nor checked again.

    ``written``: records the ingest just wrote, with the values they hold; read back, they are
    checked but not parsed again (``records.prime_written``).

    A taxonomy in error is no vocabulary to check against: its problems are reported, records
    are checked for their form only (no paper is returned), and a notice says so, rather than
    burying the taxonomy's one error under an "unknown topic" for every record.
    """
    taxonomy_cache = FileCache(project.cache("taxonomy"), TAXONOMY)
    taxonomy, taxonomy_key, problems = cached_taxonomy(project.taxonomy, taxonomy_cache, project.content)
    broken = bool(errors(problems))
    cache = FileCache(project.cache("records"), RECORDS)
    if not broken:
        prime_written(cache, written, taxonomy, taxonomy_key)
    papers, found = load_records(project.papers, None if broken else taxonomy, taxonomy_key, cache, project.content)
    cache.save()
    if broken:
        notice = "records were not checked against the vocabulary: fix the taxonomy first"
        found.append(Problem(str(project.taxonomy), 1, notice, Severity.NOTICE))
    return taxonomy, papers, problems + found


def cached_taxonomy(path: Path, cache: FileCache[Checked], root: Path) -> tuple[Taxonomy, str, list[Problem]]:
    """The taxonomy, its problems, and a key naming its bytes (records are checked against it).

    Loading it parses the file, checks every term and compiles every rule; a rebuild with
    the same bytes takes its terms from the cache; rules are compiled only when a new paper needs suggestions.
    """
    try:
        raw = files.read_bytes(path, files.TAXONOMY, root)
    except OSError:  # reported by load_taxonomy; never cached
        taxonomy, problems = load_taxonomy(path, root)
        return taxonomy, cache_key(path, b"", "unreadable taxonomy"), problems
    key = cache_key(path, raw, "taxonomy")
    hit = cache.get(key)
    if hit is None:
        taxonomy, problems = load_taxonomy(path, root, raw)  # the bytes the key names
        hit = (taxonomy, tuple(problems))
        cache.put(key, hit)
    cache.save()
    return hit[0], key, list(hit[1])
