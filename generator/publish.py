"""Publishing a staged site: ``site/`` is at every instant the complete old or the complete new site.

The build writes the new site into ``.site.new-*`` beside ``site/`` (and the search index into
``.site.search-*``). Publishing it:

1. makes the staged tree durable (one ``syncfs`` of its filesystem, so a power cut after the
   swap cannot leave ``site/`` pointing at files whose data never reached the disk);
2. exchanges the staged directory and ``site/`` in one system call (Linux ``renameat2`` with
   ``RENAME_EXCHANGE``), or renames it into place when there is no ``site/`` yet;
3. makes the exchange durable (``fsync`` of the parent directory) and removes the old site,
   which now sits under the staged name.

A kill between any two system calls therefore leaves the complete old or the complete new site.
Where the exchange is unavailable (another kernel or OS, a filesystem that refuses it) the
swap falls back to two renames through ``.site.old``; a kill between them leaves no ``site/``
for a moment, and :func:`clean_leftovers`, which every build runs first, puts the old one back.

Leftovers of killed builds are dead once the build lock is held (every build of a checkout
holds ``build/.lock``), so :func:`clean_leftovers` removes them all; ``make clean`` does the same.
"""

from __future__ import annotations

import ctypes
import errno
import os
import shutil
import sys
from pathlib import Path

AT_FDCWD = -100  # <fcntl.h>: paths relative to the working directory
RENAME_EXCHANGE = 2  # <linux/fs.h>
PR_SET_PDEATHSIG = 1  # <linux/prctl.h>
# The exchange is missing (old kernel, other OS), refused by the filesystem, or by a sandbox's
# seccomp filter: the two renames still work there.
UNSUPPORTED = {errno.ENOSYS, errno.EINVAL, errno.EOPNOTSUPP, errno.ENOTSUP, errno.EPERM}
LEFTOVER_KINDS = ("new", "search")  # .site.new-*, .site.search-*: a build's staging directories

_libc = ctypes.CDLL(None, use_errno=True)  # the C library the interpreter runs on


def staging_prefix(site: Path, kind: str) -> str:
    """The name prefix of a build's staging directory of ``kind`` beside ``site``."""
    return f".{site.name}.{kind}-"


def old_site(site: Path) -> Path:
    """Where the two-rename fallback parks the old site for a moment."""
    return site.with_name(f".{site.name}.old")


def exchange(first: Path, second: Path) -> bool:
    """Swap two existing paths in one system call; False where this system cannot."""
    renameat2 = getattr(_libc, "renameat2", None)  # glibc >= 2.28
    if renameat2 is None:
        return False
    args = (AT_FDCWD, os.fsencode(first), AT_FDCWD, os.fsencode(second), ctypes.c_uint(RENAME_EXCHANGE))
    if renameat2(*args) == 0:
        return True
    code = ctypes.get_errno()
    if code in UNSUPPORTED:
        return False
    raise OSError(code, os.strerror(code), str(first), None, str(second))


def sync_tree(directory: Path) -> None:
    """Make every file under ``directory`` durable: one ``syncfs`` of its filesystem.

    One call instead of an fsync per file: the filesystem commits its journal once. Measured on
    ext4 (shared, busy disk): a 10,000-page site (20,000 files, 185 MB) 0.8-1.4 s (2.5 s while
    other jobs wrote heavily), 500 pages 0.04-0.12 s; an fsync per file took 10 s for 4,000
    files (~50 s at 10k), 2.4 s for 6,000 with 32 threads. It also flushes whatever else is
    dirty on that filesystem. Where there is no syncfs, ``sync()`` flushes every filesystem.
    """
    syncfs = getattr(_libc, "syncfs", None)
    fd = os.open(directory, os.O_RDONLY | os.O_DIRECTORY)
    try:
        if syncfs is not None and syncfs(fd) == 0:
            return
    finally:
        os.close(fd)
    os.sync()


def sync_directory(directory: Path) -> None:
    """Make the entries of ``directory`` (a rename into it) durable."""
    fd = os.open(directory, os.O_RDONLY | os.O_DIRECTORY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


def publish(staged: Path, site: Path) -> None:
    """Replace ``site`` with the complete tree at ``staged``; see the module's docstring."""
    sync_tree(staged)
    if not os.path.lexists(site):
        os.rename(staged, site)
    elif exchange(staged, site):
        pass  # ``staged`` now holds the old site
    else:
        old = old_site(site)
        if os.path.lexists(old):  # a dead build's: clean_leftovers already restored what was needed
            shutil.rmtree(old)
        os.rename(site, old)
        os.rename(staged, site)
        staged = old
    sync_directory(site.parent)
    _remove(staged)


def _remove(path: Path) -> None:
    """Remove a directory tree, or the file or symlink (never what it points to) at ``path``."""
    if path.is_dir() and not path.is_symlink():
        shutil.rmtree(path)
    elif os.path.lexists(path):
        path.unlink()


def clean_leftovers(site: Path) -> list[Path]:
    """Put back a site a killed fallback swap parked, then remove every dead build's leftovers.

    Call it holding the build lock: no other build is running, so every staging directory is
    dead. Returns what was removed.
    """
    old = old_site(site)
    if not os.path.lexists(site) and old.is_dir():
        os.rename(old, site)
        sync_directory(site.parent)
    if not site.parent.is_dir():
        return []
    prefixes = tuple(staging_prefix(site, kind) for kind in LEFTOVER_KINDS)
    with os.scandir(site.parent) as entries:
        dead = sorted(Path(e.path) for e in entries if e.name.startswith(prefixes) or e.name == old.name)
    for path in dead:
        _remove(path)
    return dead


# A child that must die with the build runs this small program first: it asks Linux to SIGKILL it
# when the thread that started it ends (PR_SET_PDEATHSIG; the request survives exec), gives up if
# the build is already gone, and then becomes the module it was asked to run. Doing it here rather
# than in a ``preexec_fn`` lets CPython start the child with vfork, which runs no fork handlers:
# a fork while NumPy's BLAS threads worked hung a 10k build in OpenBLAS' fork handler.
_DIE_WITH_PARENT = f"""
import ctypes, os, runpy, signal, sys
prctl = getattr(ctypes.CDLL(None), "prctl", None)
if prctl is not None:
    prctl({PR_SET_PDEATHSIG}, ctypes.c_ulong(signal.SIGKILL), ctypes.c_ulong(0), ctypes.c_ulong(0), ctypes.c_ulong(0))
if os.getppid() != int(sys.argv[1]):
    os._exit(1)
sys.argv = sys.argv[2:]
runpy.run_module(sys.argv[0], run_name="__main__", alter_sys=True)
"""


def module_command(module: str, *args: str) -> list[str]:
    """``python -m module args`` as a child that dies with the thread that starts it.

    Without that MkDocs runs on after a killed build, writing into its leftovers.
    The signal follows the starting *thread*: start children from a thread that waits for them.
    Where there is no ``prctl`` (not Linux) the child is simply the module.
    """
    return [sys.executable, "-c", _DIE_WITH_PARENT, str(os.getpid()), module, *args]
