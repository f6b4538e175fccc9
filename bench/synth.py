"""Synthetic listing dumps: N papers in the seeds' richest layout, the same bytes on every run.

Titles and abstracts come from a word-level Markov chain trained on the seed dumps, so the
keyword rules, the related-papers model and the search index see text with the vocabulary,
lengths and phrase statistics of real abstracts. Dates, author counts and upvotes follow the
spread of the seeds. Nothing depends on the clock: the same N gives the same dumps.
"""

from __future__ import annotations

import random
from collections import defaultdict
from collections.abc import Iterator, Sequence
from datetime import date, timedelta
from pathlib import Path

from generator.parse import parse_dump

SEEDS = Path(__file__).resolve().parent.parent / "content" / "sources"
CAPTURE_YEAR = 2025
PER_DUMP = 1000  # papers per dump file: the seeds hold ~100, a big crawl a few thousand
REPEATS = 0.05  # share of entries seen again in a later dump (a paper listed twice is one paper)
MONTHS = ("Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec")
HEADER = (
    "new\n\nGet trending papers in your email inbox!\n\nSubscribe\n\nDaily Papers\n\n"
    "byAK and the research community\n\nNov 21\n\n"
)
START = "\x02"


class Chain:
    """An order-2 word Markov chain; ``START`` pads the beginning of each text."""

    def __init__(self, texts: Sequence[str]) -> None:
        table: dict[tuple[str, str], list[str]] = defaultdict(list)
        for text in texts:
            words = [START, START, *text.split()]
            for a, b, c in zip(words, words[1:], words[2:], strict=False):
                table[(a, b)].append(c)
        # Sorted keys and lists in insertion order: the walk depends on the seed only.
        self.table = {key: tuple(table[key]) for key in sorted(table)}

    def walk(self, rng: random.Random, min_words: int, max_words: int) -> str:
        """A text of at most ``max_words`` words, restarted until it has ``min_words``."""
        words: list[str] = []
        a, b = START, START
        target = rng.randint(min_words, max_words)
        while len(words) < target:
            followers = self.table.get((a, b))
            if not followers:  # end of a training text: start a new sentence
                a, b = START, START
                continue
            word = followers[rng.randrange(len(followers))]
            words.append(word)
            a, b = b, word
        return " ".join(words)


def seed_texts(seeds: Path = SEEDS) -> tuple[list[str], list[str]]:
    """Titles and abstracts of the seed dumps, in file order."""
    titles: list[str] = []
    abstracts: list[str] = []
    for path in sorted(seeds.glob("*.txt")):
        entries, _ = parse_dump(path, CAPTURE_YEAR)
        titles.extend(e.title for e in entries)
        abstracts.extend(e.abstract for e in entries)
    return titles, abstracts


def _date_line(rng: random.Random) -> str:
    published = date(2023, 1, 1) + timedelta(days=rng.randrange(0, 1000))
    published = min(published, date(CAPTURE_YEAR, 12, 31))
    shown = f"{MONTHS[published.month - 1]} {published.day}"
    if published.year != CAPTURE_YEAR:
        shown += f", {published.year}"
    # Upvotes: most papers have none shown, a few are popular (a long tail, like the seeds).
    upvotes = int(rng.paretovariate(1.2)) - 1 if rng.random() < 0.6 else 0
    return f"{shown} {upvotes}" if upvotes else shown


def _entry(title: str, abstract: str, rng: random.Random) -> str:
    authors = rng.choice((1, 2, 3, 3, 4, 4, 5, 6, 7, 8, 10, 12, 25))
    noun = "author" if authors == 1 else "authors"
    return f"{title}\n\n{abstract}\n\n  • {authors} {noun}\n·\n{_date_line(rng)}\n\n"


def papers(n: int, seed: int = 1) -> Iterator[tuple[str, str]]:
    """``n`` (title, abstract) pairs with distinct titles."""
    titles, abstracts = seed_texts()
    title_chain, abstract_chain = Chain(titles), Chain(abstracts)
    rng = random.Random(seed)
    seen: set[str] = set()
    while len(seen) < n:
        title = title_chain.walk(rng, 5, 14)
        key = " ".join(title.casefold().split())
        if key in seen or len(title) < 20:
            continue
        seen.add(key)
        yield title, abstract_chain.walk(rng, 120, 260)


def write_dumps(directory: Path, n: int, seed: int = 1) -> list[Path]:
    """Write dumps holding ``n`` unique papers (plus a few repeats) and their manifest."""
    directory.mkdir(parents=True, exist_ok=True)
    rng = random.Random(seed + 1)
    chunks: list[list[str]] = [[]]
    for title, abstract in papers(n, seed):
        if len(chunks[-1]) == PER_DUMP:
            chunks.append([])
        entry = _entry(title, abstract, rng)
        chunks[-1].append(entry)
        if len(chunks) > 1 and rng.random() < REPEATS:
            chunks[-2].append(entry)  # the same listing again in another dump
    written: list[Path] = []
    manifest = ["# synthetic dumps written by bench/synth.py\n"]
    for index, chunk in enumerate(chunks):
        name = f"{index:03d}_synthetic.txt"
        (directory / name).write_text(HEADER + "".join(chunk), encoding="utf-8")
        manifest.append(f"{name}:\n  capture_year: {CAPTURE_YEAR}\n")
        written.append(directory / name)
    (directory / "sources.yml").write_text("".join(manifest), encoding="utf-8")
    return written
