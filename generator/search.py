"""Search: an index of our own, written by the generator from the catalog, read by search.js.

Pagefind's shards could not answer a query within half a second at 100,000 papers (SCALING.md):
each shard costs one index chunk per word. This index is split by word instead: a query fetches
the postings of its own words and nothing else, whatever the number of papers.

The bundle (``build/search/``, copied into the site as ``searchindex/``):

- ``index.json``: the format, the number of papers, their average length, the vocabulary's
  buckets (``[first stem, file]``, in order) and a version that every other URL carries
  (``?v=``), so the HTTP cache never mixes two builds (a page open across a deploy may still
  hold the old ``index.json``: its answers may miss, never fail).
- ``lengths.bin``: one byte per paper, the weighted length of its abstract and labels in words
  / 4 (rounded up, at most 255).
- ``v/<k>.json``: bucket k of the vocabulary, ``[[stem, papers, file, offset, size], ...]``:
  ``BUCKET_STEMS`` stems in a row of the vocabulary in JavaScript's string order (``order``),
  so a stem is in the last bucket whose first stem is not after it, and the stems that start
  with a prefix are in a run of buckets.
- ``p/<k>.bin``: postings: for each stem, per paper holding it, the paper's number minus the
  previous one as a varint (7 bits a byte, low first, high bit set on all but the last) and
  one byte: its high bit set when the title holds the stem, the low seven bits the stem's
  weighted frequency in the abstract and labels (at most 127). The title is its own field
  (BM25F-like): a title hit adds a fixed score in search.js rather than saturating with the
  abstract's counts.
- ``f/<n>.json``: paper n's fragment: ``url``, ``title``, ``topics``, ``text`` (the abstract).

Words are runs of letters and digits (``[^\\W_]+``; ``[\\p{L}\\p{N}]+`` in JavaScript), lowercased,
at most ``LONGEST`` characters (longer ones are not indexed), stemmed with Snowball's English
stemmer: snowballstemmer 2.2.0 here, porter2.js in the browser (tests/test_search_index_browser.py
checks that they agree on every word of the seed site, and that the two tokenizers agree on
every character Python's Unicode database assigns; letters assigned in a later Unicode than
the building Python's are split here and kept by the browser, so a query holding one misses).
Papers are numbered in catalog order. The bundle is rewritten whole when a paper's fields or
this code change (a digest of both is its ``stamp``), into a new directory swapped in for the
old one, by a worker process (``main``) that the build starts before it renders the pages.
"""

from __future__ import annotations

import hashlib
import json
import os
import re
import shutil
import stat
import subprocess
import sys
import tempfile
from array import array
from collections import Counter
from collections.abc import Iterable, Iterator
from importlib import metadata
from pathlib import Path
from typing import Any

import snowballstemmer

from . import plaindata as plain
from .cache import code_version
from .catalog import Catalog
from .output import create_file, make_dirs, read_bytes
from .problems import BuildError, Problem
from .publish import module_command
from .records import Paper
from .urls import PAPERS, SEARCH_BUNDLE

BUNDLE = SEARCH_BUNDLE  # the bundle's directory in the site, read by overrides/assets/search.js
FORMAT = 2
STAMP = "stamp"  # in build/search: the digest of what the bundle was written from
TOKEN = re.compile(r"[^\W_]+")
LONGEST = 64  # longer "words" (a hostile run of letters, a hash) are not indexed
LABEL_WEIGHT = 2  # a topic's or tag's word counts twice an abstract's
TITLE = 0x80  # the term-frequency byte's bit for "in the title"
MOST_TIMES = 0x7F
BUCKET_STEMS = 1024  # stems per vocabulary bucket (the last may hold fewer)
FIELDS = {"url", "title", "abstract", "labels", "topics"}  # page_fields' keys
WORKER = "generator.search"  # the module that writes the bundle (main), in its own process
PACKAGE_ROOT = str(Path(__file__).resolve().parent.parent)  # where the worker imports generator from
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
    found = TOKEN.findall(text.lower())
    if max(map(len, found), default=0) > LONGEST:
        return [word for word in found if len(word) <= LONGEST]
    return found


