"""The swap of a staged site into ``site/``, killed before each of its system calls in turn.

A forked child runs ``build.swap_in`` with the os functions (and the C library calls) it makes
counted; before the k-th call the child SIGKILLs itself. For every k until the swap completes,
``site/`` must be the complete old or the complete new site, and the cleanup every build runs
first must leave nothing else beside it. Then the same where the filesystem refuses the
one-call exchange (the two-rename fallback, repaired by the cleanup).
"""

from __future__ import annotations

import ctypes
import errno
import os
import signal
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from generator import build

OLD = {"index.html": "old home", "papers/a/index.html": "old a", "papers/b/index.html": "old b", "x.css": "old"}
NEW = {"index.html": "new home", "papers/a/index.html": "new a", "papers/c/index.html": "new c", "feed.xml": "new"}
# Every os function the swap, pathlib and shutil.rmtree reach for.
OS_CALLS = ("rename", "replace", "open", "close", "fsync", "sync", "lstat", "stat", "fstat", "scandir", "unlink")
OS_CALLS += ("rmdir", "mkdir")


def tree(root: Path) -> dict[str, str] | None:
    """The files under ``root`` and their text; None when there is no ``root``."""
    if not os.path.lexists(root):
        return None
    return {p.relative_to(root).as_posix(): p.read_text() for p in sorted(root.rglob("*")) if p.is_file()}


def plant(root: Path, files: dict[str, str]) -> None:
    for relpath, text in files.items():
        (root / relpath).parent.mkdir(parents=True, exist_ok=True)
        (root / relpath).write_text(text)


class CountingLibc:
    """The C library, with each call counted (and ``renameat2`` refused when ``refuse_exchange``)."""

    def __init__(self, libc: Any, hit: Callable[[str], None], refuse_exchange: bool) -> None:
        self.libc, self.hit, self.refuse_exchange = libc, hit, refuse_exchange

    def __getattr__(self, name: str) -> Callable[..., int]:
        function = getattr(self.libc, name)

        def counted(*args: Any) -> int:
            self.hit(name)
            if name == "renameat2" and self.refuse_exchange:
                ctypes.set_errno(errno.EINVAL)  # what a filesystem without RENAME_EXCHANGE answers
                return -1
            if name == "syncfs":  # a step to be killed at, but flushing the shared disk 70 times costs
                return 0  # tens of seconds and changes nothing a tree comparison can see
            return int(function(*args))

        return counted


def swap_killed_at(k: int, staged: Path, site: Path, refuse_exchange: bool) -> tuple[bool, list[str]]:
    """Run the swap in a forked child killed before its k-th call; (completed, calls made)."""
    log = site.parent.parent / "calls.log"
    pid = os.fork()
    if pid == 0:  # the child: never returns into pytest
        calls: list[str] = []
        try:

            def hit(name: str) -> None:
                calls.append(name)
                if len(calls) == k:
                    os.kill(os.getpid(), signal.SIGKILL)

            for name in OS_CALLS:
                original = getattr(os, name)
                setattr(os, name, lambda *a, _f=original, _n=name, **kw: (hit(_n), _f(*a, **kw))[1])
            try:
                from generator import publish
            except ImportError:  # before the atomic swap existed
                pass
            else:
                publish._libc = CountingLibc(publish._libc, hit, refuse_exchange)
            build.swap_in(staged, site)
        finally:
            log.write_text("\n".join(calls))
            os._exit(0)
    _, status = os.waitpid(pid, 0)
    calls = log.read_text().splitlines() if os.WIFEXITED(status) else []
    return os.WIFEXITED(status), calls


def fresh(base: Path) -> tuple[Path, Path]:
    """An old site and a staged new one, as a build leaves them just before the swap."""
    parent = base / "out"
    plant(parent / "site", OLD)
    plant(parent / ".site.new-k1ll3d", NEW)
    return parent / ".site.new-k1ll3d", parent / "site"


@pytest.mark.parametrize("refuse_exchange", [False, True], ids=["exchange", "two-renames"])
def test_a_swap_killed_at_any_step_leaves_the_old_or_the_new_site(tmp_path: Path, refuse_exchange: bool) -> None:
    killed: list[tuple[int, Path, dict[str, str] | None]] = []
    for k in range(1, 500):
        staged, site = fresh(tmp_path / str(k))
        completed, _ = swap_killed_at(k, staged, site, refuse_exchange)
        found = tree(site)
        if completed:
            assert found == NEW
            assert sorted(os.listdir(site.parent)) == ["site"]
            break
        # One system call swaps: no moment without a complete site. The fallback may be caught
        # between its two renames; the next build puts the old site back.
        assert found in ((OLD, NEW) if not refuse_exchange else (OLD, NEW, None)), f"killed at call {k}: {found}"
        killed.append((k, site, found))
    else:
        pytest.fail("the swap never completed")
    from generator.publish import clean_leftovers

    for k, site, found in killed:  # what the next build does first
        clean_leftovers(site)
        after = tree(site)
        assert after == (found or OLD), f"killed at call {k}, then cleaned: site/ is {after}"
        assert sorted(os.listdir(site.parent)) == ["site"], f"killed at call {k}: leftovers"
    assert {found == NEW for _, _, found in killed} == {False, True}, "no kill caught the swap on both sides"


def test_the_staged_site_is_made_durable_before_the_swap_and_the_swap_after(tmp_path: Path) -> None:
    staged, site = fresh(tmp_path)
    completed, calls = swap_killed_at(0, staged, site, refuse_exchange=False)
    assert completed and tree(site) == NEW
    exchange = calls.index("renameat2")
    assert "syncfs" in calls[:exchange], calls
    assert "fsync" in calls[exchange : calls.index("unlink")], calls  # the parent, before the old site goes


def test_the_cleanup_removes_every_leftover_of_a_killed_build_and_nothing_else(tmp_path: Path) -> None:
    from generator.publish import clean_leftovers

    parent = tmp_path / "out"
    plant(parent / "site", NEW)
    for leftover in (".site.new-abc", ".site.search-def/pagefind.0", ".site.old"):
        plant(parent / leftover, OLD)
    plant(parent, {".site.new-file": "x", "site.new-kept": "x", ".siteX.new-kept": "x", "notes.txt": "x"})
    removed = clean_leftovers(parent / "site")
    assert sorted(p.name for p in removed) == [".site.new-abc", ".site.new-file", ".site.old", ".site.search-def"]
    assert sorted(os.listdir(parent)) == [".siteX.new-kept", "notes.txt", "site", "site.new-kept"]
    assert tree(parent / "site") == NEW


def test_a_site_parked_by_a_killed_fallback_swap_comes_back(tmp_path: Path) -> None:
    from generator.publish import clean_leftovers

    parent = tmp_path / "out"
    plant(parent / ".site.old", OLD)
    plant(parent / ".site.new-abc", NEW)  # staged, but never known to be complete: not published
    clean_leftovers(parent / "site")
    assert tree(parent / "site") == OLD
    assert sorted(os.listdir(parent)) == ["site"]
