"""Which search shards can answer a query: a small Pagefind index with one page per shard.

At 100,000 papers the index is 50 shards, and a query searched in every shard fetches one
index chunk per word per shard (5.9 MB, 6.8 s for a three-word title). Searched shard by shard,
Pagefind also answers differently from one index: a shard that lacks one of the query's words
drops that word and returns the pages that hold the others, so a paper missing a word shows
up among those that have them all.

The lexicon is a Pagefind index of one page per shard (``build/search-lexicon/<k>/index.html``)
holding each distinct whitespace-separated word of that shard's search pages, the very strings
Pagefind splits those pages into, so Pagefind normalises, splits and stems them as it does
the papers' own. Searching it with the query (the same engine, the same stemmer) gives the
shards that hold every word of the query that any shard holds, as a word or the start of one:
the shards that hold a matching paper, and no shard lacking a word the others have.
``overrides/assets/search.js`` searches the lexicon first (at once, beside the shards, when
there are few shards) and keeps only those shards' results. In the site the lexicon's bundle
is ``pagefind/lexicon/``, and ``pagefind/shards.json`` maps each of its pages to its shard.
"""

from __future__ import annotations

import gzip
import json
import re
import shutil
from collections.abc import Iterable
from html import escape
from pathlib import Path

from .output import make_dirs, write_if_changed

LEXICON = "lexicon/"  # in the bundle: the lexicon's directory, read by overrides/assets/search.js
# Rust's char::is_whitespace (Unicode White_Space), which Pagefind splits page text at. Python's
# str.split splits at exactly these and U+001C-U+001F, and a word Pagefind keeps whole must stay
# whole here: str.split (4x faster) unless a text holds one of those four.
_WHITESPACE = re.compile("[\t\n\v\f\r \x85\xa0\u1680\u2000-\u200a\u2028\u2029\u202f\u205f\u3000]+")
_NOT_WHITESPACE_IN_RUST = re.compile("[\x1c-\x1f]")
_PAGE = (
    '<!DOCTYPE html>\n<html lang="en"><head><meta charset="utf-8"><title>{k}</title></head>\n'
    "<body><main data-pagefind-body>\n<p>{words}</p>\n</main></body></html>\n"
)


def shard_words(texts: Iterable[str]) -> list[str]:
    """The distinct whitespace-separated words of ``texts``, sorted."""
    whole = "\n".join(texts)
    words = set(_WHITESPACE.split(whole) if _NOT_WHITESPACE_IN_RUST.search(whole) else whole.split())
    words.discard("")
    return sorted(words)


def lexicon_page(k: int, words: list[str]) -> str:
    """Shard ``k``'s lexicon page: its words as text, escaped, each ending a sentence.

    Pagefind ends each block of a page with a full stop, and a word with punctuation in it is
    also indexed in parts (``WebView.`` adds ``web`` and ``view``): each word is written as
    the last word of a block would be, so the lexicon holds every word the shard's pages give
    Pagefind (and a few parts more, which only ever add a shard to a search).
    """
    return _PAGE.format(k=k, words=escape(" ".join(word + "." for word in words)))


def write_lexicon(shards: list[list[str]], directory: Path) -> None:
    """One lexicon page per shard (its texts' words) under ``directory``; other shards' pages removed."""
    make_dirs(directory, directory.parent)
    for k, texts in enumerate(shards):
        make_dirs(directory / str(k), directory)
        write_if_changed(directory / str(k) / "index.html", lexicon_page(k, shard_words(texts)), directory)
    wanted = {str(k) for k in range(len(shards))}
    for stale in sorted(directory.iterdir()):
        if stale.name in wanted:
            continue
        if stale.is_dir() and not stale.is_symlink():
            shutil.rmtree(stale)
        else:
            stale.unlink()


def bundle_pages(bundle: Path) -> dict[str, str]:
    """The pages of the Pagefind bundle at ``bundle``: the id Pagefind gives each in results -> its URL."""
    pages: dict[str, str] = {}
    for fragment in sorted((bundle / "fragment").glob("*.pf_fragment")):
        data = json.loads(gzip.decompress(fragment.read_bytes()).removeprefix(b"pagefind_dcd"))
        pages[fragment.name.removesuffix(".pf_fragment")] = str(data["url"])
    return pages


def lexicon_pages(bundle: Path) -> dict[str, int]:
    """The lexicon bundle's pages, by the id Pagefind gives them in results, with their shard."""
    return {page: int(url.strip("/")) for page, url in bundle_pages(bundle).items()}
