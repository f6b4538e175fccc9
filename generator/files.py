"""The one way to read an input file: regular files only, inside ``content/``, bounded.

Records, the taxonomy, the sources manifest, dumps and hand-written pages arrive in pull
requests, and git commits symlinks: ``content/papers/x.yml`` may point at
``/proc/self/environ``, at the checkout's ``.git/config`` (which holds the CI token) or at
``/dev/zero``. A checkout may also hold a FIFO, a socket or a directory where a file belongs.
Every read of content goes through this module:

- Under a content root, a path that resolves outside the root (a symlink as the file, or
  anywhere on its way, the root itself included) is refused. A symlink that stays inside
  the root is followed. Without a root (``parse FILE...`` names files anywhere) nothing is
  contained, but everything else holds.
- Only regular files are read. The type is checked before anything is opened (``lstat``, or
  the type the directory listing already gave), so a device is never opened; the file is
  opened with ``O_NONBLOCK`` (a FIFO swapped in meanwhile cannot hang the open) and
  ``O_NOFOLLOW`` (nor can a symlink), and the open descriptor is checked again (``fstat``)
  before a byte is read.
- Reads are bounded by a documented size per kind (``RECORD``, ``TAXONOMY``, ...): a larger
  file is refused from its size, and a file that reads longer than its size claims is cut off
  at the bound, so memory stays bounded whatever the file. Dumps are streamed line by line;
  their bound (1 GiB) only keeps a runaway file from costing minutes.

A refusal raises ``Refused``, an ``OSError``, so every ``except OSError`` that reports an
unreadable file reports it; ``unreadable`` turns either into one ``Problem`` on line 1.

Cost: a file from ``list_dir`` takes the syscalls of a bare read (open, fstat, read, close:
the fstat's size saves the read that finds the end; the listing's own file types stand for
the ``lstat``); any other file an ``lstat`` more and, under a root, a ``realpath`` of its
directories (tens of microseconds: a handful of files per build).
"""

from __future__ import annotations

import errno
import hashlib
import os
import stat
from dataclasses import dataclass
from pathlib import Path
from typing import BinaryIO

from .problems import Problem


@dataclass(frozen=True)
class Kind:
    """What a file is, for messages, and the most bytes read from one (None: no bound)."""

    name: str
    limit: int | None


MIB = 1 << 20
RECORD = Kind("record", MIB)  # the longest seed abstract is 3 KB; 1 MiB is a book
TAXONOMY = Kind("taxonomy", 4 * MIB)
MANIFEST = Kind("sources manifest", 4 * MIB)
PAGE = Kind("hand-written page", MIB)
DUMP = Kind("dump", 1024 * MIB)  # streamed; 10,000 papers take about 15 MB
ANY = Kind("file", None)  # our own files under build/

_CHUNK = MIB
_OPEN_FLAGS = os.O_RDONLY | os.O_NONBLOCK | os.O_CLOEXEC | getattr(os, "O_NOFOLLOW", 0)
_TYPES = {
    stat.S_IFDIR: "a directory",
    stat.S_IFIFO: "a FIFO",
    stat.S_IFSOCK: "a socket",
    stat.S_IFCHR: "a character device",
    stat.S_IFBLK: "a block device",
    stat.S_IFLNK: "a symlink",
}

# Directory -> (content root, names of the regular files a listing found there). A name in
# here was seen as a regular file inside the root when the directory was last listed, so
# reading it needs no lstat or realpath: O_NOFOLLOW and the fstat catch a swap since.
_listed: dict[str, tuple[str, frozenset[str]]] = {}


class Refused(OSError):
    """A file this module will not read; its text is the problem's message."""

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message

    def __str__(self) -> str:
        return self.message


def unreadable(path: str | Path, exc: OSError, what: str = "") -> Problem:
    """One problem for a file that could not be read: the refusal, or ``cannot read<what>: <why>``."""
    if isinstance(exc, Refused):
        return Problem(str(path), 1, exc.message)
    return Problem(str(path), 1, f"cannot read{what}: {exc.strerror or exc}")


def _require_regular(mode: int) -> None:
    if not stat.S_ISREG(mode):
        raise Refused(f"refused: not a regular file ({_TYPES.get(stat.S_IFMT(mode), 'a special file')})")


def _too_big(kind: Kind) -> Refused:
    limit = kind.limit or 0
    size = f"{limit // MIB} MiB" if limit % MIB == 0 else f"{limit} bytes"
    return Refused(f"refused: larger than {size}, the most a {kind.name} may hold")


def _boundary(root: Path) -> str:
    """The real path of the content root, which must itself be no symlink."""
    real = os.path.realpath(root)
    if real != os.path.join(os.path.realpath(root.parent), root.name):
        raise Refused(f"refused: {root.name}/ is a symlink; it must be a directory of the repository")
    return real


def _inside(real: str, boundary: str) -> bool:
    return real == boundary or real.startswith(boundary + os.sep)


