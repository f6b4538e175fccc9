"""The inputs stage: every dump parsed and every record validated, with caches by content.

Kept apart from ``build`` so ``check`` and ``parse`` never import the heavy link and render
stages (scikit-learn, Jinja, MkDocs).
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from .cache import (
    Codec,
    FileCache,
    Invalid,
    cache_key,
    count,
    day,
    decode_problems,
    encode_day,
    encode_problem,
    items,
    listed,
    mapping,
    text,
    texts,
    whole,
)
from .parse import Entry, iter_dump
from .problems import Problem
from .project import Project
from .records import RECORDS, Paper, load_records
from .rules import Matcher, Rule
from .sources import capture_year_for, discover, load_manifest
from .taxonomy import SECTIONS, Taxonomy, Term, load_taxonomy
from .yamlio import read_bytes

Parsed = tuple[list[Entry], tuple[Problem, ...]]  # what one dump gave


def _encode_dump(parsed: Parsed) -> list[Any]:
    entries, problems = parsed
    return [
        [[e.title, e.abstract, e.authors, encode_day(e.published), e.upvotes, e.source, e.line] for e in entries],
        [encode_problem(p) for p in problems],
    ]


def _decode_entry(value: Any) -> Entry:
    title, abstract, authors, published, upvotes, source, line = items(value, 7)
    if not (type(title) is str and type(abstract) is str and type(source) is str and type(line) is int):
        raise Invalid("not an entry")  # one test rather than a call per field: 10,000 entries a build
    return Entry(title, abstract, count(authors), day(published), count(upvotes), source, line)


def _decode_dump(value: Any) -> Parsed:
    entries, problems = items(value, 2)
    return [_decode_entry(e) for e in listed(entries)], decode_problems(problems)


DUMPS = Codec("dumps", _encode_dump, _decode_dump)


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


# --- the taxonomy, kept as its terms: the matchers are compiled again from their rules ---------

Checked = tuple[Taxonomy, tuple[Problem, ...]]


def _encode_term(term: Term) -> list[Any]:
    rule = term.rule
    encoded_rule = None if rule is None else [list(rule.keywords), list(rule.acronyms), rule.min_score]
    return [term.id, term.title, term.description, list(term.aliases), encoded_rule]


def _decode_term(value: Any) -> Term:
    term_id, title, description, aliases, rule = items(value, 5)
    if rule is not None:
        keywords, acronyms, min_score = items(rule, 3)
        rule = Rule(text(term_id), texts(keywords), texts(acronyms), whole(min_score))
    return Term(text(term_id), text(title), text(description), texts(aliases), rule)


def _encode_taxonomy(checked: Checked) -> list[Any]:
    taxonomy, problems = checked
    sections = [[_encode_term(t) for t in getattr(taxonomy, s).values()] for s in SECTIONS]
    return [sections, taxonomy.aliases, [encode_problem(p) for p in problems]]


def _decode_taxonomy(value: Any) -> Checked:
    sections, aliases, problems = items(value, 3)
    topics, tags, statuses = ({t.id: t for t in map(_decode_term, listed(s))} for s in items(sections, 3))
    aliases = {text(alias): text(tag) for alias, tag in mapping(aliases).items()}
    taxonomy = Taxonomy(
        topics,
        tags,
        statuses,
        aliases,
        Matcher.build(t.rule for t in topics.values() if t.rule),
        Matcher.build(t.rule for t in tags.values() if t.rule),
    )
    return taxonomy, decode_problems(problems)


TAXONOMY = Codec("taxonomy", _encode_taxonomy, _decode_taxonomy)


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
