"""Search: an index of our own, written by the generator from the catalog, read by search.js.

Pagefind's shards could not answer a query within half a second at 100,000 papers (SCALING.md):
each shard costs one index chunk per word. This index is split by word instead: a query fetches
the postings of its own words and nothing else, whatever the number of papers.

The bundle (``build/search/``, copied into the site as ``searchindex/``):

- ``index.json``: the format, the number of papers, their average length, the vocabulary's
  buckets (``[prefix, file]``, sorted) and a version that every other URL carries
  (``?v=``), so a reader's cache never mixes two builds.
- ``lengths.bin``: one byte per paper, its weighted length in words / 4 (rounded up, at most 255).
- ``v/<k>.json``: bucket k of the vocabulary, ``[[stem, papers, file, offset, size], ...]`` by
  stem: every stem that starts with the bucket's prefix (and no longer bucket's).
- ``p/<k>.bin``: postings: for each stem, per paper holding it, the paper's number minus the
  previous one as a varint (7 bits a byte, low first, high bit set on all but the last) and
  one byte of weighted term frequency (at most 255).
- ``f/<n>.json``: paper n's fragment: ``url``, ``title``, ``topics``, ``text`` (the abstract).

Words are runs of letters and digits (``[^\\W_]+``; ``[\\p{L}\\p{N}]+`` in JavaScript), lowercased,
at most ``LONGEST`` characters (longer ones are not indexed), stemmed with Snowball's English
stemmer: snowballstemmer 2.2.0 here, porter2.js in the browser (tests/test_search_index.py
checks that they agree on every word of the seed site). Papers are numbered in catalog order.
The bundle is rewritten whole when a paper's fields or this code change (a digest of both is
its ``stamp``), into a new directory swapped in for the old one.
"""

from __future__ import annotations

import hashlib
import json
import os
import re
import shutil
import tempfile
from collections.abc import Iterator
from importlib import metadata
from pathlib import Path
from typing import Any

import snowballstemmer

from .cache import code_version
from .catalog import Catalog
from .output import create_file, make_dirs
from .records import Paper
from .urls import PAPERS, SEARCH_BUNDLE

BUNDLE = SEARCH_BUNDLE  # the bundle's directory in the site, read by overrides/assets/search.js
FORMAT = 1
STAMP = "stamp"  # in build/search: the digest of what the bundle was written from
TOKEN = re.compile(r"[^\W_]+")
LONGEST = 64  # longer "words" (a hostile run of letters, a hash) are not indexed
# Weights of the fields in a paper's term frequencies (Pagefind's were 10 for the title, 2
# for the labels, 1 for the abstract).
TITLE_WEIGHT = 10
LABEL_WEIGHT = 2
BUCKET_STEMS = 1024  # a vocabulary bucket with more stems is split by one more letter
POSTINGS_BYTES = 32 * 1024  # postings files are cut after this many bytes (a longer list is alone)


def page_fields(paper: Paper, catalog: Catalog) -> dict[str, str]:
    """What search knows of ``paper``: the index's only input from it, and what its stamp digests."""
    taxonomy = catalog.taxonomy
    topics = [taxonomy.topic(t).title for t in paper.topics]
    tags = [taxonomy.tags[t].title for t in paper.tags if t in taxonomy.tags]
    return {
        "url": PAPERS.url(paper.id),
        "title": paper.title,
        "abstract": paper.abstract,
        "labels": " · ".join([*topics, *tags]),
        "topics": ", ".join(topics),
    }


def words(text: str) -> list[str]:
    """The indexed words of ``text``: lowercased runs of letters and digits, none too long."""
    return [word for word in TOKEN.findall(text.lower()) if len(word) <= LONGEST]


class Stems:
    """Snowball's English stems, each word stemmed once."""

    def __init__(self) -> None:
        self._stemmer = snowballstemmer.stemmer("english")
        self._known: dict[str, str] = {}

    def __call__(self, word: str) -> str:
        stem = self._known.get(word)
        if stem is None:
            stem = self._known[word] = self._stemmer.stemWord(word) or word
        return stem


def _varint(value: int, out: bytearray) -> None:
    while value >= 0x80:
        out.append(value & 0x7F | 0x80)
        value >>= 7
    out.append(value)


class _Postings:
    """Each stem's postings, encoded as they are added (paper numbers ascending)."""

    def __init__(self) -> None:
        self.lists: dict[str, bytearray] = {}
        self.last: dict[str, int] = {}
        self.papers: dict[str, int] = {}

    def add(self, n: int, counts: dict[str, int]) -> None:
        lists, last, papers = self.lists, self.last, self.papers
        for stem, tf in counts.items():
            out = lists.get(stem)
            if out is None:
                out = lists[stem] = bytearray()
                last[stem] = -1
                papers[stem] = 0
            _varint(n - last[stem] - 1, out)  # the first is the paper's number, every gap at least 1
            out.append(tf if tf < 255 else 255)
            last[stem] = n
            papers[stem] += 1


def _counts(fields: dict[str, str], stems: Stems) -> tuple[dict[str, int], int]:
    """The weighted term frequency of each stem of one paper, and its weighted length."""
    counts: dict[str, int] = {}
    length = 0
    for text, weight in ((fields["title"], TITLE_WEIGHT), (fields["abstract"], 1), (fields["labels"], LABEL_WEIGHT)):
        for word in words(text):
            stem = stems(word)
            counts[stem] = counts.get(stem, 0) + weight
            length += weight
    return counts, length


