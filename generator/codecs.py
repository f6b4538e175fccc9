"""How the inputs stage's caches store what it computed: dumps, the taxonomy and records.

Each codec writes plain JSON values and reads them back checking every type (see cache.py);
the compiled keyword matchers are not stored but rebuilt from the taxonomy's rules (compiled on first use).
"""

from __future__ import annotations

from typing import Any

from . import cache as stored
from .cache import Codec
from .parse import Entry
from .problems import Problem
from .records import CheckedRecord, Paper
from .rules import Matcher, Rule
from .taxonomy import SECTIONS, Taxonomy, Term

Parsed = tuple[list[Entry], tuple[Problem, ...]]  # what one dump gave


def _encode_dump(parsed: Parsed) -> list[Any]:
    entries, problems = parsed
    return [
        [
            [e.title, e.abstract, e.authors, stored.encode_day(e.published), e.upvotes, e.source, e.line]
            for e in entries
        ],
        [stored.encode_problem(p) for p in problems],
    ]


def _decode_entry(value: Any) -> Entry:
    title, abstract, authors, published, upvotes, source, line = stored.items(value, 7)
    if not (type(title) is str and type(abstract) is str and type(source) is str and type(line) is int):
        raise stored.Invalid("not an entry")  # one test rather than a call per field: 10,000 entries a build
    return stored.restore(
        Entry, title, abstract, stored.count(authors), stored.day(published), stored.count(upvotes), source, line
    )


def _decode_dump(value: Any) -> Parsed:
    entries, problems = stored.items(value, 2)
    return [_decode_entry(e) for e in stored.listed(entries)], stored.decode_problems(problems)


DUMPS = Codec("dumps", _encode_dump, _decode_dump)


Checked = tuple[Taxonomy, tuple[Problem, ...]]


def _encode_term(term: Term) -> list[Any]:
    rule = term.rule
    encoded_rule = None if rule is None else [list(rule.keywords), list(rule.acronyms), rule.min_score]
    return [term.id, term.title, term.description, list(term.aliases), encoded_rule]


def _decode_term(value: Any) -> Term:
    term_id, title, description, aliases, rule = stored.items(value, 5)
    if rule is not None:
        keywords, acronyms, min_score = stored.items(rule, 3)
        rule = Rule(stored.text(term_id), stored.texts(keywords), stored.texts(acronyms), stored.whole(min_score))
    return Term(stored.text(term_id), stored.text(title), stored.text(description), stored.texts(aliases), rule)


def _encode_taxonomy(checked: Checked) -> list[Any]:
    taxonomy, problems = checked
    sections = [[_encode_term(t) for t in getattr(taxonomy, s).values()] for s in SECTIONS]
    return [sections, taxonomy.aliases, [stored.encode_problem(p) for p in problems]]


def _decode_taxonomy(value: Any) -> Checked:
    sections, aliases, problems = stored.items(value, 3)
    topics, tags, statuses = ({t.id: t for t in map(_decode_term, stored.listed(s))} for s in stored.items(sections, 3))
    aliases = {stored.text(alias): stored.text(tag) for alias, tag in stored.mapping(aliases).items()}
    taxonomy = Taxonomy(
        topics,
        tags,
        statuses,
        aliases,
        Matcher.build(t.rule for t in topics.values() if t.rule),
        Matcher.build(t.rule for t in tags.values() if t.rule),
    )
    return taxonomy, stored.decode_problems(problems)


TAXONOMY = Codec("taxonomy", _encode_taxonomy, _decode_taxonomy)


def _encode_paper(paper: Paper) -> list[Any]:
    return [
        paper.id,
        paper.title,
        paper.abstract,
        stored.encode_day(paper.published),
        paper.authors,
        paper.upvotes,
        list(paper.sources),
        list(paper.topics),
        list(paper.tags),
        paper.scraped_title,
        paper.note,
        paper.status,
        paper.hidden,
        paper.arxiv,
        list(paper.author_names),
        paper.pdf,
        paper.code,
        paper.url,
    ]


def _decode_paper(value: Any) -> Paper:
    fields = stored.items(value, 18)
    paper_id, title, abstract, published, authors, upvotes, sources, topics, tags, scraped, note, status, hidden = (
        fields[:13]
    )
    arxiv, author_names, pdf, code, url = fields[13:]  # the links (schema.LINK_FIELDS)
    # One test for the plain fields rather than a call each: 10,000 papers are decoded per build.
    if not (
        type(paper_id) is str
        and type(title) is str
        and type(abstract) is str
        and type(scraped) is str
        and (note is None or type(note) is str)
        and (status is None or type(status) is str)
        and type(hidden) is bool
        and (arxiv is None or type(arxiv) is str)
        and (pdf is None or type(pdf) is str)
        and (code is None or type(code) is str)
        and (url is None or type(url) is str)
    ):
        raise stored.Invalid("not a paper")
    return stored.restore(
        Paper,
        paper_id,
        title,
        abstract,
        stored.day(published),
        stored.count(authors),
        stored.count(upvotes),
        stored.texts(sources),
        stored.texts(topics),
        stored.texts(tags),
        scraped,
        note,
        status,
        hidden,
        arxiv,
        stored.texts(author_names),
        pdf,
        code,
        url,
    )


def _encode_checked(entry: CheckedRecord) -> list[Any]:
    return [
        [stored.encode_problem(p) for p in entry.parse_problems],
        entry.taxonomy_key,
        None if entry.paper is None else _encode_paper(entry.paper),
        [stored.encode_problem(p) for p in entry.check_problems],
    ]


def _decode_checked(value: Any) -> CheckedRecord:
    parse_problems, taxonomy_key, paper, check_problems = stored.items(value, 4)
    return stored.restore(
        CheckedRecord,
        () if parse_problems == [] else stored.decode_problems(parse_problems),
        stored.digest(taxonomy_key),
        None if paper is None else _decode_paper(paper),
        () if check_problems == [] else stored.decode_problems(check_problems),
    )


RECORDS = Codec("records", _encode_checked, _decode_checked)
