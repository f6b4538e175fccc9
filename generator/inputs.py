"""The inputs stage: every dump parsed and every record validated, with caches by content.

Kept apart from ``build`` so ``check`` and ``parse`` never import the heavy link and render
stages (scikit-learn, Jinja, MkDocs).
"""

from __future__ import annotations

from pathlib import Path

from .cache import FileCache, cache_key
from .codecs import DUMPS, RECORDS, TAXONOMY, Checked
from .parse import Entry, iter_dump
from .problems import Problem
from .project import Project
from .records import Paper, load_records
from .sources import capture_year_for, discover, load_manifest
from .taxonomy import Taxonomy, load_taxonomy
from .yamlio import read_bytes


def relative_to_root(project: Project, problems: list[Problem]) -> list[Problem]:
    return [Problem(project.rel(Path(p.path)), p.line, p.message, p.severity) for p in problems]


def read_entries(project: Project) -> tuple[list[Entry], list[Problem]]:
    """Every entry of every dump, in dump order; a dump parsed before with the same bytes is not parsed again."""
    sources, problems = discover(project.sources)
    years, _ = load_manifest(project.sources)
    cache = FileCache(project.cache("dumps"), DUMPS)
    entries: list[Entry] = []
    for source in sources:
        year = (
            source.capture_year if source.capture_year is not None else capture_year_for(source.path, years, problems)
        )
        try:
            key = cache_key(source.path, source.path.read_bytes(), str(year))
        except OSError:  # the parser reports an unreadable dump
            entries.extend(iter_dump(source.path, year, problems))
            continue
        hit = cache.get(key)
        if hit is None:
            found: list[Problem] = []
            hit = (list(iter_dump(source.path, year, found)), tuple(found))
            cache.put(key, hit)
        entries.extend(hit[0])
        problems.extend(hit[1])
    cache.save()
    return entries, problems


def load_curated(project: Project) -> tuple[Taxonomy, list[Paper], list[Problem]]:
    """The taxonomy and every record, validated against it; unchanged files are neither parsed nor checked again."""
    taxonomy, taxonomy_key, problems = cached_taxonomy(project.taxonomy, FileCache(project.cache("taxonomy"), TAXONOMY))
    cache = FileCache(project.cache("records"), RECORDS)
    papers, found = load_records(project.papers, taxonomy, taxonomy_key, cache)
    cache.save()
    return taxonomy, papers, problems + found


def cached_taxonomy(path: Path, cache: FileCache[Checked]) -> tuple[Taxonomy, str, list[Problem]]:
    """The taxonomy, its problems, and a key naming its bytes (records are checked against it).

    Loading it parses the file, checks every term and compiles every rule; a rebuild with
    the same bytes takes its terms from the cache and compiles only the rules.
    """
    try:
        raw = read_bytes(path)
    except OSError:  # reported by load_taxonomy; never cached
        taxonomy, problems = load_taxonomy(path)
        return taxonomy, cache_key(path, b"", "unreadable taxonomy"), problems
    key = cache_key(path, raw, "taxonomy")
    hit = cache.get(key)
    if hit is None:
        taxonomy, problems = load_taxonomy(path)
        hit = (taxonomy, tuple(problems))
        cache.put(key, hit)
    cache.save()
    return hit[0], key, list(hit[1])
