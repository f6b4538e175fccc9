"""The one writer (generator/output.py): a directory symlink planted under build/ is never followed.

``mkdir(parents=True)`` and a write both follow a symlinked directory: a link planted at
``build/docs/papers`` would send the build's pages wherever it points.
``output.make_dirs`` refuses it with one problem line, and nothing is written through it.
"""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest
import test_cache

from generator import output, written
from generator.problems import BuildError
from generator.project import Project

warm = test_cache.warm  # a project built once, and what a cold build gives


def _elsewhere(tmp_path: Path) -> Path:
    target = tmp_path / "elsewhere"
    target.mkdir()
    (target / "kept.txt").write_text("not ours\n")
    return target


def test_make_dirs_makes_what_is_missing_and_accepts_a_linked_root(tmp_path: Path) -> None:
    real = tmp_path / "real"
    real.mkdir()
    (tmp_path / "build").symlink_to(real)  # the root itself may be a link (build/ on another disk)
    output.make_dirs(tmp_path / "build" / "a" / "b", tmp_path / "build")
    assert (real / "a" / "b").is_dir() and not (real / "a").is_symlink()


@pytest.mark.parametrize("planted", ["link", "file"])
def test_make_dirs_refuses_a_link_or_a_file_below_the_root(tmp_path: Path, planted: str) -> None:
    target = _elsewhere(tmp_path)
    root = tmp_path / "build"
    (root / "docs").mkdir(parents=True)
    if planted == "link":
        (root / "docs" / "papers").symlink_to(target)
    else:
        (root / "docs" / "papers").write_text("x")
    with pytest.raises(BuildError) as refused:
        output.write_if_changed(root / "docs" / "papers" / "deep" / "p.md", "page\n", root)
    [problem] = refused.value.problems
    assert problem.path == str(root / "docs" / "papers") and problem.line == 1
    assert ("a symlink" if planted == "link" else "not a directory") in problem.message
    assert sorted(p.name for p in target.iterdir()) == ["kept.txt"], "nothing written through the link"


def test_a_build_refuses_a_directory_link_planted_under_build(
    warm: tuple[Path, tuple[list[str], dict[str, bytes]]], tmp_path: Path
) -> None:
    """A link where the build writes pages (after a build, or restored from a cache): one problem, target untouched."""
    root, cold = warm
    target = _elsewhere(tmp_path)
    planted = root / "build" / "docs" / "papers"
    shutil.rmtree(planted)
    planted.symlink_to(target)
    (Project(root).docs_written).unlink()  # every page is written again
    with pytest.raises(BuildError) as refused:
        test_cache.generated(root)
    assert [str(p) for p in refused.value.problems] == [
        f"{planted}:1: a symlink where the build writes a directory: remove it (nothing was written through it)"
    ]
    assert sorted(p.name for p in target.iterdir()) == ["kept.txt"]
    planted.unlink()
    assert test_cache.generated(root) == cold, "once removed, the build is a cold one's"


@pytest.mark.parametrize("planted", ["link", "dangling link", "file"])
def test_create_file_never_opens_what_is_at_the_name(tmp_path: Path, planted: str) -> None:
    target = _elsewhere(tmp_path) / "kept.txt"
    page = tmp_path / "page.md"
    if planted == "file":
        page.write_text("old\n")
    else:
        page.symlink_to(target if planted == "link" else tmp_path / "missing")
    assert output.create_file(str(page), b"new\n") is None
    assert target.read_text() == "not ours\n" and not (tmp_path / "missing").exists()
    assert page.is_symlink() or page.read_text() == "old\n"


def test_create_file_writes_a_new_file_and_returns_its_stat(tmp_path: Path) -> None:
    page = tmp_path / "page.md"
    info = output.create_file(str(page), "é\n".encode())
    assert info is not None and page.read_bytes() == "é\n".encode()
    assert (info.st_size, info.st_ino, info.st_mtime_ns) == (3, page.stat().st_ino, page.stat().st_mtime_ns)
    assert page.stat().st_mode & 0o777 == 0o644
    assert sorted(p.name for p in tmp_path.iterdir()) == ["page.md"], "no temp file left"


def test_a_first_write_replaces_a_link_planted_at_the_page_without_following_it(tmp_path: Path) -> None:
    """No record of the page: the cold path (create in place) meets a link and falls back to the atomic write."""
    kept = _elsewhere(tmp_path) / "kept.txt"
    page = tmp_path / "docs" / "papers" / "p.md"
    page.parent.mkdir(parents=True)
    page.symlink_to(kept)
    assert written.WrittenFiles(tmp_path / "written.json").write("papers/p.md", str(page), b"k", "page\n")
    assert not page.is_symlink() and page.read_text() == "page\n"
    assert kept.read_text() == "not ours\n" and sorted(p.name for p in kept.parent.iterdir()) == ["kept.txt"]


def test_make_dirs_checks_each_directory_once_per_writer(tmp_path: Path) -> None:
    root = tmp_path / "search"
    checked: set[str] = set()
    output.make_dirs(root / "0" / "papers" / "a", root, checked)
    output.make_dirs(root / "0" / "papers" / "b", root, checked)
    assert {str(root / "0"), str(root / "0" / "papers")} <= checked
    assert (root / "0" / "papers" / "a").is_dir() and (root / "0" / "papers" / "b").is_dir()
    target = _elsewhere(tmp_path)
    (root / "1").symlink_to(target)
    with pytest.raises(BuildError):
        output.make_dirs(root / "1" / "papers", root, checked)
    assert sorted(p.name for p in target.iterdir()) == ["kept.txt"]


def test_a_streamed_file_is_created_0644_whatever_the_umask_and_never_through_a_link(tmp_path: Path) -> None:
    """``papers.json`` is written a row at a time (output.create_streamed): mode 0644 under a
    umask of 077 as every other file the generator writes, its digest that of its bytes, and a
    link found at its name is never followed."""
    import hashlib
    import os

    old = os.umask(0o077)
    try:
        digest = output.create_streamed(tmp_path / "papers.json", [b"[\n", b"{}", b"\n]\n"])
    finally:
        os.umask(old)
    assert (tmp_path / "papers.json").read_bytes() == b"[\n{}\n]\n"
    assert (tmp_path / "papers.json").stat().st_mode & 0o777 == 0o644
    assert digest == hashlib.blake2b(b"[\n{}\n]\n", digest_size=20).digest()
    target = tmp_path / "elsewhere"
    (tmp_path / "feed.xml").symlink_to(target)
    with pytest.raises(FileExistsError):
        output.create_streamed(tmp_path / "feed.xml", [b"x"])
    assert not target.exists()
