"""What a build keeps under ``build/`` to skip work next time: data only, checked on load.

A cache is a JSON file of plain values: strings, whole numbers, lists, mappings, ``null``.
Each kind of cache has a ``Codec`` that turns its values into that and back, checking every
field's type while it builds the value again (plaindata.py). Loading never runs code (no pickle), and a
file that is not exactly what this code would have written (another format or code
version, truncated, corrupt, wrong types, not a regular file, planted by hand) is
discarded whole: the build then recomputes everything it held, silently. Silently, because
a cache changes no output: a build with a discarded cache prints and writes what a build
with a fresh one does. ``build/`` is ignored by git (tests/test_cache.py checks that nothing
under it is tracked), so a checkout never starts with a cache it did not write.
"""

from __future__ import annotations

import contextlib
import functools
import gc
import hashlib
import json
import os
import stat
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any, Generic, TypeVar

from .output import write_bytes_atomic
from .plaindata import (
    Codec,
    Invalid,
    count,
    day,
    decode_problems,
    digest,
    encode_day,
    encode_problem,
    items,
    listed,
    mapping,
    restore,
    text,
    texts,
    whole,
)

T = TypeVar("T")
FORMAT = 1  # bump when the layout of the files changes
MAX_BYTES = 1 << 30  # a cache of 100,000 papers is ~200 MB; anything past this is not ours
# The codecs' building blocks live in plaindata.py; the codecs (codecs.py, catalog.py) take them
# from here (``cache.text``, ``cache.Codec``...): one name for what a cache may hold.
__all__ = [
    "FORMAT",
    "MAX_BYTES",
    "Codec",
    "FileCache",
    "Invalid",
    "cache_key",
    "code_version",
    "count",
    "day",
    "decode_problems",
    "digest",
    "encode_day",
    "encode_problem",
    "items",
    "keyed",
    "listed",
    "load",
    "long_lived_frozen",
    "mapping",
    "restore",
    "save",
    "text",
    "texts",
    "whole",
]
_BROKEN = (OSError, ValueError, TypeError, KeyError, RecursionError, MemoryError)


@functools.cache
def code_version() -> bytes:
    """A digest of the generator's source files: a new parser makes old cache entries unusable."""
    digest = hashlib.blake2b(digest_size=20)
    for source in sorted(Path(__file__).parent.glob("*.py")):
        digest.update(source.name.encode() + b"\0" + source.read_bytes())
    return digest.digest()


def cache_key(path: Path | str, data: bytes, *extra: str) -> str:
    """A hex digest of the generator's code, a file's path, its bytes and ``extra``."""
    digest = hashlib.blake2b(code_version(), digest_size=20)
    for part in (str(path), *extra):
        digest.update(part.encode("utf-8", "surrogateescape") + b"\0")
    digest.update(data)
    return digest.hexdigest()


# --- files ------------------------------------------------------------------------------------


def _read_own(path: Path) -> bytes:
    """The bytes of a cache file; OSError or Invalid unless it is a regular file of a sane size.

    Not a symlink (``O_NOFOLLOW``: a link to /dev/zero or a secret is not read), not a FIFO
    (``O_NONBLOCK``: opening does not wait for a writer).
    """
    fd = os.open(path, os.O_RDONLY | os.O_NOFOLLOW | os.O_NONBLOCK | os.O_CLOEXEC)
    try:
        info = os.fstat(fd)
        if not stat.S_ISREG(info.st_mode) or info.st_size > MAX_BYTES:
            raise Invalid("not a regular file of a cache's size")
        chunks = []
        size = 0
        while size <= MAX_BYTES and (chunk := os.read(fd, 1 << 22)):
            chunks.append(chunk)
            size += len(chunk)
        if size > MAX_BYTES:  # grew while read
            raise Invalid("too large")
        return b"".join(chunks)
    finally:
        os.close(fd)


