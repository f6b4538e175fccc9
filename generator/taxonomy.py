"""The controlled vocabulary: topics, tags (with aliases) and statuses, and their rules."""

from __future__ import annotations

import difflib
import re
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from . import files
from .problems import Problem, Severity, errors
from .rules import Matcher, Rule
from .safetext import RESERVED_IDS, check, shown, summary
from .yamlio import key_lines, parse_yaml_bytes

UNSORTED = "unsorted"  # built in: where a new paper goes when no rule matches it
ID_PATTERN = re.compile(r"[a-z0-9]+(?:-[a-z0-9]+)*")
MAX_TOPICS = 3
SECTIONS = ("topics", "tags", "statuses")
TERM_KEYS = {"id", "title", "description", "keywords", "acronyms", "min_score", "aliases"}
DEFAULT_MIN_SCORE = {"topics": 2, "tags": 1, "statuses": 1}


@dataclass(frozen=True)
class Term:
    """A topic, a tag or a status: an id, a title and a one-line description."""

    id: str
    title: str
    description: str
    aliases: tuple[str, ...] = ()
    rule: Rule | None = None


@dataclass(frozen=True)
class Taxonomy:
    topics: dict[str, Term]
    tags: dict[str, Term]
    statuses: dict[str, Term]
    aliases: dict[str, str] = field(default_factory=dict)  # alias -> tag id
    topic_matcher: Matcher = field(default_factory=lambda: Matcher.build(()))
    tag_matcher: Matcher = field(default_factory=lambda: Matcher.build(()))

    @property
    def unsorted(self) -> Term:
        return Term(UNSORTED, "Unsorted", "Papers no topic rule matched yet: waiting for a curator.")

    def topic(self, topic_id: str) -> Term:
        return self.unsorted if topic_id == UNSORTED else self.topics[topic_id]

    def suggest_topics(self, title: str, abstract: str) -> list[str]:
        return self.topic_matcher.suggest(title, abstract, MAX_TOPICS) or [UNSORTED]

    def suggest_tags(self, title: str, abstract: str) -> list[str]:
        return sorted(self.tag_matcher.suggest(title, abstract))


def did_you_mean(word: str, choices: Iterable[str]) -> str:
    """`` (did you mean 'x'?)`` for the closest choice, or nothing when none is close."""
    if len(word) > 100:  # no id is that long, and difflib's cost grows with it
        return ""
    close = difflib.get_close_matches(word, sorted(choices), n=1, cutoff=0.6)
    return f" (did you mean {close[0]!r}?)" if close else ""


class _TermChecker:
    """Checks one entry of a taxonomy section, collecting problems at the line of the key at fault."""

    def __init__(self, section: str, where: str, line: int, key_line: dict[str, int]) -> None:
        self.section = section
        self.where = where
        self.line = line
        self.key_line = key_line
        self.problems: list[Problem] = []

    def bad(self, message: str, key: str = "", severity: Severity = Severity.ERROR) -> None:
        self.problems.append(Problem(self.where, self.key_line.get(key, self.line), message, severity))

    def text(self, what: str, key: str, value: str) -> str | None:
        """One line of safe text (what is dropped is reported), or None when it is refused."""
        checked = check(value)
        if refused := checked.refused:
            self.bad(f"{what}: {key} holds {summary(refused)}", key)
        if dropped := checked.dropped:
            self.bad(f"{what}: {key}: {summary(dropped)} dropped", key, Severity.WARNING)
        return None if refused else checked.text

    def strings(self, what: str, key: str, value: Any) -> tuple[str, ...] | None:
        if value is None:
            return ()
        if not isinstance(value, list) or not all(isinstance(v, str) and v.strip() for v in value):
            self.bad(f"{what}: {key} must be a list of strings, got {shown(value)}", key)
            return None
        cleaned = [self.text(what, key, v) for v in value]
        return None if None in cleaned else tuple(v for v in cleaned if v is not None)


def _term(section: str, raw: Any, where: str, line: int, key_line: dict[str, int]) -> tuple[Term | None, list[Problem]]:
    checker = _TermChecker(section, where, line, key_line)
    bad = checker.bad
    if not isinstance(raw, dict):
        bad(f"each entry under {section} must be a mapping with id, title and description")
        return None, checker.problems
    for key in sorted(set(raw) - TERM_KEYS, key=str):
        bad(f"unknown key {shown(key)} in {section}{did_you_mean(str(key), TERM_KEYS)}", str(key))
    term_id = raw.get("id")
    if not isinstance(term_id, str) or not ID_PATTERN.fullmatch(term_id):
        bad(f"{section}: id must be lowercase words joined by '-', got {shown(term_id)}", "id")
        return None, checker.problems
    what = f"{section} {shown(term_id)}"
    if term_id in RESERVED_IDS:  # e.g. topics/index.md is the page listing every topic
        bad(f"{what}: id {shown(term_id)} is reserved (it names a page or a device); choose another", "id")
    texts: dict[str, str] = {}
    for key in ("title", "description"):
        value = raw.get(key)
        if not isinstance(value, str) or not value.strip() or "\n" in value.strip():
            bad(f"{what}: {key} must be one line of text, got {shown(value)}", key)
        elif (cleaned := checker.text(what, key, value.strip())) is not None:
            texts[key] = cleaned
    keywords, acronyms, aliases = (checker.strings(what, k, raw.get(k)) for k in ("keywords", "acronyms", "aliases"))
    min_score = raw.get("min_score", DEFAULT_MIN_SCORE[section])
    if isinstance(min_score, bool) or not isinstance(min_score, int) or min_score < 1:
        bad(f"{what}: min_score must be a whole number >= 1, got {shown(min_score)}", "min_score")
    if errors(checker.problems) or keywords is None or acronyms is None or aliases is None:
        return None, checker.problems
    rule = Rule(term_id, keywords, acronyms, min_score) if keywords or acronyms else None
    return Term(term_id, texts["title"], texts["description"], aliases, rule), checker.problems


