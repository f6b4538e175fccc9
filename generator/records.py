"""Curated records: one YAML file per paper under ``content/papers/``.

A record is the source of truth once it exists. Reading is fast (libyaml) because a build
reads every record; what a record may hold and how it is checked is schema.py's (``Paper``
lives there, and is imported from here by the rest of the generator). A record whose bytes
(and taxonomy) are those of the last build is neither parsed nor checked again.
"""

from __future__ import annotations

import unicodedata
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path

from slugify import slugify

from . import files
from .cache import FileCache, cache_key
from .problems import Problem
from .safetext import RESERVED_IDS, shown
from .schema import Paper, RawRecord, check_record
from .taxonomy import Taxonomy
from .yamlio import parse_yaml_bytes

# Paper is schema.py's; the rest of the generator imports it from here, with the reading.
__all__ = [
    "CheckedRecord",
    "Paper",
    "cross_check",
    "load_records",
    "match_key",
    "paper_id",
    "prime_written",
    "record_paths",
]
ID_MAX_LENGTH = 80
SUFFIXES = (".yml", ".yaml")  # .yaml is read only to be reported: records are .yml


def match_key(title: str) -> str:
    """Two titles that differ only in case, width or spacing name one paper."""
    return " ".join(unicodedata.normalize("NFKC", title).casefold().split())


def paper_id(title: str, taken: set[str]) -> str:
    """The slug of a title; a clash gets the first free ``-2``, ``-3``… suffix."""
    base = slugify(title) or "paper"
    if len(base) > ID_MAX_LENGTH:  # cut at a word: slugify's own word_boundary skips words that do not fit
        cut = base.rfind("-", 0, ID_MAX_LENGTH + 1)
        base = base[: cut if cut > 0 else ID_MAX_LENGTH].strip("-")
    if base in RESERVED_IDS:
        base = f"{base}-paper"
    candidate, n = base, 1
    while candidate in taken:
        n += 1
        candidate = f"{base}-{n}"
    return candidate


def record_paths(directory: Path, root: Path | None = None) -> list[Path]:
    """The record files of ``directory`` sorted by name, as ``files.list_dir`` lists them under
    the content ``root`` (default: ``directory``): one named like a record but no regular file
    inside it is listed too, and reading it refuses it."""
    # As Path.suffix has it: a name's suffix follows its last dot, and ".yml" alone has none.
    return [p for p in files.list_dir(directory, SUFFIXES, root or directory) if p.name.rfind(".") > 0]


def cross_check(paths: list[Path], papers: list[Paper]) -> list[Problem]:
    """Problems between records: one id in two files (``x.yml``, ``x.yaml``), one paper in two records.

    ``paths`` are the records that parsed, in file order; ``papers`` those that passed their check.
    """
    problems: list[Problem] = []
    owners: dict[str, Paper] = {}
    ids: dict[str, Path] = {}
    for path in paths:
        if path.stem in ids:
            problems.append(Problem(str(path), 1, f"duplicate id {shown(path.stem)}: {ids[path.stem]} has it too"))
        ids.setdefault(path.stem, path)
    for paper in papers:
        key = match_key(paper.scraped_title)
        if key in owners:
            other = owners[key]
            path = ids[paper.id]
            problems.append(
                Problem(str(path), 1, f"same paper as {ids[other.id]} (scraped title {shown(paper.scraped_title)})")
            )
        owners.setdefault(key, paper)
    return problems


@dataclass(frozen=True)
class CheckedRecord:
    """One record file read and checked: what a rebuild takes from the cache instead.

    ``parse_problems`` depend on the file's path and bytes alone (the cache key); ``paper``
    and ``check_problems`` on the taxonomy too, which ``taxonomy_key`` names. The parsed
    YAML is not kept (it would double the cache): after a taxonomy edit every record is
    parsed and checked again.
    """

    parse_problems: tuple[Problem, ...]
    taxonomy_key: str
    paper: Paper | None
    check_problems: tuple[Problem, ...]


def _read_and_check(
    path: Path, taxonomy: Taxonomy | None, taxonomy_key: str, cache: FileCache[CheckedRecord], root: Path | None
) -> CheckedRecord:
    try:
        raw = files.read_bytes(path, files.RECORD, root)
    except OSError as exc:
        return CheckedRecord((files.unreadable(path, exc),), taxonomy_key, None, ())
    key = cache_key(path, raw)
    hit = cache.get(key)
    # A record that does not parse is not checked: its problems hold whatever the taxonomy.
    fresh = hit is not None and (hit.parse_problems or hit.taxonomy_key == taxonomy_key)
    if hit is not None and fresh and (hit.paper is None or hit.paper.id == path.stem):
        return hit
    data, found = parse_yaml_bytes(path, raw)
    paper, check_problems = (None, []) if found else check_record(RawRecord(path, data, raw), taxonomy)
    entry = CheckedRecord(tuple(found), taxonomy_key, paper, tuple(check_problems))
    cache.put(key, entry)
    return entry


def prime_written(
    cache: FileCache[CheckedRecord], written: Iterable[RawRecord], taxonomy: Taxonomy, taxonomy_key: str
) -> None:
    """Cache the check of records this build just wrote, so reading them back does not parse them.

    Each ``RawRecord`` holds the bytes written and the values they load back to (the ingest's
    emitter round-trips exactly: tests/test_curate_emit.py). Only the YAML parse is skipped:
    every check runs as on a record read, keyed by the bytes as any cache entry is, so a file
    that changed on disk since, or is refused on reading (a bound, a link), misses this entry
    and is read as any other.
    """
    for record in written:
        paper, problems = check_record(record, taxonomy)
        cache.put(cache_key(record.path, record.raw), CheckedRecord((), taxonomy_key, paper, tuple(problems)))


def load_records(
    directory: Path,
    taxonomy: Taxonomy | None,
    taxonomy_key: str,
    cache: FileCache[CheckedRecord],
    root: Path | None = None,
) -> tuple[list[Paper], list[Problem]]:
    """Every record under ``directory`` read and checked against the schema, the vocabulary and
    the other records: the valid papers, and every problem. With ``taxonomy`` None (it is
    broken) the vocabulary is not checked, and no paper is returned.

    A record is parsed again only when its bytes changed, and checked again only when they or
    the taxonomy did: ``taxonomy_key`` must change whenever ``taxonomy`` does (a digest of its file).
    A record that leads outside the content ``root`` (default: ``directory``) is refused.
    """
    root = root or directory
    checked = [
        (path, _read_and_check(path, taxonomy, taxonomy_key, cache, root)) for path in record_paths(directory, root)
    ]
    parse_problems = [p for _, entry in checked for p in entry.parse_problems]
    check_problems = [p for _, entry in checked for p in entry.check_problems]
    papers = [entry.paper for _, entry in checked if entry.paper is not None and taxonomy is not None]
    parsed = [path for path, entry in checked if not entry.parse_problems]
    return papers, parse_problems + check_problems + cross_check(parsed, papers)