def _resolve(name: str, root: Path | None) -> str:
    """The path to open, checked before anything is opened: inside ``root``, a regular file."""
    mode = os.lstat(name).st_mode
    if stat.S_ISLNK(mode) or root is not None:
        real = os.path.realpath(name)
        if root is not None and not _inside(real, _boundary(root)):
            how = "a symlink to a file" if stat.S_ISLNK(mode) else "reached through a symlink that leads"
            raise Refused(f"refused: {how} outside {root.name}/")
        if stat.S_ISLNK(mode):
            name, mode = real, os.stat(real).st_mode
    _require_regular(mode)
    return name


def _open(path: str | Path, kind: Kind, root: Path | None) -> tuple[int, int]:
    """An open descriptor of a checked regular file no larger than ``kind`` allows, and its size."""
    name = os.fspath(path)
    directory, _, base = name.rpartition(os.sep)
    listed = _listed.get(directory)
    checked = root is not None and listed is not None and base in listed[1] and listed[0] == str(root)
    if not checked:
        name = _resolve(name, root)
    try:
        fd = os.open(name, _OPEN_FLAGS)
    except OSError as exc:
        if not (checked and exc.errno == errno.ELOOP):
            raise
        fd = os.open(_resolve(name, root), _OPEN_FLAGS)  # a listed file became a symlink
    try:
        status = os.fstat(fd)
        if not stat.S_ISREG(status.st_mode):
            _require_regular(status.st_mode)
        if kind.limit is not None and status.st_size > kind.limit:
            raise _too_big(kind)
    except BaseException:
        os.close(fd)
        raise
    return fd, status.st_size


def read_bytes(path: str | Path, kind: Kind, root: Path | None = None) -> bytes:
    """The bytes of a regular file (inside ``root`` when given), at most ``kind.limit`` of them.

    Unbuffered, and in one read when the file holds what ``fstat`` said: a build reads every
    record, and this costs the syscalls a bare read does (open, fstat, read, close instead of
    open, read, read-to-EOF, close). Raises OSError (``Refused`` for what this module will not read).
    """
    fd, size = _open(path, kind, root)
    try:
        data = os.read(fd, size + 1)
        if len(data) == size:  # a short read of a regular file is its end
            return data
        chunks = [data]  # it grew, a signal cut the read, or it does not know its size (/proc)
        total = len(data)
        while True:
            if kind.limit is not None and total > kind.limit:
                raise _too_big(kind)
            if not (chunk := os.read(fd, _CHUNK)):
                return b"".join(chunks)
            chunks.append(chunk)
            total += len(chunk)
    finally:
        os.close(fd)


def read_text(path: str | Path, kind: Kind, root: Path | None = None) -> str:
    """``read_bytes`` decoded as UTF-8 with newlines translated, as ``Path.read_text`` reads.

    Raises OSError, or UnicodeDecodeError for bytes that are not UTF-8.
    """
    text = read_bytes(path, kind, root).decode("utf-8")
    return text.replace("\r\n", "\n").replace("\r", "\n") if "\r" in text else text


def open_stream(path: str | Path, kind: Kind = DUMP, root: Path | None = None) -> BinaryIO:
    """A buffered binary file object for streaming a checked regular file line by line.

    The size is checked when the file is opened; a file under ``content/`` does not grow.
    """
    return os.fdopen(_open(path, kind, root)[0], "rb")


def digest(path: str | Path, kind: Kind, root: Path | None = None) -> bytes:
    """A digest of a file's bytes read in chunks: a cache key for a dump without holding it all."""
    hasher = hashlib.blake2b(digest_size=20)
    with open_stream(path, kind, root) as handle:
        while chunk := handle.read(_CHUNK):
            hasher.update(chunk)
    return hasher.digest()


def list_dir(directory: Path, suffixes: tuple[str, ...], root: Path) -> list[Path]:
    """The entries of ``directory`` whose names end in one of ``suffixes``, sorted by name.

    Nothing is skipped: a directory, FIFO or symlink named like a record is listed too, and
    reading it refuses it with its reason, so the caller reports it where it reports any
    unreadable file. The regular files found are remembered, so reading them costs no
    further check. A missing directory lists nothing.
    """
    key = str(directory)
    _listed.pop(key, None)
    try:
        with os.scandir(directory) as entries:
            # DirEntry.is_file(follow_symlinks=False) is the type getdents gave: no stat.
            found = [(e.name, e.is_file(follow_symlinks=False)) for e in entries if e.name.endswith(suffixes)]
    except (FileNotFoundError, NotADirectoryError):
        return []
    try:
        inside = _inside(os.path.realpath(directory), _boundary(root))
    except Refused:
        inside = False
    if inside:  # else every read of an entry refuses it, through _resolve
        _listed[key] = (str(root), frozenset(name for name, regular in found if regular))
    return [directory / name for name in sorted(name for name, _ in found)]
