"""The one writer of every file a command makes: records, pages, search pages, caches, site files.

Every output is written the same way, so each property holds everywhere by construction:

- atomic: through a temp file and a rename, a reader (MkDocs, a browser, the next build) sees
  the old bytes or the new, never half;
- compared before written: a file that already holds the bytes is not touched, so its
  timestamps and inode stay (the record of written files, ``cache.WrittenFiles``, relies on
  that, and so does a no-change build's ``site/``);
- no planted link followed: the temp file is created afresh (``O_EXCL | O_NOFOLLOW``), and
  the rename replaces a link at the target's name instead of writing through it.

MkDocs and Pagefind write ``site/`` themselves; ``publish`` swaps it in whole.
"""

from __future__ import annotations

import contextlib
import os
from pathlib import Path

from . import files


def write_if_changed(path: Path, text: str) -> bool:
    """Write ``text`` as UTF-8, atomically, and only when the bytes differ; True when written."""
    return write_bytes_if_changed(path, text.encode("utf-8"))


def write_bytes_if_changed(path: Path, data: bytes) -> bool:
    """``write_if_changed`` for bytes."""
    try:
        if files.read_bytes(path, files.ANY) == data:
            return False
    except OSError:
        pass
    write_bytes_atomic(path, data)
    return True


def write_bytes_atomic(path: Path, data: bytes) -> None:
    """Write through a temp file and a rename: a reader sees the old bytes or the new, never half."""
    if not path.parent.is_dir():
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
