"""Atom feeds: valid, dated from the data, hostile text kept as text, the same bytes every build."""

from __future__ import annotations

import xml.etree.ElementTree as ET
from datetime import date

import pytest
from test_render import catalog, paper

from generator.feeds import FEED_ENTRIES
from generator.render import Renderer
from generator.sitefiles import feeds

ATOM = "{http://www.w3.org/2005/Atom}"
HOSTILE = "<script>alert(1)</script> & ]]> <![CDATA[x]]> \"quotes\" 'single'"


@pytest.fixture(scope="module")
def built() -> dict[str, str]:
    papers = [
        paper("old", "Old bandit paper", published=date(2023, 1, 2)),
        paper("new", HOSTILE, abstract=HOSTILE + "\nline two", published=date(2024, 6, 30), tags=("regret",)),
        paper("undated", "Undated low-rank paper", published=None, topics=("low-rank",)),
        paper("control", "Control \x0b character", published=date(2024, 1, 1), topics=("low-rank",)),
    ]
    return feeds(catalog(papers))


def parse(text: str) -> ET.Element:
    return ET.fromstring(text.encode("utf-8"))


def test_one_feed_for_the_list_and_one_per_topic(built: dict[str, str]) -> None:
    assert sorted(built) == ["feed.xml", "topics/bandits/feed.xml", "topics/low-rank/feed.xml"]


def test_every_feed_and_entry_has_the_required_atom_elements(built: dict[str, str]) -> None:
    for text in built.values():
        feed = parse(text)
        assert feed.tag == f"{ATOM}feed"
        for element in (feed, *feed.findall(f"{ATOM}entry")):
            for name in ("id", "title", "updated"):
                assert (element.findtext(f"{ATOM}{name}") or "").strip(), name
            assert element.findtext(f"{ATOM}id", "").startswith("urn:uuid:")
        assert feed.find(f"{ATOM}link[@rel='self']") is not None
        ids = [e.findtext(f"{ATOM}id") for e in feed.findall(f"{ATOM}entry")]
        assert len(ids) == len(set(ids))


def test_dates_come_from_the_data_and_the_feed_is_as_new_as_its_newest_entry(built: dict[str, str]) -> None:
    feed = parse(built["feed.xml"])
    entries = {e.findtext(f"{ATOM}title"): e for e in feed.findall(f"{ATOM}entry")}
    assert entries["Old bandit paper"].findtext(f"{ATOM}published") == "2023-01-02T00:00:00+00:00"
    # An undated paper takes the newest date of the list: stable, never the build clock.
    assert entries["Undated low-rank paper"].findtext(f"{ATOM}updated") == "2024-06-30T00:00:00+00:00"
    assert feed.findtext(f"{ATOM}updated") == "2024-06-30T00:00:00+00:00"
    topic = parse(built["topics/low-rank/feed.xml"])
    assert topic.findtext(f"{ATOM}updated") == "2024-06-30T00:00:00+00:00"


def test_hostile_titles_and_abstracts_round_trip_as_text(built: dict[str, str]) -> None:
    feed = parse(built["feed.xml"])
    entry = next(e for e in feed.findall(f"{ATOM}entry") if e.findtext(f"{ATOM}title") == HOSTILE)
    assert entry.findtext(f"{ATOM}summary") == HOSTILE + "\nline two"
    assert entry.find(f"{ATOM}summary").get("type") == "text"  # type: ignore[union-attr]
    assert "<script>" not in built["feed.xml"]
    titles = [e.findtext(f"{ATOM}title") for e in feed.findall(f"{ATOM}entry")]
    assert "Control \ufffd character" in titles  # XML cannot carry U+000B at all


def test_entry_links_resolve_from_the_feed_location(built: dict[str, str]) -> None:
    site = parse(built["feed.xml"]).find(f"{ATOM}entry/{ATOM}link")
    topic = parse(built["topics/bandits/feed.xml"]).find(f"{ATOM}entry/{ATOM}link")
    assert site is not None and topic is not None
    assert site.get("href", "").startswith("papers/")
    assert topic.get("href", "").startswith("../../papers/")


def test_feeds_are_the_same_bytes_on_every_build(built: dict[str, str]) -> None:
    papers = [paper(f"p{i}", f"Paper {i}", published=date(2024, 1, 1 + i % 28)) for i in range(FEED_ENTRIES + 5)]
    first, second = feeds(catalog(papers)), feeds(catalog(list(reversed(papers))))
    assert first == second
    assert len(parse(first["feed.xml"]).findall(f"{ATOM}entry")) == FEED_ENTRIES


def test_topic_pages_announce_their_feed_in_front_matter() -> None:
    pages = Renderer(catalog([paper("a", "A & B <c>")])).pages()
    front = pages["topics/bandits.md"].split("---\n")[1]
    assert 'feed: "topics/bandits/feed.xml"' in front
    assert "feed_title:" in front
    assert "feed:" not in pages["tags/index.md"].split("---\n")[1]
