"""The one writer of every file a command makes: records, pages, the search index, caches, site files.

Every output is written the same way, so each property holds everywhere by construction:

- atomic: through a temp file and a rename, a reader (MkDocs, a browser, the next build) sees
  the old bytes or the new, never half;
- compared before written: a file that already holds the bytes is not touched, so its
  timestamps and inode stay (the record of written files, ``written.WrittenFiles``, relies on
  that, and so does a no-change build's ``site/``);
- no planted link followed: the temp file is created afresh (``O_EXCL | O_NOFOLLOW``), and
  the rename replaces a link at the target's name instead of writing through it. Below an
  output directory (``root``: ``build/docs``, the search index's new directory), every directory on the way
  is made and checked by ``make_dirs``: a symlinked directory planted there (which
  ``mkdir(parents=True)`` and every write would follow) stops the build with one problem line.

What is written otherwise, and why:

- A page the record of written files has never seen (a cold build's 10,000 docs, the search
  index's files) is created at its final name (``create_file``: ``O_CREAT | O_EXCL | O_NOFOLLOW``;
  if anything, even a link, is at the name, it is written the atomic way above instead). Not
  atomic: a build killed mid-write leaves a partial file with no record, which the next
  build compares and writes again; nothing reads it before (MkDocs runs after every page is
  written, and a failed build publishes nothing).
- MkDocs writes ``site/`` itself, into a fresh staging directory
  (``tempfile.mkdtemp``: a new name, mode 0700, nothing planted in it); ``publish`` swaps it in whole.
- The search index (``search.start_search_index``) is written whole into a fresh directory
  (``mkdtemp``) beside ``build/search`` with ``create_file`` by a worker process (``search.main``),
  its input rows in a file opened ``O_EXCL`` beside it, and swapped in with two renames;
  ``search.copy_bundle`` hard-links its files into the staging site (never changed in place:
  the next index is a new directory), copying across file systems, skipping links.
- ``make serve`` copies the last built bundle into MkDocs' serve directory
  (``mkdocs_hooks.on_post_build``, ``copytree(symlinks=True)``: links are copied as links, never
  followed); a development server's temp directory, never published.
- ``build.py`` makes ``build/`` (its lock) and the site's parent with plain ``mkdir``: those are
  the roots themselves, which a user may well make links (build/ on another disk).
"""

from __future__ import annotations

import contextlib
import hashlib
import os
import stat
from collections.abc import Iterable
from pathlib import Path

from . import files
from .problems import BuildError, Problem


def write_if_changed(path: Path, text: str, root: Path | str | None = None) -> bool:
    """Write ``text`` as UTF-8, atomically, and only when the bytes differ; True when written.

    With ``root``, the directories between it and ``path`` are made and checked (``make_dirs``).
    """
    return write_bytes_if_changed(path, text.encode("utf-8"), root)


def write_bytes_if_changed(path: Path, data: bytes, root: Path | str | None = None) -> bool:
    """``write_if_changed`` for bytes."""
    if root is not None:
        make_dirs(path.parent, root)  # before the read too: nothing read through a planted link
    try:
        if files.read_bytes(path, files.ANY) == data:
            return False
    except OSError:
        pass
    write_bytes_atomic(path, data)
    return True


def read_bytes(path: str | Path) -> bytes:
    """The bytes of one of our own files (under ``build/``): a regular file, unbuffered.

    Raises OSError as ``Path.read_bytes`` does (``files.read_bytes`` with no root or bound).
    """
    return files.read_bytes(path, files.ANY)


def write_bytes_atomic(path: Path, data: bytes, root: Path | str | None = None) -> None:
    """Write through a temp file and a rename: a reader sees the old bytes or the new, never half."""
    if root is not None:
        make_dirs(path.parent, root)
    elif not path.parent.is_dir():
        path.parent.mkdir(parents=True, exist_ok=True)
    # One writer per file at a time (builds hold a lock), so a temp name of our own is enough:
    # cheaper than mkstemp's random names when a first ingest writes 10,000 records.
    tmp = path.with_name(f".{path.name}.{os.getpid()}.tmp")
    # The temp file is created afresh, never opened if it exists: a symlink planted under its
    # name (build/ is writable by whatever runs in the checkout) would otherwise be followed
    # and its target overwritten, then renamed into place as the output. A stale one is
    # removed first (a killed writer that had this pid; unlink removes a link, not its target).
    with contextlib.suppress(FileNotFoundError):
        os.unlink(tmp)
    fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_EXCL | os.O_NOFOLLOW | os.O_CLOEXEC, 0o644)
    try:
        with os.fdopen(fd, "wb") as handle:
            os.fchmod(handle.fileno(), 0o644)  # whatever the umask, as before
            handle.write(data)
        os.replace(tmp, path)
    except BaseException:
        tmp.unlink(missing_ok=True)
        raise