def _buckets(stems: list[str], prefix: str = "") -> Iterator[tuple[str, list[str]]]:
    """``stems`` (sorted, all starting with ``prefix``) in buckets of at most ``BUCKET_STEMS``
    by prefix, a bucket's prefix one letter longer than its parent's; stems equal to a split
    bucket's prefix stay in a bucket of that prefix."""
    if len(stems) <= BUCKET_STEMS and prefix:
        yield prefix, stems
        return
    exact = [s for s in stems if len(s) == len(prefix)]
    if exact:
        yield prefix, exact
    groups: dict[str, list[str]] = {}
    for stem in stems:
        if len(stem) > len(prefix):
            groups.setdefault(stem[: len(prefix) + 1], []).append(stem)
    for child in sorted(groups):
        yield from _buckets(groups[child], child)


def bundle_files(catalog: Catalog) -> dict[str, bytes]:
    """Every file of the bundle, by path relative to it."""
    stems = Stems()
    postings = _Postings()
    files: dict[str, bytes] = {}
    lengths = bytearray()
    total = 0
    for n, paper in enumerate(catalog.papers):
        fields = page_fields(paper, catalog)
        counts, length = _counts(fields, stems)
        postings.add(n, counts)
        lengths.append(min(255, -(-length // 4)))
        total += length
        fragment = {"url": fields["url"], "title": fields["title"], "topics": fields["topics"], "text": fields["abstract"]}
        files[f"f/{n}.json"] = _json(fragment)
    files["lengths.bin"] = bytes(lengths)
    buckets: list[list[Any]] = []
    sizes = bytearray()  # the open postings file
    made = 0
    for k, (prefix, members) in enumerate(_buckets(sorted(postings.lists))):
        vocabulary = []
        for stem in members:
            data = postings.lists[stem]
            if sizes and len(sizes) + len(data) > POSTINGS_BYTES:
                files[f"p/{made}.bin"] = bytes(sizes)
                made, sizes = made + 1, bytearray()
            vocabulary.append([stem, postings.papers[stem], made, len(sizes), len(data)])
            sizes += data
        files[f"v/{k}.json"] = _json(vocabulary)
        buckets.append([prefix, k])
    if sizes:
        files[f"p/{made}.bin"] = bytes(sizes)
    version = hashlib.sha256()
    for name in sorted(files):
        version.update(name.encode() + b"\0" + hashlib.sha256(files[name]).digest())
    count = len(catalog.papers)
    index = {
        "format": FORMAT,
        "papers": count,
        "average": round(total / count / 4, 3) if count else 0,
        "buckets": buckets,
        "version": version.hexdigest()[:16],
    }
    files["index.json"] = _json(index)
    return files


def _json(value: object) -> bytes:
    return json.dumps(value, ensure_ascii=False, separators=(",", ":")).encode("utf-8")


def stamp(catalog: Catalog) -> str:
    """A digest of everything the bundle is written from: our code and every paper's fields, in order."""
    digest = hashlib.sha256(code_version() + metadata.version("snowballstemmer").encode())
    for paper in catalog.papers:
        digest.update(json.dumps(page_fields(paper, catalog)).encode() + b"\n")
    return digest.hexdigest()


def write_search_index(catalog: Catalog, directory: Path) -> bool:
    """The bundle of ``catalog`` in ``directory`` (``build/search``); True when it was (re)written.

    Unless ``directory`` holds the bundle of the same stamp, the bundle is written into a new
    directory beside it and swapped in: a killed build leaves the old bundle or the new, and
    its leftovers (``search.new-*``, ``search.old-*``) are removed by the next write.
    """
    wanted = stamp(catalog)
    try:
        if (directory / STAMP).read_text(encoding="utf-8") == wanted:
            return False
    except (OSError, UnicodeDecodeError):
        pass
    parent = directory.parent
    for leftover in sorted(parent.glob(f"{directory.name}.new-*")) + sorted(parent.glob(f"{directory.name}.old-*")):
        _remove(leftover)
    fresh = Path(tempfile.mkdtemp(prefix=f"{directory.name}.new-", dir=parent))
    try:
        for relpath, data in bundle_files(catalog).items():
            path = fresh / relpath
            make_dirs(path.parent, fresh)
            create_file(str(path), data)
            os.chmod(path, 0o644)
        create_file(str(fresh / STAMP), wanted.encode())
        os.chmod(fresh, 0o755)
        old = Path(tempfile.mkdtemp(prefix=f"{directory.name}.old-", dir=parent))
        if directory.is_symlink() or directory.exists():
            os.replace(directory, old / directory.name)
        os.replace(fresh, directory)
        _remove(old)
    finally:
        _remove(fresh)
    return True


def _remove(path: Path) -> None:
    if path.is_symlink() or path.is_file():
        path.unlink(missing_ok=True)
    elif path.exists():
        shutil.rmtree(path)


def copy_bundle(directory: Path, site: Path) -> None:
    """The bundle in ``directory`` into ``site`` as ``BUNDLE``: each file linked (never changed in
    place: a new bundle is a new directory), or copied across file systems; no link followed."""
    target = site / BUNDLE
    for root, dirs, names in os.walk(directory):
        dirs.sort()
        relative = Path(root).relative_to(directory)
        make_dirs(target / relative, site)
        for name in sorted(names):
            if relative == Path(".") and name == STAMP:
                continue
            source, destination = os.path.join(root, name), target / relative / name
            if os.path.islink(source):
                continue
            try:
                os.link(source, destination, follow_symlinks=False)
            except OSError:
                shutil.copyfile(source, destination, follow_symlinks=False)

