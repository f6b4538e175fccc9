"""``enrich``: arXiv ids, dates and names from recorded arXiv answers, through the real client.

The answers under ``fixtures/arxiv/`` are real arXiv API responses recorded by the arxiv
client's own test suite (see ``make_fixtures.py`` there); ``Replay`` serves them as a requests
transport, so the client, its parser, our transport (cache, pacing, retries) all run for real.
"""

from __future__ import annotations

import json
from pathlib import Path
from urllib.parse import parse_qs, urlsplit

import arxiv
import pytest
import requests
from requests.adapters import BaseAdapter

from conftest import make_project
from generator import arxiv_api, cli
from generator.arxiv_api import Api, Transport
from generator.inputs import load_curated
from generator.project import Project

RECORDINGS = Path(__file__).parent / "fixtures" / "arxiv"


def _key(url: str) -> tuple[str, str]:
    query = parse_qs(urlsplit(url).query, keep_blank_values=True)
    return query["search_query"][0], query["id_list"][0]


class Replay(BaseAdapter):
    """A transport answering from the recordings; ``script`` holds failures to play first."""

    def __init__(self, script: list[str] | None = None) -> None:
        super().__init__()
        self.answers = {}
        for path in RECORDINGS.glob("*.json"):
            data = json.loads(path.read_text(encoding="utf-8"))
            self.answers[_key(data["url"])] = (data["status_code"], data["body"].encode("latin-1"))
        self.script = list(script or [])
        self.sent: list[str] = []

    def send(self, request, **kwargs):  # type: ignore[no-untyped-def, override]
        self.sent.append(request.url)
        action = self.script.pop(0) if self.script else "answer"
        if action == "offline":
            raise requests.ConnectionError("Failed to resolve 'export.arxiv.org'")
        response = requests.Response()
        response.url, response.request = request.url, request
        if action.isdigit():
            response.status_code, response._content = int(action), b"busy"
            if action == "429":
                response.headers["Retry-After"] = "7"
            return response
        response.status_code, response._content = self.answers[_key(request.url)]
        return response

    def close(self) -> None:
        pass


class Clock:
    """Time that passes only when slept: every wait is recorded, none is waited."""

    def __init__(self) -> None:
        self.now, self.sleeps = 1000.0, []

    def monotonic(self) -> float:
        return self.now

    def sleep(self, seconds: float) -> None:
        self.sleeps.append(round(seconds, 3))
        self.now += seconds


RECORDS = {
    "property-based-mutation-testing": """\
title: Property-Based Mutation Testing
scraped_title: Property-Based Mutation Testing
abstract: Mutation testing.
published: null
# counted on the listing
authors: 4
upvotes: 3
sources: [listing.txt]
topics: [bandits]
""",
    "model-based-testing-of-scratch-programs": """\
title: Model-based Testing of Scratch Programs
abstract: Scratch.
topics: [bandits]
""",
    "mutation-testing-of-smart-contracts": """\
title: Mutation Testing of Smart Contracts
abstract: Contracts.
topics: [bandits]
""",
    "nobody-wrote-this": """\
title: A Paper Nobody Wrote
abstract: Nothing.
topics: [bandits]
""",
    "datamorphic-testing": """\
title: "Datamorphic Testing: A Methodology for Testing AI Applications"
abstract: Morphisms.
published: 2020-01-01  # the curator's date, not arXiv's
author_names:
  - H. Zhu  # as printed in the proceedings
topics: [bandits]
""",
    "testing-deep-learning-models": """\
title: "Testing Deep Learning Models: A First Comparative Study of Multiple Testing Techniques"
abstract: Deep.
topics: [bandits]
""",
    "zero": """\
title: "0"
abstract: Crypto.
arxiv: "2104.12255v1"
topics: [bandits]
""",
    "hot-jupiters": """\
title: Frequency of Hot Jupiters
abstract: Planets.
arxiv: astro-ph/0601001
topics: [bandits]
""",
}


@pytest.fixture
def project(tmp_path: Path) -> Project:
    root = make_project(tmp_path / "project")
    for name, text in RECORDS.items():
        (root / "content" / "papers" / f"{name}.yml").write_text(text, encoding="utf-8")
    return Project(root)