def load(path: Path, kind: str, decode: Callable[[Any], dict[str, T]], long_lived: bool = True) -> dict[str, T]:
    """The entries of the cache file at ``path``, as ``decode`` makes them; empty if anything is wrong.

    The collector is paused meanwhile; with ``long_lived`` the result is also kept out of its
    way (see ``_loading_long_lived``), which is not for use inside ``long_lived_frozen``.
    """
    with contextlib.suppress(*_BROKEN), _loading_long_lived(long_lived):
        document = json.loads(_read_own(path))
        if type(document) is not dict or set(document) != {"format", "kind", "code", "entries"}:
            raise Invalid("not a cache")
        if (document["format"], document["kind"], document["code"]) != (FORMAT, kind, code_version().hex()):
            raise Invalid("another format, kind or code version")
        return decode(document["entries"])
    return {}


def save(path: Path, kind: str, entries: dict[str, Any]) -> None:
    """Write encoded ``entries`` atomically, with the header ``load`` checks.

    A cache that cannot be written costs the next build time, nothing else: no error.
    """
    document = {"format": FORMAT, "kind": kind, "code": code_version().hex(), "entries": entries}
    data = json.dumps(document, ensure_ascii=True, separators=(",", ":"), allow_nan=False, check_circular=False)
    with contextlib.suppress(OSError):
        write_bytes_atomic(path, data.encode("ascii"))


def keyed(decode: Callable[[Any], T]) -> Callable[[Any], dict[str, T]]:
    """Decode a mapping of cache keys (``cache_key``) to values ``decode`` takes."""
    return lambda entries: {digest(key): decode(value) for key, value in mapping(entries).items()}


class FileCache(Generic[T]):
    """What a stage computed from some input, keyed by a digest of it (``cache_key``).

    Entries not used by a run are dropped when it saves, so the file holds what the last
    build needed and no more.
    """

    def __init__(self, path: Path, codec: Codec[T]) -> None:
        self.path = path
        self.codec = codec
        self._old = load(path, codec.kind, keyed(codec.decode))
        self._new: dict[str, T] = {}
        self._changed = False

    def get(self, key: str) -> T | None:
        """The cached value, or None."""
        if key in self._new:
            return self._new[key]
        if key in self._old:
            self._new[key] = self._old[key]
            return self._new[key]
        return None

    def put(self, key: str, value: T) -> None:
        self._new[key] = value
        self._changed = True

    def save(self) -> None:
        """Write the entries used since loading, if anything differs from what was loaded."""
        if not self._changed and len(self._new) == len(self._old):
            return
        encode = self.codec.encode
        save(self.path, self.codec.kind, {key: encode(value) for key, value in self._new.items()})
        self._old, self._changed = dict(self._new), False


@contextlib.contextmanager
def _loading_long_lived(move_to_oldest: bool = True) -> Iterator[None]:
    """Make objects that live to the end of the build (a loaded cache) without the collector
    walking them again and again.

    Loading a cache creates hundreds of thousands of objects, none of them garbage, yet each
    batch of allocations sets off a collection that walks them all again: the collector is
    paused meanwhile (half the time to load the record cache of 10,000 papers). Then the new
    objects go straight to the oldest generation, unexamined (``gc.freeze`` then
    ``gc.unfreeze`` moves every tracked object there): left in the youngest, the first
    collection after loading would walk them all once more (0.1-0.4 s at 10,000 papers).
    Not for use inside ``long_lived_frozen``, whose objects this would unfreeze: there, pass
    ``move_to_oldest=False`` to pause the collector only.
    """
    enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if move_to_oldest:
            gc.freeze()
            gc.unfreeze()
        if enabled:
            gc.enable()


@contextlib.contextmanager
def long_lived_frozen() -> Iterator[None]:
    """Everything alive on entry is left out of cyclic garbage collection until exit (gc.freeze).

    A build keeps what it loaded (caches, records, the catalog) to its end. A phase that makes
    many small objects sets off full collections, and each walks all of that again: two took
    0.25 s of a no-change rebuild's render at 10,000 papers. Frozen objects are still freed by
    reference counting; a cycle among them waits for the exit. Not reentrant: the exit
    unfreezes everything.
    """
    gc.freeze()
    try:
        yield
    finally:
        gc.unfreeze()