class Stems:
    """Snowball's English stems, each word stemmed once; each stem numbered (``names[n]``)."""

    def __init__(self) -> None:
        self._stemmer = snowballstemmer.stemmer("english")
        self.number: dict[str, int] = {}  # word -> its stem's number
        self.names: list[str] = []
        self._stems: dict[str, int] = {}  # stem -> its number

    def __call__(self, word: str) -> str:
        """The stem of ``word``."""
        return self.names[self.numbers([word])[word]]

    def numbers(self, found: list[str]) -> dict[str, int]:
        """The stem numbers of ``found``'s words (every word a key)."""
        number = self.number
        for word in set(found).difference(number):
            stem = self._stemmer.stemWord(word) or word
            if stem not in self._stems:
                self._stems[stem] = len(self.names)
                self.names.append(stem)
            number[word] = self._stems[stem]
        return number

    def counted(self, text: str) -> Counter[int]:
        """How many times each stem (by number) is in ``text``."""
        found = words(text)
        return Counter(map(self.numbers(found).__getitem__, found))


class _Postings:
    """Every (stem, paper, term-frequency byte), in paper order, encoded at the end in one pass.

    Held as 4 + 4 + 1 bytes a posting (12 million postings at 100,000 papers: 108 MB), and
    encoded with a few arrays of that length alive at once: the generator's process holds the
    whole catalog meanwhile.
    """

    def __init__(self) -> None:
        self.stem = array("i")
        self.paper = array("i")
        self.tf = array("B")

    def add(self, n: int, counts: dict[int, int]) -> None:
        self.stem.extend(counts.keys())
        self.paper.extend([n] * len(counts))
        self.tf.extend(counts.values())

    def encoded(self, names: list[str]) -> tuple[dict[str, tuple[int, tuple[int, int]]], bytes]:
        """Each stem's (number of papers, (start, end) in the bytes), and the bytes of every list,
        the lists in the order of their stems' names.

        Per stem, by paper: the gap to the previous paper minus one (the first: the paper's
        number) as a varint, then the term-frequency byte.
        """
        import numpy as np  # only when the index is written (a no-change build imports none of it)

        by_name = sorted(range(len(names)), key=lambda n: order(names[n]))
        rank = np.empty(len(names), dtype=np.int32)  # a stem's number -> its place by name
        rank[by_name] = np.arange(len(names), dtype=np.int32)
        stem = rank[np.frombuffer(self.stem, dtype=np.int32)]
        self.stem = array("i")
        ranked = np.argsort(stem, kind="stable")  # stems by name; papers stay ascending within one
        stem = stem[ranked]
        paper = np.frombuffer(self.paper, dtype=np.int32)[ranked]
        self.paper = array("i")
        tf = np.frombuffer(self.tf, dtype=np.uint8)[ranked]
        self.tf = array("B")
        del ranked
        first = np.ones(len(stem), dtype=bool)
        np.not_equal(stem[1:], stem[:-1], out=first[1:])
        gap = np.empty_like(paper)  # the first of a stem: its paper's number; then the gap - 1
        if len(paper):
            gap[0] = paper[0]
            np.subtract(paper[1:], paper[:-1], out=gap[1:])
            gap[1:] -= 1
            gap[first] = paper[first]
        del paper
        width = np.ones(len(gap), dtype=np.int8)  # bytes of each varint
        for bits in (7, 14, 21, 28):
            width += gap >= (1 << bits)
        start = np.zeros(len(gap) + 1, dtype=np.int64)
        np.cumsum(width, out=start[1:])
        start[1:] += np.arange(1, len(gap) + 1)  # and the term-frequency byte of each
        out = np.zeros(int(start[-1]), dtype=np.uint8)
        for k in range(int(width.max(initial=1))):
            has = np.flatnonzero(width > k)
            byte = (gap[has] >> (7 * k)) & 0x7F
            byte[width[has] > k + 1] |= 0x80
            out[start[has] + k] = byte
            del has, byte
        out[start[:-1] + width] = tf
        bounds = np.flatnonzero(np.append(first, True))  # each stem's first posting, and the end
        numbers = np.diff(bounds)
        places = {
            names[by_name[int(stem[a])]]: (int(n), (int(start[a]), int(start[b])))
            for a, b, n in zip(bounds[:-1], bounds[1:], numbers, strict=True)
        }
        return places, out.tobytes()


