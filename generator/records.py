"""Curated records: one YAML file per paper under ``content/papers/``.

A record is the source of truth once it exists. Reading is fast (libyaml) because a build
reads every record; line numbers are looked up only for a record that has a problem, and a
record whose bytes (and taxonomy) are those of the last build is neither parsed nor checked again.
"""

from __future__ import annotations

import os
import re
import unicodedata
from dataclasses import dataclass
from datetime import date
from pathlib import Path
from typing import Any

from slugify import slugify

from .cache import FileCache, cache_key
from .problems import Problem, Severity
from .taxonomy import UNSORTED, Taxonomy, did_you_mean
from .yamlio import key_lines, parse_yaml_bytes, read_bytes, unreadable

FIELDS = (
    "title",
    "scraped_title",
    "abstract",
    "published",
    "authors",
    "upvotes",
    "sources",
    "topics",
    "tags",
    "note",
    "status",
    "hidden",
)
REQUIRED = ("title", "abstract", "topics")
ID_MAX_LENGTH = 80
# `papers/index.md` would be the section's index page, not `papers/index/`; the others are
# device names a Windows checkout cannot hold.
RESERVED_IDS = frozenset(
    {"index", "con", "prn", "aux", "nul", *(f"com{i}" for i in range(10)), *(f"lpt{i}" for i in range(10))}
)
CONTROL = re.compile(r"[\x00-\x08\x0b-\x1f\x7f-\x9f]")  # C0 and C1 controls; tab and newline are text
SUFFIXES = (".yml", ".yaml")  # .yaml is read only to be reported: records are .yml


@dataclass(frozen=True)
class Paper:
    """A curated paper, validated, with tag aliases resolved."""

    id: str
    title: str
    abstract: str
    published: date | None
    authors: int | None
    upvotes: int | None
    sources: tuple[str, ...]
    topics: tuple[str, ...]
    tags: tuple[str, ...]
    scraped_title: str
    note: str | None = None
    status: str | None = None
    hidden: bool = False


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


def record_paths(directory: Path) -> list[Path]:
    """The record files of ``directory`` sorted by name (names, not Paths: 10,000 Path comparisons cost 0.1 s)."""
    if not directory.is_dir():
        return []
    with os.scandir(directory) as entries:
        # As Path.suffix has it: a name's suffix follows its last dot, and ".yml" alone has none.
        names = sorted(e.name for e in entries if e.name.endswith(SUFFIXES) and e.name.rfind(".") > 0)
    return [directory / name for name in names]


@dataclass(frozen=True)
class RawRecord:
    """A record file as read, before validation."""

    path: Path
    data: Any


class _Checker:
    """Validates one record, collecting problems with the line of the field at fault."""

    def __init__(self, record: RawRecord, taxonomy: Taxonomy) -> None:
        self.record = record
        self.taxonomy = taxonomy
        self.problems: list[Problem] = []
        self._lines: dict[str, int] | None = None

    def line(self, key: str) -> int:
        if self._lines is None:
            self._lines = key_lines(self.record.path.read_text(encoding="utf-8"))
        return self._lines.get(key, self._lines.get(key.split("[")[0], 1))

    def add(self, key: str, message: str, severity: Severity = Severity.ERROR) -> None:
        self.problems.append(Problem(str(self.record.path), self.line(key), message, severity))

    def text(self, data: dict[str, Any], key: str, *, one_line: bool, optional: bool = False) -> str | None:
        value = data.get(key)
        if value is None and optional:
            return None
        if not isinstance(value, str) or not value.strip():
            self.add(key, f"{key} must be non-empty text")
            return None
        if one_line and "\n" in value:
            self.add(key, f"{key} must be one line")
        if bad := CONTROL.search(value):
            self.add(key, f"{key} holds control character U+{ord(bad.group()):04X}")
        return value

    def count(self, data: dict[str, Any], key: str) -> int | None:
        value = data.get(key)
        if value is None:
            return None
        if isinstance(value, bool) or not isinstance(value, int) or value < 0:
            self.add(key, f"{key} must be a whole number >= 0 or null, got {value!r}")
            return None
        return value

    def ids(self, data: dict[str, Any], key: str) -> list[tuple[int, str]]:
        value = data.get(key)
        if value is None:
            return []
        if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
            self.add(key, f"{key} must be a list of ids")
            return []
        return list(enumerate(value))

    def check(self) -> Paper | None:
        data = self.record.data
        if not isinstance(data, dict):
            self.problems.append(Problem(str(self.record.path), 1, "a record must be a mapping of fields"))
            return None
        path = self.record.path
        if path.suffix != ".yml":
            self.add("title", f"record files end in .yml: rename {path.name!r} to {path.stem + '.yml'!r}")
        if path.stem in RESERVED_IDS:
            self.add("title", f"file name {path.name!r} is reserved; rename it to {path.stem + '-paper.yml'!r}")
        elif slugify(path.stem) != path.stem:
            self.add("title", f"file name {path.name!r} is not a valid id (expected {slugify(path.stem) + '.yml'!r})")
        for key in data:
            if key not in FIELDS:
                self.add(str(key), f"unknown field {key!r}{did_you_mean(str(key), FIELDS)}")
        for key in REQUIRED:
            if key not in data:
                self.problems.append(Problem(str(path), 1, f"missing required field {key!r}"))
        title = self.text(data, "title", one_line=True)
        abstract = self.text(data, "abstract", one_line=False)
        scraped = self.text(data, "scraped_title", one_line=True, optional=True)
        published = data.get("published")
        if published is not None and not (isinstance(published, date) and not hasattr(published, "hour")):
            self.add("published", f"published must be a date YYYY-MM-DD or null, got {published!r}")
            published = None
        authors, upvotes = self.count(data, "authors"), self.count(data, "upvotes")
        sources = [s for _, s in self.ids(data, "sources")]
        topics = self._topics(data)
        tags = self._tags(data)
        note = self.text(data, "note", one_line=False, optional=True)
        status = data.get("status")
        if status is not None and status not in self.taxonomy.statuses:
            hint = did_you_mean(str(status), self.taxonomy.statuses)
            self.add("status", f"unknown status {status!r}{hint}")
        hidden = data.get("hidden", False)
        if not isinstance(hidden, bool):
            self.add("hidden", f"hidden must be true or false, got {hidden!r}")
        if any(p.severity is Severity.ERROR for p in self.problems) or title is None or abstract is None:
            return None
        return Paper(
            id=path.stem,
            title=title.strip(),
            abstract=abstract.strip(),
            published=published,
            authors=authors,
            upvotes=upvotes,
            sources=tuple(sources),
            topics=tuple(topics),
            tags=tuple(tags),
            scraped_title=(scraped or title).strip(),
            note=note,
            status=status,
            hidden=bool(hidden),
        )

    def _topics(self, data: dict[str, Any]) -> list[str]:
        found: list[str] = []
        entries = self.ids(data, "topics")
        if "topics" in data and not entries and isinstance(data.get("topics"), list):
            self.add("topics", "topics must name at least one topic")
        for index, topic in entries:
            if topic != UNSORTED and topic not in self.taxonomy.topics:
                hint = did_you_mean(topic, self.taxonomy.topics)
                self.add(f"topics[{index}]", f"unknown topic {topic!r}{hint}")
            elif topic in found:
                self.add(f"topics[{index}]", f"topic {topic!r} is listed twice")
            else:
                found.append(topic)
        return found

    def _tags(self, data: dict[str, Any]) -> list[str]:
        found: list[str] = []
        for index, tag in self.ids(data, "tags"):
            resolved = self.taxonomy.aliases.get(tag, tag)
            if resolved not in self.taxonomy.tags:
                hint = did_you_mean(tag, [*self.taxonomy.tags, *self.taxonomy.aliases])
                self.add(f"tags[{index}]", f"unknown tag {tag!r}{hint}")
                continue
            if resolved != tag:
                self.add(
                    f"tags[{index}]", f"tag {tag!r} is an alias of {resolved!r}; write {resolved!r}", Severity.NOTICE
                )
            if resolved in found:
                self.add(f"tags[{index}]", f"tag {resolved!r} is listed twice")
            else:
                found.append(resolved)
        return found