def load_taxonomy(path: Path, root: Path | None = None, raw: bytes | None = None) -> tuple[Taxonomy, list[Problem]]:
    """Read and check ``taxonomy.yml``; every problem is returned, none raised.

    Read as content (see files): refused if it leads outside ``root`` (default: its directory).
    ``raw``: its bytes, when the caller has read them already (the file is read once).
    """
    empty = Taxonomy({}, {}, {})
    if raw is None:
        try:
            raw = files.read_bytes(path, files.TAXONOMY, root or path.parent)
        except OSError as exc:
            return empty, [files.unreadable(path, exc)]
    data, problems = parse_yaml_bytes(path, raw)
    if problems:
        return empty, problems
    where = str(path)
    if not isinstance(data, dict):
        return empty, [Problem(where, 1, "the taxonomy must be a mapping with topics and tags")]
    lines = key_lines(raw.decode("utf-8").replace("\r\n", "\n").replace("\r", "\n"))  # parsed: valid UTF-8
    for key in sorted(set(data) - set(SECTIONS), key=str):
        problems.append(
            Problem(where, lines.get(str(key), 1), f"unknown key {shown(key)}{did_you_mean(str(key), SECTIONS)}")
        )
    sections: dict[str, dict[str, Term]] = {}
    first_line: dict[str, int] = {}
    for section in SECTIONS:
        raw_terms = data.get(section) or []
        terms: dict[str, Term] = {}
        if not isinstance(raw_terms, list):
            problems.append(Problem(where, lines.get(section, 1), f"{section} must be a list"))
            raw_terms = []
        for index, raw in enumerate(raw_terms):
            line = lines.get(f"{section}[{index}]", lines.get(section, 1))
            prefix = f"{section}[{index}]."
            item_lines = {k.removeprefix(prefix): v for k, v in lines.items() if k.startswith(prefix)}
            term, found = _term(section, raw, where, line, item_lines)
            problems.extend(found)
            if term is None:
                continue
            if term.id in terms:
                problems.append(
                    Problem(
                        where,
                        line,
                        f"{section[:-1]} {shown(term.id)} is defined twice"
                        f" (first on line {first_line[section + term.id]})",
                    )
                )
                continue
            if section == "topics" and term.id == UNSORTED:
                problems.append(Problem(where, line, f"topic id {UNSORTED!r} is built in; choose another"))
                continue
            terms[term.id] = term
            first_line[section + term.id] = line
        sections[section] = terms
    aliases: dict[str, str] = {}
    for tag in sections["tags"].values():
        line = first_line["tags" + tag.id]
        for alias in tag.aliases:
            if alias in sections["tags"] or alias in aliases:
                owner = aliases.get(alias, alias)
                problems.append(
                    Problem(
                        where, line, f"alias {shown(alias)} of tag {shown(tag.id)} is already taken by {shown(owner)}"
                    )
                )
            else:
                aliases[alias] = tag.id
    if not sections["topics"]:
        problems.append(Problem(where, lines.get("topics", 1), "define at least one topic"))
    taxonomy = Taxonomy(
        topics=sections["topics"],
        tags=sections["tags"],
        statuses=sections["statuses"],
        aliases=aliases,
        topic_matcher=Matcher.build(t.rule for t in sections["topics"].values() if t.rule),
        tag_matcher=Matcher.build(t.rule for t in sections["tags"].values() if t.rule),
    )
    return taxonomy, problems


def unused_topics(taxonomy: Taxonomy, used: set[str], path: Path) -> list[Problem]:
    """A topic no paper uses is worth a warning, never a failure."""
    try:
        lines = key_lines(files.read_text(path, files.TAXONOMY, path.parent))
    except (OSError, UnicodeDecodeError):  # replaced since it loaded: the warning goes without its line
        lines = {}
    ids = list(taxonomy.topics)
    return [
        Problem(str(path), lines.get(f"topics[{i}]", 1), f"topic {t!r} has no papers", Severity.WARNING)
        for i, t in enumerate(ids)
        if t not in used
    ]