def run(project: Project, replay: Replay, clock: Clock | None = None, *args: str) -> int:
    """The real command line, sending through ``replay`` and sleeping on ``clock``."""
    clock = clock or Clock()
    original = Transport.__init__

    def init(self, cache, inner=None, **kwargs):  # type: ignore[no-untyped-def]
        original(self, cache, replay, clock=clock.monotonic, sleep=clock.sleep)

    Transport.__init__ = init  # type: ignore[method-assign]
    try:
        return cli.main(["--root", str(project.root), "enrich", *args])
    finally:
        Transport.__init__ = original  # type: ignore[method-assign]


def texts(project: Project) -> dict[str, str]:
    return {p.name: p.read_text(encoding="utf-8") for p in sorted(project.papers.glob("*.yml"))}


def test_an_exact_title_fills_id_date_and_names_and_keeps_comments(project: Project, capsys) -> None:  # type: ignore[no-untyped-def]
    assert run(project, Replay()) == 0
    text = (project.papers / "property-based-mutation-testing.yml").read_text(encoding="utf-8")
    assert 'arxiv: "2301.13615"' in text
    assert "published: 2023-01-31" in text
    assert "# counted on the listing\nauthors: 4\n" in text  # the listing's count is the curator's: kept
    _, papers, problems = load_curated(project)
    assert not [p for p in problems if p.severity == "error"]
    paper = next(p for p in papers if p.id == "property-based-mutation-testing")
    assert paper.arxiv == "2301.13615" and len(paper.author_names) == 4
    out = capsys.readouterr().out
    assert "filled content/papers/property-based-mutation-testing.yml: arxiv, published, author_names" in out


def test_non_ascii_names_and_a_doi_link_arrive_as_written(project: Project) -> None:
    assert run(project, Replay()) == 0
    _, papers, _ = load_curated(project)
    by_id = {p.id: p for p in papers}
    assert by_id["testing-deep-learning-models"].url == "https://doi.org/10.1109/ICSTW55395.2022.00035"
    assert by_id["testing-deep-learning-models"].author_names == (
        "Mohit Kumar Ahuja",
        "Arnaud Gotlieb",
        "Helge Spieker",
    )


def test_two_papers_of_one_title_or_none_are_listed_for_review_never_guessed(project: Project, capsys) -> None:  # type: ignore[no-untyped-def]
    before = texts(project)
    assert run(project, Replay()) == 0
    after = texts(project)
    out = capsys.readouterr().out
    for name in ("model-based-testing-of-scratch-programs", "mutation-testing-of-smart-contracts", "nobody-wrote-this"):
        assert after[f"{name}.yml"] == before[f"{name}.yml"]
    assert "model-based-testing-of-scratch-programs.yml:1: review: 2 arXiv papers have this exact title:" in out
    assert "2202.06271 'Model-based Testing of Scratch Programs'; 1912.09881" in out
    assert "mutation-testing-of-smart-contracts.yml:1: review: no arXiv paper has this exact title; closest:" in out
    assert "1908.03707 'Mutation Testing for Ethereum Smart Contract'" in out
    assert "nobody-wrote-this.yml:1: review: no arXiv paper found for this title" in out


def test_a_curators_values_are_never_replaced(project: Project) -> None:
    assert run(project, Replay()) == 0
    text = (project.papers / "datamorphic-testing.yml").read_text(encoding="utf-8")
    assert "published: 2020-01-01  # the curator's date, not arXiv's" in text
    assert "  - H. Zhu  # as printed in the proceedings\n" in text and "Bayley" not in text
    assert 'arxiv: "1912.04900"' in text  # what was missing is filled
    assert "authors:" not in text  # no count of arXiv's five names beside the curator's one


def test_a_curators_id_is_looked_up_by_id_new_and_old_style(project: Project) -> None:
    replay = Replay()
    assert run(project, replay) == 0
    _, papers, _ = load_curated(project)
    by_id = {p.id: p for p in papers}
    assert by_id["zero"].arxiv == "2104.12255v1"  # the curator's version stays
    assert by_id["zero"].author_names == ("Quan Thoi Minh Nguyen",)
    assert str(by_id["hot-jupiters"].published) == "2006-01-02"
    assert any("id_list=astro-ph%2F0601001" in url for url in replay.sent)


