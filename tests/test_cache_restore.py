"""A ``build/`` restored by CI's cache (new inodes, new times, same bytes) is reused, not rebuilt.

actions/cache unpacks ``build/`` from a tarball: every file comes back with the bytes it had
and with another inode and mtime. The record of written files (``written.WrittenFiles``)
then compares the bytes with the recorded digest, and a page that still holds them is
neither rendered nor written again; the next build trusts the new metadata without reading.
"""

from __future__ import annotations

import os
import shutil
from pathlib import Path
from typing import Any

import pytest
import test_cache
from test_cache import generated

from generator import written
from generator.project import Project

warm = test_cache.warm  # a project built once, and what a cold build gives


def _restore(build: Path) -> None:
    """Replace ``build`` by a copy as a cache restore leaves it: same bytes, new inodes and times."""
    packed = build.with_name("packed")
    build.rename(packed)
    shutil.copytree(packed, build, copy_function=shutil.copyfile)  # copyfile keeps no times
    shutil.rmtree(packed)


def _pages(root: Path) -> dict[str, int]:
    """The inode of every page under build/docs and build/search."""
    project = Project(root)
    return {
        str(path.relative_to(root)): path.stat().st_ino
        for base in (project.docs, project.search_index)
        for path in base.rglob("*")
        if path.is_file() and path.name != "written.json"
    }


@pytest.fixture
def counted(monkeypatch: pytest.MonkeyPatch) -> dict[str, int]:
    """How many pages were rendered (each rendered page goes to ``WrittenFiles.write``) and how many read back."""
    counts = {"rendered": 0, "digested": 0}
    write, digest = written.WrittenFiles.write, written._content_digest

    def counted_write(self: written.WrittenFiles, *args: Any) -> bool:
        counts["rendered"] += 1
        return write(self, *args)

    def counted_digest(data: bytes) -> str:
        counts["digested"] += 1
        return digest(data)

    monkeypatch.setattr(written.WrittenFiles, "write", counted_write)
    monkeypatch.setattr(written, "_content_digest", counted_digest)
    return counts


def test_a_restored_build_cache_renders_and_writes_no_page(
    warm: tuple[Path, tuple[list[str], dict[str, bytes]]], counted: dict[str, int]
) -> None:
    root, cold = warm
    _restore(root / "build")
    restored = _pages(root)
    assert len(restored) > 10
    counted["rendered"] = 0
    assert generated(root) == cold, "the output is a cold build's"
    assert counted["rendered"] == 0, "no page was rendered again"
    assert _pages(root) == restored, "no page was written again"
    # The new metadata is recorded: the next build neither renders nor reads a page.
    counted.update(rendered=0, digested=0)
    assert generated(root) == cold
    assert counted == {"rendered": 0, "digested": 0}


def test_a_restored_page_with_other_bytes_of_the_same_size_is_written_again(
    warm: tuple[Path, tuple[list[str], dict[str, bytes]]], counted: dict[str, int]
) -> None:
    """Same size, new metadata, other bytes (a cache saved from a tampered tree): rendered again."""
    root, cold = warm
    _restore(root / "build")
    pages = sorted(Project(root).docs.rglob("*.md"))
    victim = pages[len(pages) // 2]
    data = victim.read_bytes()
    victim.write_bytes(data[:-2] + (b"XX" if data[-2:] != b"XX" else b"YY"))
    counted["rendered"] = 0
    assert generated(root) == cold
    assert counted["rendered"] == 1


def test_a_page_touched_in_place_is_read_once_then_trusted(
    warm: tuple[Path, tuple[list[str], dict[str, bytes]]], counted: dict[str, int]
) -> None:
    """``touch`` on every page (new mtimes, same inodes): no render, and no read on the next build."""
    root, cold = warm
    pages = _pages(root)
    for relpath in pages:
        os.utime(root / relpath, ns=(1, 1))
    counted["rendered"] = 0
    assert generated(root) == cold
    assert counted["rendered"] == 0
    assert _pages(root) == pages
    counted.update(rendered=0, digested=0)
    assert generated(root) == cold
    assert counted == {"rendered": 0, "digested": 0}