def create_file(path: str, data: bytes) -> os.stat_result | None:
    """Create ``path`` holding ``data`` when nothing is at its name; its stat, or None when something is.

    For a file its writer's record says no build wrote (``written.WrittenFiles``), in a
    directory ``make_dirs`` checked: every page of a cold build. Nothing is there to keep or
    compare, so no read, no temp file and no rename (a third of the writes' system time at
    10,000 pages). ``O_EXCL | O_NOFOLLOW``: a file or link found at the name (even a dangling
    one) is never opened, and the caller falls back to ``write_bytes_if_changed``. A reader
    during the write could see part of the file; none runs then (builds hold a lock; MkDocs
    starts after the pages are written), and a write cut short is removed or, if
    the process was killed, found by the next build as a file with no record, compared and
    rewritten.
    """
    try:
        fd = _new_file(path)
    except FileExistsError:
        return None
    try:
        view = memoryview(data)
        while view:
            view = view[os.write(fd, view) :]
        info = os.fstat(fd)  # no rename follows: these are the times the file keeps
    except BaseException:
        os.close(fd)
        os.unlink(path)
        raise
    os.close(fd)
    return info


def _new_file(path: str | Path) -> int:
    """A descriptor of ``path``, created for writing (``O_EXCL | O_NOFOLLOW``: FileExistsError if
    anything, even a dangling link, is at its name), mode 0644 whatever the umask."""
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL | os.O_NOFOLLOW | os.O_CLOEXEC, 0o644)
    os.fchmod(fd, 0o644)  # as write_bytes_atomic
    return fd


def create_streamed(path: Path, parts: Iterable[bytes]) -> bytes:
    """Create ``path`` (nothing may be at its name) from ``parts``, written as they come: a digest of its bytes.

    For a file too large to hold as one string; if writing fails, the part written is removed.
    """
    digest = hashlib.blake2b(digest_size=20)
    with os.fdopen(_new_file(path), "wb") as handle:
        try:
            for part in parts:
                digest.update(part)
                handle.write(part)
        except BaseException:
            path.unlink(missing_ok=True)
            raise
    return digest.digest()


def make_dirs(directory: Path | str, root: Path | str, checked: set[str] | None = None) -> None:
    """Make ``directory`` and every directory between ``root`` and it; refuse a symlink on the way.

    Each component below ``root`` must be a directory of its own (``lstat``): a missing one
    is made, and a symlink (or a file) stops the command with BuildError, one problem line,
    its target untouched: the link was not made by a build, and following it would write
    pages wherever it points. ``root`` itself is made if missing and may be a link. Costs
    one ``lstat`` per component per write (10,000 pages: ~10-30 ms), on written pages only.
    A writer of many files below one ``root`` passes ``checked``, the directories below it made
    or checked so far in this command: those are not looked at again, and the ones checked now
    are added (a cold build's 10,000 pages in ``build/docs/papers`` check that directory once).
    """
    base = os.fspath(root)
    target = os.fspath(directory)
    if checked is not None and target in checked:
        return
    if target.startswith(base.rstrip("/") + "/"):  # as relative_to, without a Path per page
        parts = [part for part in target[len(base.rstrip("/")) + 1 :].split("/") if part not in ("", ".")]
    else:
        parts = list(Path(target).relative_to(base).parts)  # ValueError: not under root (our bug)
    if not checked and not os.path.isdir(base):  # a set of checked directories holds some: root is there
        os.makedirs(base, exist_ok=True)
    current = base
    for part in parts:
        current = os.path.join(current, part)
        if part == "..":
            raise ValueError(f"{directory} climbs out of {root}")
        if checked is not None and current in checked:
            continue
        try:
            mode = os.lstat(current).st_mode
        except FileNotFoundError:
            try:
                os.mkdir(current)
                mode = stat.S_IFDIR  # made here, so a directory of our own
            except FileExistsError:  # made meanwhile: checked
                mode = os.lstat(current).st_mode
        if checked is not None and stat.S_ISDIR(mode):
            checked.add(current)
        if not stat.S_ISDIR(mode):
            what = "a symlink" if stat.S_ISLNK(mode) else "not a directory"
            message = f"{what} where the build writes a directory: remove it (nothing was written through it)"
            raise BuildError([Problem(current, 1, message)])
