"""``python -m generator enrich``: arXiv ids, dates and author names for records that lack them.

A record is matched by its normalised exact title (``records.match_key``, the rule that
matches a paper to its dumps), or, when a curator already wrote its ``arxiv`` id, by that id.
Anything less certain (no paper of that exact title, or two) is listed for the curator with
the candidates, never guessed. A value already in a record is never replaced, so a
curator's word stands and a second run changes nothing. Records are edited through ruamel's
round trip (comments, key order and quoting kept) and written only at the end, and only
those that changed: a run that fails half-way changes no record, and the next run takes what
it had already fetched from the cache (``arxiv_api``) and goes on where it stopped.
"""

from __future__ import annotations

import sys
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, TextIO

from ruamel.yaml.scalarstring import DoubleQuotedScalarString

from . import files
from .arxiv_api import Api, ApiError, Found
from .links import https_url_problem, unversioned
from .output import write_if_changed
from .problems import Problem, Severity
from .records import Paper, match_key
from .safetext import check
from .yamlio import dump_round_trip, round_trip

CANDIDATES = 3  # shown to the curator for a title arXiv does not match exactly
PROGRESS_EVERY = 10


@dataclass
class Enrichment:
    """What a run found: the new text of each record it changed, what it filled, what to review."""

    texts: dict[Path, str] = field(default_factory=dict)
    filled: list[str] = field(default_factory=list)
    review: list[Problem] = field(default_factory=list)
    looked_up: int = 0


def wants(paper: Paper) -> bool:
    """Whether a shown record lacks something arXiv can give."""
    return not paper.hidden and (paper.arxiv is None or paper.published is None or not paper.author_names)


def _quoted(found: Found) -> str:
    return f"{found.arxiv} {found.title!r}"  # repr: no API text reaches the terminal raw


def choose(paper: Paper, results: list[Found], path: str) -> tuple[Found | None, Problem | None]:
    """The one result that is certainly the paper, or a problem listing the candidates for review."""
    if paper.arxiv is not None:  # the curator's id decides
        same = [f for f in results if f.arxiv == unversioned(paper.arxiv)]
        if same:
            return same[0], None
        return None, Problem(path, 1, f"arXiv has no paper {paper.arxiv!r}: check the id", Severity.WARNING)
    keys = {match_key(paper.title), match_key(paper.scraped_title)}
    exact = list({f.arxiv: f for f in results if match_key(f.title) in keys}.values())
    if len(exact) == 1:
        return exact[0], None
    if len(exact) > 1:
        listed = "; ".join(_quoted(f) for f in exact)
        message = f"{len(exact)} arXiv papers have this exact title: {listed}; write the right one as arxiv"
    elif results:
        listed = "; ".join(_quoted(f) for f in results[:CANDIDATES])
        message = f"no arXiv paper has this exact title; closest: {listed}; write arxiv by hand if one is it"
    else:
        message = "no arXiv paper found for this title; write arxiv by hand if it is on arXiv"
    return None, Problem(path, 1, message, Severity.WARNING)


def _absent(data: Any, key: str) -> bool:
    return data.get(key) is None


def apply(data: Any, found: Found) -> list[str]:
    """Fill the record's absent fields from ``found`` in place; the names of the fields filled."""
    names = list(found.authors)
    if any(check(n).findings for n in names) or not _absent(data, "author_names"):
        names = []  # never copy what the record check would refuse, nor count names the curator wrote
    doi_url = f"https://doi.org/{found.doi}" if found.doi else None
    if doi_url and https_url_problem("url", doi_url):
        doi_url = None
    values: list[tuple[str, Any]] = [
        ("arxiv", DoubleQuotedScalarString(found.arxiv)),  # quoted: 2410.10000 is no float
        ("published", found.published),
        ("author_names", names or None),
        ("authors", len(names) if names else None),
        ("url", doi_url),
    ]
    filled: list[str] = []
    for key, value in values:
        if value is None or not _absent(data, key):
            continue
        if key in data:  # a null the ingest wrote: fill it where it stands
            data[key] = value
        else:
            after = next((k for k in ("authors", "published", "title") if k in data), None)
            position = list(data).index(after) + 1 if after else len(data)
            data.insert(position, key, value)
        filled.append(key)
    return filled


def enrich(
    papers: list[Paper],
    directory: Path,
    api: Api,
    *,
    limit: int | None = None,
    rel: Callable[[Path], str] = str,
    progress: TextIO | None = None,
) -> Enrichment:
    """Look every record wanting it up on arXiv (at most ``limit``); nothing is written here."""
    todo = [p for p in sorted(papers, key=lambda p: p.id) if wants(p)]
    if limit is not None:
        todo = todo[:limit]
    result = Enrichment()
    for index, paper in enumerate(todo, 1):
        path = directory / f"{paper.id}.yml"
        results = api.by_id(paper.arxiv) if paper.arxiv else api.by_title(paper.scraped_title)
        result.looked_up += 1
        found, problem = choose(paper, results, rel(path))
        if problem is not None:
            result.review.append(problem)
        if found is not None:
            data = round_trip().load(files.read_text(path, files.RECORD, directory.parent))
            filled = apply(data, found)
            if filled:
                result.texts[path] = dump_round_trip(data)
                result.filled.append(f"{rel(path)}: {', '.join(filled)} from arXiv {found.arxiv}")
        if progress is not None and (index % PROGRESS_EVERY == 0 or index == len(todo)):
            t = api.transport
            print(f"enrich: {index}/{len(todo)} looked up ({t.cached} from the cache)", file=progress, flush=True)
    return result


def run(papers: list[Paper], directory: Path, api: Api, *, limit: int | None, dry_run: bool, rel: Any) -> int:
    """The command: look up, write the records that changed (unless a dry run), report."""
    try:
        result = enrich(papers, directory, api, limit=limit, rel=rel, progress=sys.stderr)
    except ApiError as exc:
        print(f"enrich: {exc}; no record changed (what was fetched is cached: run again to resume)", file=sys.stderr)
        return 1
    except (OSError, UnicodeDecodeError) as exc:
        print(f"enrich: cannot read a record ({exc}); no record changed", file=sys.stderr)
        return 1
    for line in result.filled:
        print(("would fill " if dry_run else "filled ") + line)
    for problem in sorted(result.review):
        print(f"{problem.path}:{problem.line}: review: {problem.message}")
    written = 0
    if not dry_run:
        written = sum(write_if_changed(path, text) for path, text in sorted(result.texts.items()))
    verb = "would change" if dry_run else "changed"
    print(
        f"enrich: {result.looked_up} looked up, {len(result.texts) if dry_run else written} record(s) {verb},"
        f" {len(result.review)} to review"
    )
    return 0
