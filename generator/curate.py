"""Ingest: turn dump entries into records, never touching what a curator wrote.

A new paper gets a record with topics and tags suggested by the taxonomy's rules. A paper
that already has a record only gains what the dumps add (a new source, metadata the record
lacks); the file is edited in place with ruamel.yaml so comments and key order survive,
and a file whose content would not change is not written at all.
"""

from __future__ import annotations

import functools
import re
from collections.abc import Iterable
from dataclasses import dataclass, field, replace
from datetime import date
from pathlib import Path
from typing import Any

import yaml

from . import files
from .output import write_bytes_if_changed, write_if_changed
from .parse import Entry
from .records import Paper, match_key, paper_id
from .schema import RawRecord
from .taxonomy import UNSORTED, Taxonomy
from .yamlio import dump_round_trip, quote, round_trip

PLAIN = re.compile(r"[A-Za-z0-9][A-Za-z0-9._-]*")


@dataclass(frozen=True)
class Seen:
    """One paper as all dumps together show it: the richest metadata of its entries."""

    title: str
    abstract: str
    authors: int | None
    published: date | None
    upvotes: int | None
    sources: tuple[str, ...]


@dataclass
class IngestResult:
    created: list[str] = field(default_factory=list)
    updated: list[str] = field(default_factory=list)
    unsorted: list[str] = field(default_factory=list)
    # Each new record as written: its bytes and the values they load back to (see load_curated).
    written: list[RawRecord] = field(default_factory=list)


def _richer(a: int | None, b: int | None) -> int | None:
    return b if a is None else a if b is None else max(a, b)


def merge_entries(entries: Iterable[Entry]) -> list[Seen]:
    """One ``Seen`` per paper, in order of first appearance; a paper in two dumps is one paper."""
    merged: dict[str, Seen] = {}
    for entry in entries:
        key = match_key(entry.title)
        seen = merged.get(key)
        if seen is None:
            merged[key] = Seen(
                entry.title, entry.abstract, entry.authors, entry.published, entry.upvotes, (entry.source,)
            )
            continue
        merged[key] = replace(
            seen,
            authors=seen.authors if seen.authors is not None else entry.authors,
            published=seen.published or entry.published,
            upvotes=_richer(seen.upvotes, entry.upvotes),
            sources=seen.sources if entry.source in seen.sources else (*seen.sources, entry.source),
        )
    return list(merged.values())


def _yaml_value(value: object) -> str:
    if value is None:
        return "null"
    if isinstance(value, date):
        return value.isoformat()
    if isinstance(value, int):
        return str(value)
    return quote(str(value))


@functools.lru_cache(maxsize=4096)  # a few hundred ids and file names, each asked for thousands of times
def _plain_or_quoted(text: str) -> str:
    """Plain when YAML reads it back as the same string (``lora``), quoted otherwise (``"2024"``)."""
    if PLAIN.fullmatch(text) and yaml.safe_load(text) == text:
        return text
    return quote(text)


def _list(name: str, items: Iterable[str]) -> str:
    items = list(items)
    if not items:
        return f"{name}: []\n"
    return f"{name}:\n" + "".join(f"  - {_plain_or_quoted(i)}\n" for i in items)


def new_record_values(seen: Seen, topics: list[str], tags: list[str]) -> dict[str, Any]:
    """The fields of a new record, in file order: what its YAML loads back to."""
    return {
        "title": seen.title,
        "scraped_title": seen.title,
        "abstract": seen.abstract,
        "published": seen.published,
        "authors": seen.authors,
        "upvotes": seen.upvotes,
        "sources": sorted(seen.sources),
        "topics": list(topics),
        "tags": list(tags),
    }


def record_text(values: dict[str, Any]) -> str:
    """The YAML of a new record's ``values``, written by hand so every string round-trips exactly."""
    return "".join(_list(k, v) if isinstance(v, list) else f"{k}: {_yaml_value(v)}\n" for k, v in values.items())


def new_record_text(seen: Seen, topics: list[str], tags: list[str]) -> str:
    """The YAML of a new record."""
    return record_text(new_record_values(seen, topics, tags))


def _update(path: Path, paper: Paper, seen: Seen) -> bool:
    """Add what the dumps know and the record lacks; True when the file changed."""
    additions: dict[str, Any] = {}
    new_sources = [s for s in seen.sources if s not in paper.sources]
    if paper.authors is None and seen.authors is not None:
        additions["authors"] = seen.authors
    if paper.published is None and seen.published is not None:
        additions["published"] = seen.published
    upvotes = _richer(paper.upvotes, seen.upvotes)
    if upvotes != paper.upvotes:
        additions["upvotes"] = upvotes
    if not additions and not new_sources:
        return False
    rt = round_trip()
    # Read as load_records read it a moment ago: a regular file inside content/ (the parent of papers/).
    data = rt.load(files.read_text(path, files.RECORD, path.parent.parent))
    for key, value in additions.items():
        data[key] = value
    if new_sources:
        if data.get("sources") is None:
            data["sources"] = []
        data["sources"].extend(new_sources)
    return write_if_changed(path, dump_round_trip(data))


def ingest(seen_papers: list[Seen], papers: list[Paper], directory: Path, taxonomy: Taxonomy) -> IngestResult:
    """Create a record for each new paper and update the records of known ones."""
    result = IngestResult()
    by_key: dict[str, Paper] = {}
    for paper in papers:
        by_key.setdefault(match_key(paper.scraped_title), paper)
        by_key.setdefault(match_key(paper.title), paper)
    taken = {p.id for p in papers}
    for seen in seen_papers:
        known = by_key.get(match_key(seen.title))
        if known is not None:
            if _update(directory / f"{known.id}.yml", known, seen):
                result.updated.append(known.id)
            continue
        new_id = paper_id(seen.title, taken)
        taken.add(new_id)
        topics = taxonomy.suggest_topics(seen.title, seen.abstract)
        tags = taxonomy.suggest_tags(seen.title, seen.abstract)
        path = directory / f"{new_id}.yml"
        values = new_record_values(seen, topics, tags)
        raw = record_text(values).encode("utf-8")
        write_bytes_if_changed(path, raw)
        result.written.append(RawRecord(path, values, raw))
        result.created.append(new_id)
        if topics == [UNSORTED]:
            result.unsorted.append(new_id)
    return result
