"""The record of files a build wrote (``WrittenFiles``): what lets a rebuild skip a page it
would write the same, without rendering it or reading it back. Kept as a cache file
(``cache.load``/``cache.save``: JSON, type-checked, discarded whole when anything is off).
"""

from __future__ import annotations

import contextlib
import hashlib
import os
from pathlib import Path
from typing import Any

from .cache import load, save
from .output import create_file, make_dirs, read_bytes, write_bytes_if_changed
from .plaindata import Invalid, listed, mapping, texts


def _content_digest(data: bytes) -> str:
    return hashlib.blake2b(data, digest_size=20).hexdigest()


_Written = tuple[str, int, int, int, int, str]  # key, size, mtime_ns, ctime_ns, inode, digest of the bytes


def encode_written(entries: dict[str, _Written]) -> dict[str, list[Any]]:
    """Column by column: JSON of 10,000 short lists parses at half the speed of four long ones."""
    return {
        "names": list(entries),
        "keys": [entry[0] for entry in entries.values()],
        "stats": [number for entry in entries.values() for number in entry[1:5]],
        "digests": [entry[5] for entry in entries.values()],
    }


def decode_written(value: Any) -> dict[str, _Written]:
    """What ``encode_written`` wrote, every column checked; Invalid if anything else."""
    columns = mapping(value)
    if set(columns) != {"names", "keys", "stats", "digests"}:
        raise Invalid("not a record of written files")
    names, keys, stats, digests = (listed(columns[c]) for c in ("names", "keys", "stats", "digests"))
    if not (len(names) == len(keys) == len(digests) and len(stats) == 4 * len(names)):
        raise Invalid("columns of different lengths")
    for column in (names, keys, digests):
        texts(column)
    if not all(type(n) is int for n in stats):
        raise Invalid("a stat that is no whole number")
    numbers = iter(stats)
    return dict(zip(names, zip(keys, numbers, numbers, numbers, numbers, digests, strict=True), strict=True))


class WrittenFiles:
    """What a build wrote into a directory: for each file, the key it was written under and its stat.

    A page's key names everything its text depends on (render.Page). A file found with the
    key, size, times and inode recorded when it was written still holds the bytes written
    then, so a rebuild neither renders it again nor reads it back: this is what makes a
    no-change rebuild of 10,000 pages cheap. Editing, replacing or deleting a file by hand
    changes its ctime (which no tool can set back) or its inode.

    A file whose stat differs but whose size matches is read once, and its bytes compared with
    the recorded digest: the same bytes mean the page is current, and its new stat is recorded
    (and saved) so the next build trusts it without reading. This is what a CI cache restore
    leaves (actions/cache unpacks ``build/`` with new inodes and times): one read per page
    instead of a render and a write. Other bytes, or another size, and the page is rendered.

    Timestamps are coarse (one clock tick, a few ms): a file whose ctime is not older than the
    record's own file may have been edited in the tick it was written, so its bytes are
    compared with the recorded digest too (what git calls "racily clean").
    """

    KIND = "written files"

    def __init__(self, path: Path) -> None:
        self.path = path
        self._saved_ns = 0
        with contextlib.suppress(OSError):
            self._saved_ns = os.stat(path).st_ctime_ns
        self._old = load(path, self.KIND, decode_written, long_lived=False)  # loaded while rendering
        self._new: dict[str, _Written] = {}
        self._checked: set[str] = set()  # directories make_dirs has made or checked (output.make_dirs)

    def unchanged(self, name: str, path: str | Path, key: bytes) -> bool:
        """Whether ``path`` still holds what was written there as ``name`` under ``key``."""
        entry = self._old.get(name)
        if entry is None or entry[0] != key.hex():
            return False
        try:
            info = os.stat(path)
        except OSError:
            return False
        found = (info.st_size, info.st_mtime_ns, info.st_ctime_ns, info.st_ino)
        if found == entry[1:5] and info.st_ctime_ns < self._saved_ns:
            self._new[name] = entry  # the warm path: no read
            return True
        # Racily clean (ctime not older than the record), or restored, touched or copied (same
        # size, other times or inode): the bytes decide, and their new stat is recorded.
        if info.st_size != entry[1]:
            return False
        try:
            if _content_digest(read_bytes(path)) != entry[5]:
                return False
        except OSError:
            return False
        self._new[name] = (entry[0], *found, entry[5])
        return True

    def write(self, name: str, path: str | Path, key: bytes, content: str) -> bool:
        """Write ``content`` to ``path`` unless it holds those bytes already; record it as ``name`` under ``key``.

        ``path`` is ``name`` below the directory written into: no directory between them may be
        a symlink (``output.make_dirs``). A file no build recorded is created in place
        (``output.create_file``) unless something is at its name already.
        """
        data = content.encode("utf-8")
        target = os.fspath(path)
        if not target.endswith("/" + name):
            raise ValueError(f"{target} is not {name} below the directory written into")
        make_dirs(target[: target.rfind("/")], target[: -len(name) - 1], self._checked)
        info = create_file(target, data) if name not in self._old else None
        written = True
        if info is None:
            written = write_bytes_if_changed(Path(target), data)
            info = os.stat(target)
        self._new[name] = (
            key.hex(),
            info.st_size,
            info.st_mtime_ns,
            info.st_ctime_ns,
            info.st_ino,
            _content_digest(data),
        )
        return written

    def save(self) -> None:
        """Write the record of the files checked or written since loading, if it changed."""
        if self._new != self._old:
            save(self.path, self.KIND, encode_written(self._new))
            self._old = dict(self._new)
