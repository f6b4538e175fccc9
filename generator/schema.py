"""The schema of a curated record: the fields it may hold, and the ``Paper`` it becomes once checked.

``check_record`` validates one record's parsed YAML against the schema and the vocabulary
(taxonomy), and collects every problem with the line of the field at fault: line numbers are
looked up, in the bytes already read, only for a record that has a problem. Reading the
records directory, the checks between records and the cache are records.py's.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from pathlib import Path
from typing import Any

from slugify import slugify

from .links import arxiv_id_problem, https_url_problem
from .problems import Problem, Severity
from .safetext import EARLIEST, LATEST, RESERVED_IDS, check, shown, summary
from .taxonomy import UNSORTED, Taxonomy, did_you_mean
from .yamlio import key_lines

LINK_FIELDS = ("arxiv", "author_names", "pdf", "code", "url")
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
    *LINK_FIELDS,
)
REQUIRED = ("title", "abstract", "topics")
MAX_COUNT = 999_999_999  # as parse reads counts (9 digits): exact in JavaScript, and fits a table column


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
    arxiv: str | None = None
    author_names: tuple[str, ...] = ()
    pdf: str | None = None
    code: str | None = None
    url: str | None = None


@dataclass(frozen=True)
class RawRecord:
    """A record file as read, before validation."""

    path: Path
    data: Any
    raw: bytes  # the bytes ``data`` was parsed from: where line numbers are looked up


class _Checker:
    """Validates one record, collecting problems with the line of the field at fault."""

    def __init__(self, record: RawRecord, taxonomy: Taxonomy | None) -> None:
        self.record = record
        self.taxonomy = taxonomy
        self.problems: list[Problem] = []
        self._lines: dict[str, int] | None = None

    def line(self, key: str) -> int:
        if self._lines is None:
            # The bytes already read (bounded, inside content/): never a second read of the file.
            text = self.record.raw.decode("utf-8", "replace")
            self._lines = key_lines(text.replace("\r\n", "\n").replace("\r", "\n"))
        return self._lines.get(key, self._lines.get(key.split("[")[0], 1))

    def add(self, key: str, message: str, severity: Severity = Severity.ERROR) -> None:
        self.problems.append(Problem(str(self.record.path), self.line(key), message, severity))

    def text(self, data: dict[str, Any], key: str, *, one_line: bool, optional: bool = False) -> str | None:
        """A text field as safetext has it: refused code points are errors, dropped ones warnings."""
        value = data.get(key)
        if value is None and optional:
            return None
        if not isinstance(value, str) or not value.strip():
            self.add(key, f"{key} must be non-empty text, got {shown(value)}")
            return None
        checked = check(value, multiline=not one_line)
        if not checked.findings:
            return value
        refused = tuple(f for f in checked.refused if f.code != 0x0A)
        if len(refused) < len(checked.refused):
            self.add(key, f"{key} must be one line")
        if refused:
            self.add(key, f"{key} holds {summary(refused)}")
        if not checked.text.strip():  # only what safetext drops (a BOM, bidi controls) and spaces
            self.add(key, f"{key} is empty once invisible characters are dropped ({summary(checked.dropped)})")
            return None
        if dropped := checked.dropped:
            self.add(key, f"{key}: {summary(dropped)} dropped", Severity.WARNING)
        return checked.text

    def count(self, data: dict[str, Any], key: str) -> int | None:
        value = data.get(key)
        if value is None:
            return None
        if isinstance(value, bool) or not isinstance(value, int) or value < 0:
            self.add(key, f"{key} must be a whole number >= 0 or null, got {shown(value)}")
            return None
        if value > MAX_COUNT:
            self.add(key, f"{key} must be at most {MAX_COUNT}, got {shown(value)}")
            return None
        return value

    def ids(self, data: dict[str, Any], key: str) -> list[tuple[int, str]]:
        value = data.get(key)
        if value is None:
            return []
        if not isinstance(value, list):
            self.add(key, f"{key} must be a list of ids, got {shown(value)}")
            return []
        for index, item in enumerate(value):
            if not isinstance(item, str) or check(item).findings:
                self.add(f"{key}[{index}]", f"{key}[{index}] must be an id, got {shown(item)}")
                return []
        return list(enumerate(value))

    def check(self) -> Paper | None:
        data = self.record.data
        if not isinstance(data, dict):
            self.problems.append(Problem(str(self.record.path), 1, "a record must be a mapping of fields"))
            return None
        path = self.record.path
        name = shown(path.name)
        if path.suffix != ".yml":
            self.add("title", f"record files end in .yml: rename {name} to {shown(path.stem + '.yml')}")
        if path.stem in RESERVED_IDS:
            self.add("title", f"file name {name} is reserved; rename it to {shown(path.stem + '-paper.yml')}")
        elif slugify(path.stem) != path.stem:
            self.add("title", f"file name {name} is not a valid id (expected {shown(slugify(path.stem) + '.yml')})")
        for key in data:
            if key not in FIELDS:
                self.add(str(key), f"unknown field {shown(key)}{did_you_mean(str(key), FIELDS)}")
        for key in REQUIRED:
            if key not in data:
                self.problems.append(Problem(str(path), 1, f"missing required field {key!r}"))
        title = self.text(data, "title", one_line=True)
        abstract = self.text(data, "abstract", one_line=False)
        scraped = self.text(data, "scraped_title", one_line=True, optional=True)
        published = self._published(data.get("published"))
        authors, upvotes = self.count(data, "authors"), self.count(data, "upvotes")
        sources = [s for _, s in self.ids(data, "sources")]
        topics = self._topics(data)
        tags = self._tags(data)
        note = self.text(data, "note", one_line=False, optional=True)
        status = self._status(data.get("status"))
        hidden = data.get("hidden", False)
        if not isinstance(hidden, bool):
            self.add("hidden", f"hidden must be true or false, got {shown(hidden)}")
        links = self._links(data)
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
            **links,
        )

    def _links(self, data: dict[str, Any]) -> dict[str, Any]:
        """``arxiv``, ``author_names`` and the https links, each refused with a hint when malformed."""
        found: dict[str, Any] = {"author_names": ()}
        for key in ("arxiv", "pdf", "code", "url"):
            value = data.get(key)
            problem = arxiv_id_problem(value) if key == "arxiv" else https_url_problem(key, value)
            if value is not None and problem:
                self.add(key, problem)
            elif value is not None:
                found[key] = value
        names = data.get("author_names")
        if names is not None and not isinstance(names, list):
            self.add("author_names", "author_names must be a list of names, one per line starting with '- '")
        elif names is not None:
            for index, name in enumerate(names):
                if not isinstance(name, str) or "\n" in name or check(name).refused or not check(name).text.strip():
                    self.add(
                        f"author_names[{index}]", f"author_names[{index}] must be a one-line name, got {shown(name)}"
                    )
            found["author_names"] = tuple(" ".join(n.split()) for n in names if isinstance(n, str))
        return found

    def _published(self, value: Any) -> date | None:
        if value is None:
            return None
        if not isinstance(value, date) or hasattr(value, "hour"):
            self.add("published", f"published must be a date YYYY-MM-DD or null, got {shown(value)}")
            return None
        if not EARLIEST <= value <= LATEST:  # blamed here, not on mkdocs.yml when the sitemap breaks
            self.add("published", f"published {value} is outside {EARLIEST}..{LATEST}")
            return None
        return value

    def _status(self, value: Any) -> str | None:
        if value is None:
            return None
        if not isinstance(value, str) or check(value).findings:
            self.add("status", f"status must be a status id or null, got {shown(value)}")
            return None
        if self.taxonomy is not None and value not in self.taxonomy.statuses:
            self.add("status", f"unknown status {shown(value)}{did_you_mean(value, self.taxonomy.statuses)}")
        return value

    def _topics(self, data: dict[str, Any]) -> list[str]:
        found: list[str] = []
        entries = self.ids(data, "topics")
        if "topics" in data and not entries and isinstance(data.get("topics"), list):
            self.add("topics", "topics must name at least one topic")
        for index, topic in entries:
            if self.taxonomy is not None and topic != UNSORTED and topic not in self.taxonomy.topics:
                hint = did_you_mean(topic, self.taxonomy.topics)
                self.add(f"topics[{index}]", f"unknown topic {shown(topic)}{hint}")
            elif topic in found:
                self.add(f"topics[{index}]", f"topic {shown(topic)} is listed twice")
            else:
                found.append(topic)
        return found

    def _tags(self, data: dict[str, Any]) -> list[str]:
        found: list[str] = []
        vocabulary = self.taxonomy
        for index, tag in self.ids(data, "tags"):
            resolved = tag if vocabulary is None else vocabulary.aliases.get(tag, tag)
            if vocabulary is not None and resolved not in vocabulary.tags:
                hint = did_you_mean(tag, [*vocabulary.tags, *vocabulary.aliases])
                self.add(f"tags[{index}]", f"unknown tag {shown(tag)}{hint}")
                continue
            if resolved != tag:
                self.add(
                    f"tags[{index}]",
                    f"tag {shown(tag)} is an alias of {resolved!r}; write {resolved!r}",
                    Severity.NOTICE,
                )
            if resolved in found:
                self.add(f"tags[{index}]", f"tag {shown(resolved)} is listed twice")
            else:
                found.append(resolved)
        return found


def check_record(record: RawRecord, taxonomy: Taxonomy | None) -> tuple[Paper | None, list[Problem]]:
    """One record checked against the schema and the vocabulary: its paper (None if in error), its problems.

    Without a taxonomy (``None``: it is broken) ids are checked for their form only.
    """
    checker = _Checker(record, taxonomy)
    paper = checker.check()
    return paper, checker.problems