def _counts(fields: dict[str, str], stems: Stems, labels: dict[str, Counter[int]]) -> tuple[dict[int, int], int]:
    """The term-frequency byte of each stem (by number) of one paper, and the weighted length of
    its abstract and labels. ``labels`` keeps the counts of each labels text seen (papers share them)."""
    counts = stems.counted(fields["abstract"])
    label = labels.get(fields["labels"])
    if label is None:
        label = labels[fields["labels"]] = Counter(
            {s: t * LABEL_WEIGHT for s, t in stems.counted(fields["labels"]).items()}
        )
    counts.update(label)
    length = counts.total()
    if max(counts.values(), default=0) > MOST_TIMES:
        found = {stem: min(times, MOST_TIMES) for stem, times in counts.items()}
    else:
        found = dict(counts)
    for stem in stems.counted(fields["title"]):
        found[stem] = found.get(stem, 0) | TITLE
    return found, length


def order(stem: str) -> bytes:
    """The sort key of stems: JavaScript's string order (by UTF-16 code unit), so the browser
    finds a stem's bucket by comparing strings (Python's own order differs past U+FFFF)."""
    return stem.encode("utf-16-be", "surrogatepass")


def _buckets(stems: list[str]) -> Iterator[tuple[str, list[str]]]:
    """``stems`` (in ``order``) in runs of ``BUCKET_STEMS``, each named by its first stem: as many
    buckets as the vocabulary needs, however its words begin."""
    for start in range(0, len(stems), BUCKET_STEMS):
        yield stems[start], stems[start : start + BUCKET_STEMS]


def rows(catalog: Catalog) -> Iterator[bytes]:
    """Each paper's ``page_fields`` as one line of JSON, in catalog order: what the stamp digests
    and what the worker (``main``) reads."""
    for paper in catalog.papers:
        yield json.dumps(page_fields(paper, catalog)).encode() + b"\n"


def _read_rows(lines: Iterable[bytes]) -> Iterator[dict[str, str]]:
    for line in lines:
        fields = plain.mapping(json.loads(line))
        if set(fields) != FIELDS or not all(type(v) is str for v in fields.values()):
            raise plain.Invalid("expected a paper's search fields")
        yield fields


def bundle_files(catalog: Catalog) -> Iterator[tuple[str, bytes]]:
    """Every file of the bundle of ``catalog`` (see ``bundle``)."""
    return bundle(_read_rows(rows(catalog)))