def test_a_second_run_changes_nothing_and_asks_the_network_nothing_it_has(project: Project, capsys) -> None:  # type: ignore[no-untyped-def]
    assert run(project, Replay()) == 0
    first = texts(project)
    mtimes = {p: p.stat().st_mtime_ns for p in project.papers.glob("*.yml")}
    replay = Replay()
    assert run(project, replay) == 0
    assert texts(project) == first
    assert {p: p.stat().st_mtime_ns for p in project.papers.glob("*.yml")} == mtimes
    # Only the records still under review are asked again, and what has answers comes from the cache.
    assert all("Nobody" in url for url in replay.sent)
    assert "0 record(s) changed" in capsys.readouterr().out


def test_requests_are_three_seconds_apart_and_a_busy_api_is_retried_with_backoff(project: Project) -> None:
    clock = Clock()
    replay = Replay(["503", "429"])
    assert run(project, replay, clock, "--limit", "2") == 0
    # 503 -> wait 6 s (backoff); 429 with Retry-After: 7 -> max(12, 7); then the next record 3 s later.
    assert clock.sleeps == [6.0, 12.0, 3.0]
    assert len(replay.sent) == 4


def test_offline_one_line_non_zero_no_record_changed(project: Project, capsys) -> None:  # type: ignore[no-untyped-def]
    before = texts(project)
    assert run(project, Replay(["offline"] * 10)) == 1
    assert texts(project) == before
    err = capsys.readouterr().err.strip().splitlines()
    problems = [line for line in err if not line.startswith("enrich: 0/")]
    assert problems == [
        "enrich: cannot reach the arXiv API at export.arxiv.org (ConnectionError); no record changed"
        " (what was fetched is cached: run again to resume)"
    ]


def test_an_interrupted_run_resumes_from_the_cache(project: Project) -> None:
    before = texts(project)
    # Three records answered, then the network goes: nothing is written, the answers are kept.
    assert run(project, Replay(["answer"] * 3 + ["offline"] * 10)) == 1
    assert texts(project) == before
    replay = Replay()
    assert run(project, replay) == 0
    assert len(replay.sent) == len(RECORDS) - 3
    assert texts(project) != before


def test_dry_run_and_limit(project: Project, capsys) -> None:  # type: ignore[no-untyped-def]
    before = texts(project)
    assert run(project, Replay(), None, "--dry-run") == 0
    assert texts(project) == before
    assert "would fill content/papers/property-based-mutation-testing.yml" in capsys.readouterr().out
    replay = Replay()
    assert run(project, replay, None, "--limit", "1") == 0
    assert len(replay.sent) == 0  # the dry run's answers are in the cache
    assert "enrich: 1 looked up" in capsys.readouterr().out


def test_a_broken_record_stops_enrich_before_any_request(project: Project, capsys) -> None:  # type: ignore[no-untyped-def]
    (project.papers / "zero.yml").write_text('title: "0"\nabstract: x\narxiv: 2104.12255\ntopics: [bandits]\n')
    replay = Replay()
    assert run(project, replay) == 1
    assert replay.sent == []
    assert "content/papers/zero.yml:3: arxiv must be quoted text, got the number 2104.12255" in capsys.readouterr().err


def test_a_damaged_cache_entry_is_asked_again(project: Project) -> None:
    assert run(project, Replay(), None, "--limit", "1", "--dry-run") == 0
    cache = project.root / "build" / "cache" / "arxiv"
    assert len(list(cache.glob("*.json"))) == 1
    for path in cache.glob("*.json"):
        path.write_text("{not json")
    replay = Replay()
    assert run(project, replay, None, "--limit", "1") == 0
    assert len(replay.sent) == 1


def test_the_client_seam_still_holds() -> None:
    """arxiv 4.0.2 sends through ``Client._session``: an upgrade that changes it fails here."""
    transport = Transport(None, Replay(), interval=0)
    found = Api(transport).by_id("2104.12255v1")
    assert [f.arxiv for f in found] == ["2104.12255"]
    assert transport.requests == 1
    assert isinstance(arxiv_api._client(transport)._session, requests.Session)
    assert arxiv.Client(page_size=10)._format_url(arxiv.Search(id_list=["x"]), 0, 10).startswith("https://")
