"""Vocabulary maintenance: rename or merge tags and topics across the taxonomy and every record.

Edits go through ruamel.yaml's round trip, so every comment, key order and quoting style a
curator wrote stays as it was; only the ids that change are rewritten, and a file with
nothing to change is not written.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from . import files
from .output import write_if_changed
from .problems import BuildError, Problem
from .records import record_paths
from .taxonomy import ID_PATTERN, UNSORTED, load_taxonomy
from .yamlio import dump_round_trip, round_trip

SECTIONS = {"tag": "tags", "topic": "topics"}


@dataclass
class Changes:
    """What a rename or merge did, one line per change, for the curator to read."""

    lines: list[str] = field(default_factory=list)
    records: int = 0


def _find(terms: Any, term_id: str) -> Any:
    for term in terms or []:
        if isinstance(term, dict) and term.get("id") == term_id:
            return term
    return None


def _check_ids(kind: str, taxonomy_path: Path, sources: list[str], target: str, *, target_exists: bool) -> None:
    taxonomy, problems = load_taxonomy(taxonomy_path)
    if problems:
        raise BuildError(problems)
    known = taxonomy.tags if kind == "tag" else taxonomy.topics
    where = str(taxonomy_path)
    found = [Problem(where, 1, f"no {kind} {s!r} in the taxonomy") for s in sources if s not in known]
    if not ID_PATTERN.fullmatch(target) or target == UNSORTED:
        found.append(Problem(where, 1, f"{target!r} is not a valid {kind} id (lowercase words joined by '-')"))
    elif target_exists and target not in known:
        found.append(Problem(where, 1, f"no {kind} {target!r} in the taxonomy to merge into"))
    elif not target_exists and (target in known or (kind == "tag" and target in taxonomy.aliases)):
        found.append(
            Problem(where, 1, f"{target!r} is already a {kind} id or alias: use merge-{kind}s to merge into it")
        )
    if target in sources:
        found.append(Problem(where, 1, f"cannot merge {kind} {target!r} into itself"))
    if found:
        raise BuildError(found)


def _rewrite_taxonomy(
    kind: str, path: Path, sources: list[str], target: str, keep_alias: bool, changes: Changes
) -> None:
    rt = round_trip()
    data = rt.load(files.read_text(path, files.TAXONOMY, path.parent))  # load_taxonomy read it just now
    terms = data[SECTIONS[kind]]
    destination = _find(terms, target)
    for source in sources:
        term = _find(terms, source)
        if destination is None:  # a rename: the term keeps its place, title and rules
            term["id"] = target
            destination = term
            changes.lines.append(f"{path}: {kind} {source!r} renamed to {target!r}")
        else:  # a merge: the source's rules and aliases move to the target
            for key in ("keywords", "acronyms", "aliases"):
                extra = [v for v in term.get(key) or [] if v not in (destination.get(key) or [])]
                if extra:
                    if destination.get(key) is None:
                        destination[key] = extra
                    else:
                        destination[key].extend(extra)
            terms.remove(term)
            changes.lines.append(f"{path}: {kind} {source!r} merged into {target!r}")
        if kind == "tag" and keep_alias:
            aliases = destination.get("aliases")
            if aliases is None:
                destination["aliases"] = [source]
            elif source not in aliases:
                aliases.append(source)
            changes.lines.append(f"{path}: {source!r} kept as an alias of {target!r}")
    write_if_changed(path, dump_round_trip(data))


def _rewrite_records(kind: str, directory: Path, sources: list[str], target: str, changes: Changes) -> None:
    rt = round_trip()
    key = SECTIONS[kind]
    root = directory.parent  # content/, where records live (Project.papers)
    for path in record_paths(directory, root):
        try:
            text = files.read_text(path, files.RECORD, root)
        except (OSError, UnicodeDecodeError):  # refused or broken: the check after the rewrite reports it
            continue
        if not any(s in text for s in sources):  # cheap pre-filter: most records are untouched
            continue
        data = rt.load(text)
        ids = data.get(key) if isinstance(data, dict) else None
        if not isinstance(ids, list) or not any(s in ids for s in sources):
            continue
        for index, value in enumerate(ids):
            if value in sources:
                ids[index] = target
        _dedupe(ids)
        if write_if_changed(path, dump_round_trip(data)):
            changes.records += 1
            changes.lines.append(f"{path}: {', '.join(sources)} -> {target}")


def _dedupe(ids: Any) -> None:
    """Drop repeated ids in place, keeping each first occurrence (and the list's comments)."""
    seen: set[str] = set()
    index = 0
    while index < len(ids):
        if ids[index] in seen:
            del ids[index]
        else:
            seen.add(ids[index])
            index += 1


def rename(kind: str, taxonomy: Path, records: Path, old: str, new: str, *, keep_alias: bool = True) -> Changes:
    """Rename a tag or topic everywhere; a renamed tag keeps its old id as an alias unless told not to."""
    _check_ids(kind, taxonomy, [old], new, target_exists=False)
    changes = Changes()
    _rewrite_taxonomy(kind, taxonomy, [old], new, keep_alias, changes)
    _rewrite_records(kind, records, [old], new, changes)
    return changes


def merge(
    kind: str, taxonomy: Path, records: Path, sources: list[str], target: str, *, keep_alias: bool = True
) -> Changes:
    """Merge tags or topics into one existing target, in the taxonomy and every record."""
    _check_ids(kind, taxonomy, sources, target, target_exists=True)
    changes = Changes()
    _rewrite_taxonomy(kind, taxonomy, sources, target, keep_alias, changes)
    _rewrite_records(kind, records, sources, target, changes)
    return changes