def check_record(record: RawRecord, taxonomy: Taxonomy) -> tuple[Paper | None, list[Problem]]:
    """One record checked against the schema and the vocabulary: its paper (None if in error), its problems."""
    checker = _Checker(record, taxonomy)
    paper = checker.check()
    return paper, checker.problems


def cross_check(paths: list[Path], papers: list[Paper]) -> list[Problem]:
    """Problems between records: one id in two files (``x.yml``, ``x.yaml``), one paper in two records.

    ``paths`` are the records that parsed, in file order; ``papers`` those that passed their check.
    """
    problems: list[Problem] = []
    owners: dict[str, Paper] = {}
    ids: dict[str, Path] = {}
    for path in paths:
        if path.stem in ids:
            problems.append(Problem(str(path), 1, f"duplicate id {path.stem!r}: {ids[path.stem]} has it too"))
        ids.setdefault(path.stem, path)
    for paper in papers:
        key = match_key(paper.scraped_title)
        if key in owners:
            other = owners[key]
            path = ids[paper.id]
            problems.append(
                Problem(str(path), 1, f"same paper as {ids[other.id]} (scraped title {paper.scraped_title!r})")
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
    path: Path, taxonomy: Taxonomy, taxonomy_key: str, cache: FileCache[CheckedRecord]
) -> CheckedRecord:
    try:
        raw = read_bytes(path)
    except OSError as exc:
        return CheckedRecord((unreadable(path, exc),), taxonomy_key, None, ())
    key = cache_key(path, raw)
    hit = cache.get(key)
    # A record that does not parse is not checked: its problems hold whatever the taxonomy.
    fresh = hit is not None and (hit.parse_problems or hit.taxonomy_key == taxonomy_key)
    if hit is not None and fresh and (hit.paper is None or hit.paper.id == path.stem):
        return hit
    data, found = parse_yaml_bytes(path, raw)
    paper, check_problems = (None, []) if found else check_record(RawRecord(path, data), taxonomy)
    entry = CheckedRecord(tuple(found), taxonomy_key, paper, tuple(check_problems))
    cache.put(key, entry)
    return entry


def load_records(
    directory: Path, taxonomy: Taxonomy, taxonomy_key: str, cache: FileCache[CheckedRecord]
) -> tuple[list[Paper], list[Problem]]:
    """Every record under ``directory`` read and checked against the schema, the vocabulary and
    the other records: the valid papers, and every problem.

    A record is parsed again only when its bytes changed, and checked again only when they or
    the taxonomy did: ``taxonomy_key`` must change whenever ``taxonomy`` does (a digest of its file).
    """
    checked = [(path, _read_and_check(path, taxonomy, taxonomy_key, cache)) for path in record_paths(directory)]
    parse_problems = [p for _, entry in checked for p in entry.parse_problems]
    check_problems = [p for _, entry in checked for p in entry.check_problems]
    papers = [entry.paper for _, entry in checked if entry.paper is not None]
    parsed = [path for path, entry in checked if not entry.parse_problems]
    return papers, parse_problems + check_problems + cross_check(parsed, papers)