def bundle(fields_of: Iterable[dict[str, str]]) -> Iterator[tuple[str, bytes]]:
    """Every file of the bundle of the papers whose ``page_fields`` are ``fields_of`` (in order), by path relative
    to it, ``index.json`` last (its version digests the others); each fragment as its paper
    comes, so they are never all held."""
    stems = Stems()
    labels: dict[str, Counter[int]] = {}
    postings = _Postings()
    version = hashlib.sha256()

    def made(relpath: str, data: bytes) -> tuple[str, bytes]:
        version.update(relpath.encode() + b"\0" + hashlib.sha256(data).digest())
        return relpath, data

    lengths = bytearray()
    total = 0
    count = 0
    for n, fields in enumerate(fields_of):
        counts, length = _counts(fields, stems, labels)
        postings.add(n, counts)
        lengths.append(min(255, -(-length // 4)))
        total += length
        fragment = {
            "url": fields["url"],
            "title": fields["title"],
            "topics": fields["topics"],
            "text": fields["abstract"],
        }
        yield made(f"f/{n}.json", _json(fragment))
        count = n + 1
    yield made("lengths.bin", bytes(lengths))
    places, data = postings.encoded(stems.names)
    del postings
    buckets: list[list[Any]] = []
    opened = 0  # where the open postings file starts in ``data``
    file = 0
    for k, (first, members) in enumerate(_buckets(sorted(places, key=order))):
        vocabulary = []
        for stem in members:
            papers, (start, end) = places[stem]
            if start > opened and end - opened > POSTINGS_BYTES:
                yield made(f"p/{file}.bin", data[opened:start])
                opened, file = start, file + 1
            vocabulary.append([stem, papers, file, start - opened, end - start])
        yield made(f"v/{k}.json", _json(vocabulary))
        buckets.append([first, k])
    if len(data) > opened:
        yield made(f"p/{file}.bin", data[opened:])
    index = {
        "format": FORMAT,
        "papers": count,
        "average": round(total / count / 4, 3) if count else 0,
        "buckets": buckets,
        "version": version.hexdigest()[:16],
    }
    yield "index.json", _json(index)


def _json(value: object) -> bytes:
    return json.dumps(value, ensure_ascii=False, separators=(",", ":")).encode("utf-8")


def stamp(catalog: Catalog) -> str:
    """A digest of everything the bundle is written from: our code and every paper's fields, in order."""
    digest = hashlib.sha256(code_version() + metadata.version("snowballstemmer").encode())
    for row in rows(catalog):
        digest.update(row)
    return digest.hexdigest()


def write_search_index(catalog: Catalog, directory: Path) -> bool:
    """The bundle of ``catalog`` in ``directory`` (``build/search``); True when it was (re)written.

    ``start_search_index`` and, when it started a worker, its ``finish``.
    """
    writing = start_search_index(catalog, directory)
    if writing is None:
        return False
    with writing:
        writing.finish()
    return True


def start_search_index(catalog: Catalog, directory: Path) -> Writing | None:
    """None when ``directory`` (``build/search``) holds the whole bundle of ``catalog`` (``intact``);
    else the bundle being written, beside the caller, by a worker process (``main``).

    The worker reads the papers' fields from a file (``rows``) and writes the bundle into a new
    directory beside ``directory``, swapped in by ``Writing.finish``: a killed build leaves the
    old bundle or the new, and its leftovers (``search.new-*``, ``search.old-*``) are removed
    by the next build. The build renders the pages meanwhile, on the other core.
    """
    parent = directory.parent
    leftovers = sorted(parent.glob(f"{directory.name}.new-*")) + sorted(parent.glob(f"{directory.name}.old-*"))
    for leftover in [*leftovers, parent / f"{directory.name}-lexicon"]:  # and a former layout's lexicon
        _remove(leftover)
    wanted = stamp(catalog)
    if intact(directory, wanted):
        return None
    fresh = Path(tempfile.mkdtemp(prefix=f"{directory.name}.new-", dir=parent))
    papers = Path(f"{fresh}.rows")
    try:
        with open(papers, "xb") as handle:
            handle.writelines(rows(catalog))
        command = module_command(WORKER, str(papers), str(fresh))
        environment = {
            **os.environ,
            "PYTHONPATH": os.pathsep.join(filter(None, [PACKAGE_ROOT, os.environ.get("PYTHONPATH")])),
        }
        worker = subprocess.Popen(
            command, stdin=subprocess.DEVNULL, stdout=subprocess.PIPE, stderr=subprocess.PIPE, env=environment
        )
    except BaseException:
        _remove(papers)
        _remove(fresh)
        raise
    return Writing(directory, wanted, fresh, papers, worker)


class Writing:
    """A bundle being written by a worker (``start_search_index``): ``finish`` waits for it and
    swaps it in; leaving the ``with`` block unfinished kills it and removes its files."""

    def __init__(self, directory: Path, wanted: str, fresh: Path, papers: Path, worker: subprocess.Popen[bytes]):
        self.directory, self.wanted, self.fresh, self.papers, self.worker = directory, wanted, fresh, papers, worker

    def __enter__(self) -> Writing:
        return self

    def __exit__(self, *_: object) -> None:
        if self.worker.poll() is None:
            self.worker.kill()
            self.worker.communicate()
        _remove(self.papers)
        _remove(self.fresh)

    def finish(self) -> None:
        """Wait for the worker; the bundle it wrote, stamped, in place of ``directory``'s.

        A worker that failed is one problem naming the last line it printed (its traceback's).
        """
        out, err = self.worker.communicate()
        _remove(self.papers)
        written = out.decode(errors="replace").split()
        if self.worker.returncode != 0 or len(written) != 2 or not all(w.isdigit() for w in written):
            lines = err.decode(errors="replace").strip().splitlines() or [f"exit status {self.worker.returncode}"]
            message = f"the search index was not written: {lines[-1][:500]}"
            raise BuildError([Problem(str(self.directory), 1, message)])
        count, size = written
        create_file(str(self.fresh / STAMP), f"{self.wanted}\n{count} {size}\n".encode())
        os.chmod(self.fresh, 0o755)  # noqa: S103 - a directory of the public site's files
        parent, name = self.directory.parent, self.directory.name
        old = Path(tempfile.mkdtemp(prefix=f"{name}.old-", dir=parent))
        if self.directory.is_symlink() or self.directory.exists():
            os.replace(self.directory, old / name)
        os.replace(self.fresh, self.directory)
        _remove(old)


def main(argv: list[str]) -> int:
    """The worker: ``python -m generator.search ROWS DIRECTORY`` writes the bundle of the papers
    in ROWS (``rows``) into the empty DIRECTORY and prints how many files and bytes it wrote."""
    papers, fresh = argv
    count = size = 0
    made: set[str] = set()  # the directories made so far (f/, p/, v/)
    with open(papers, "rb") as lines:
        for relpath, data in bundle(_read_rows(lines)):
            path = f"{fresh}/{relpath}"
            make_dirs(os.path.dirname(path), fresh, made)
            create_file(path, data)  # 0644, whatever the umask
            count, size = count + 1, size + len(data)
    print(count, size)
    return 0


def intact(directory: Path, wanted: str) -> bool:
    """Whether ``directory`` (a directory, not a link) holds the bundle its stamp names, whole: a
    stamp of ``wanted`` and as many regular files of as many bytes as were written (one stat per
    file; a file removed, cut or replaced by a link is seen)."""
    if directory.is_symlink():
        return False
    try:
        lines = read_bytes(directory / STAMP).decode().split("\n")  # a regular file, no link followed
    except (OSError, UnicodeDecodeError):
        return False
    if len(lines) != 3 or lines[0] != wanted:
        return False
    count = size = 0
    for root, dirs, names in os.walk(directory):
        for name in dirs + names:
            info = os.lstat(os.path.join(root, name))
            if stat.S_ISLNK(info.st_mode) or not (stat.S_ISDIR(info.st_mode) or stat.S_ISREG(info.st_mode)):
                return False
            if stat.S_ISREG(info.st_mode) and not (root == str(directory) and name == STAMP):
                count, size = count + 1, size + info.st_size
    return lines[1] == f"{count} {size}"


def _remove(path: Path) -> None:
    if path.is_symlink() or path.is_file():
        path.unlink(missing_ok=True)
    elif path.exists():
        shutil.rmtree(path)


def copy_bundle(directory: Path, site: Path) -> None:
    """The bundle in ``directory`` into ``site`` as ``BUNDLE``: each file linked (never changed in
    place: a new bundle is a new directory), or copied across file systems; no link followed."""
    if directory.is_symlink():  # write_search_index replaces one: never reached through a link
        raise BuildError([Problem(str(directory), 1, "the search index is a link, not a directory of the build")])
    target = site / BUNDLE
    _remove(target)  # whatever is there (a copy ``make serve`` left): the site holds this bundle only
    for root, dirs, names in os.walk(directory):
        dirs.sort()
        relative = Path(root).relative_to(directory)
        make_dirs(target / relative, site)
        for name in sorted(names):
            if relative == Path(".") and name == STAMP:
                continue
            source, destination = os.path.join(root, name), target / relative / name
            if not stat.S_ISREG(os.lstat(source).st_mode):  # a link or anything planted: not ours
                continue
            try:
                os.link(source, destination, follow_symlinks=False)
            except OSError:
                shutil.copyfile(source, destination, follow_symlinks=False)
                os.chmod(destination, 0o644)  # as the linked files are, whatever the umask


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
