"""Content is read from regular files inside content/ only, in bounded memory (see generator/files.py).

A pull request can commit a symlink: a record, dump, taxonomy, sources manifest or
hand-written page that points at a secret outside the repository must be refused with
``path:1`` and its text must reach no output. A FIFO must not hang the build, ``/dev/zero``
must not eat the memory, a directory named like a file is refused.
"""

from __future__ import annotations

import json
import os
import resource
import signal
import subprocess
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest

from conftest import REPO, make_project, run_generator
from generator import files
from generator.build import generate
from generator.inputs import load_curated
from generator.problems import BuildError
from generator.project import Project

SECRET = "hush-7f3a9c"  # a valid id and valid text, so that every kind would carry it somewhere

RECORD = f"""\
title: "Leaked {SECRET}"
abstract: "The token is {SECRET}."
sources: []
topics:
  - bandits
"""
DUMP = f"Leaked {SECRET} paper\n\nThe token is {SECRET}, read through a symlink.\n"
PAGE = f"# Leaked\n\nThe token is {SECRET}.\n"


def _taxonomy(root: Path) -> str:
    text = (root / "content" / "taxonomy.yml").read_text(encoding="utf-8")
    secret_topic = f"  - id: {SECRET}\n    title: {SECRET}\n    description: {SECRET}.\n"
    return text.replace("topics:\n", "topics:\n" + secret_topic, 1)


def _manifest(root: Path) -> str:
    text = (root / "content" / "sources" / "sources.yml").read_text(encoding="utf-8")
    return text + f"{SECRET}.txt:\n  capture_year: 2025\n"


# kind -> where it lives, what a secret of that kind holds (given the project)
KINDS = {
    "record": ("content/papers/leak.yml", lambda root: RECORD),
    "dump": ("content/sources/leak.txt", lambda root: DUMP),
    "taxonomy": ("content/taxonomy.yml", _taxonomy),
    "manifest": ("content/sources/sources.yml", _manifest),
    "page": ("content/pages/leak.md", lambda root: PAGE),
}


def plant(root: Path, kind: str, make: str, outside: Path) -> str:
    """Put a symlink to a secret file (``link``), a FIFO or a directory where ``kind`` lives."""
    relpath, secret_text = KINDS[kind]
    target = root / relpath
    text = secret_text(root)
    target.unlink(missing_ok=True)
    if make == "link":
        outside.mkdir(exist_ok=True)
        secret = outside / target.name
        secret.write_text(text, encoding="utf-8")
        target.symlink_to(secret)
    elif make == "fifo":
        os.mkfifo(target)
    else:
        target.mkdir()
    return relpath


def generated_lines(root: Path) -> list[str]:
    """Every line ``generate`` reports (it must fail)."""
    with pytest.raises(BuildError) as failure:
        generate(Project(root))
    return [str(p) for p in failure.value.problems]


def regular_files(*directories: Path) -> Iterator[Path]:
    """Every regular file below ``directories``, never following a symlink."""
    for directory in directories:
        for base, _, names in os.walk(directory):
            for name in names:
                path = Path(base) / name
                if path.is_file() and not path.is_symlink():
                    yield path


def assert_nowhere(root: Path, *texts: str) -> None:
    for text in texts:
        assert SECRET not in text
    for path in regular_files(root / "build", root / "content", root / "site"):
        assert SECRET.encode() not in path.read_bytes(), path


def run_limited(root: Path, *args: str, timeout: float = 60) -> subprocess.CompletedProcess[str]:
    """The CLI in a child with at most 1 GiB of address space and a timeout: a hang or a
    runaway read fails the test instead of the machine."""

    def limit() -> None:
        resource.setrlimit(resource.RLIMIT_AS, (1 << 30, 1 << 30))

    return run_generator(root, *args, timeout=timeout, preexec_fn=limit)


@pytest.mark.parametrize("kind", KINDS)
def test_a_symlink_out_of_content_is_refused_and_its_text_goes_nowhere(
    project: Path, tmp_path: Path, kind: str
) -> None:
    relpath = plant(project, kind, "link", tmp_path / "outside")
    refusal = f"{relpath}:1: refused: a symlink to a file outside content/"
    lines = generated_lines(project)
    assert refusal in lines
    assert_nowhere(project, *lines)
    if kind != "page":  # check reads everything but hand-written pages
        done = run_generator(project, "check")
        assert done.returncode == 1
        assert refusal in done.stderr.splitlines()
        assert_nowhere(project, done.stdout, done.stderr)


def test_a_record_reached_through_a_symlinked_directory_is_refused(project: Path, tmp_path: Path) -> None:
    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()
    (elsewhere / "leak.yml").write_text(RECORD, encoding="utf-8")
    papers = project / "content" / "papers"
    papers.rmdir()
    papers.symlink_to(elsewhere)
    _, papers_found, problems = load_curated(Project(project))
    assert papers_found == []
    assert [str(p).replace(f"{project}/", "") for p in problems] == [
        "content/papers/leak.yml:1: refused: reached through a symlink that leads outside content/"
    ]


@pytest.mark.parametrize("kind", ["record", "dump", "taxonomy", "page"])
def test_a_symlink_that_stays_inside_content_is_followed(project: Path, kind: str) -> None:
    relpath, _ = KINDS[kind]
    link = project / relpath
    real = project / "content" / "shared" / f"real{link.suffix}"
    real.parent.mkdir()
    if kind == "record":
        real.write_text(RECORD.replace(SECRET, "kept"), encoding="utf-8")
    elif kind == "page":
        real.write_text("# Kept\n\nA page kept through a link.\n", encoding="utf-8")
    else:  # the fixture's own dump or taxonomy, moved
        link = project / ("content/sources/listing.txt" if kind == "dump" else relpath)
        real = real.with_name(link.name)
        link.rename(real)
    link.symlink_to(os.path.relpath(real, link.parent))
    generated = generate(Project(project))
    assert [p for p in generated.problems if p.severity == "error"] == []
    shown = {p.id for p in generated.catalog.papers}
    if kind == "record":
        assert "leak" in shown
    elif kind == "page":
        assert "A page kept through a link." in (project / "build" / "docs" / "leak.md").read_text(encoding="utf-8")
    else:
        assert len(shown) == 3  # the fixture's three papers


class Hung(Exception):
    """Raised by ``no_hang``; no OSError (a TimeoutError), which the code under test would take
    for an unreadable file and carry on."""


@contextmanager
def no_hang(seconds: float) -> Iterator[None]:
    """Raise in the block if it takes over ``seconds`` (a blocking open of a FIFO), so that a
    hang fails one test instead of hanging the run.

    The signal goes to this thread: sent to the process (``alarm``), it may land on another
    thread (numpy's, say), and the blocked system call here would never be interrupted.
    """

    def expire(signum: int, frame: object) -> None:
        raise Hung(f"still running after {seconds} s")

    previous = signal.signal(signal.SIGALRM, expire)
    timer = threading.Timer(seconds, signal.pthread_kill, (threading.get_ident(), signal.SIGALRM))
    timer.start()
    try:
        yield
    finally:
        timer.cancel()
        signal.signal(signal.SIGALRM, previous)


@pytest.mark.parametrize("kind", KINDS)
def test_a_fifo_is_refused_without_hanging(project: Path, kind: str) -> None:
    relpath = plant(project, kind, "fifo", project)
    with no_hang(20):
        assert f"{relpath}:1: refused: not a regular file (a FIFO)" in generated_lines(project)


def test_the_cli_refuses_a_fifo_with_its_line_and_fails(project: Path) -> None:
    relpath = plant(project, "record", "fifo", project)
    done = run_limited(project, "check")  # every kind, pages included, is checked in process above
    assert done.returncode == 1
    assert f"{relpath}:1: refused: not a regular file (a FIFO)" in done.stderr.splitlines()


@pytest.mark.parametrize("kind", KINDS)
def test_a_directory_where_a_file_belongs_is_refused(project: Path, kind: str) -> None:
    relpath = plant(project, kind, "dir", project)
    assert f"{relpath}:1: refused: not a regular file (a directory)" in generated_lines(project)


@pytest.mark.parametrize("kind", ["record", "dump"])
def test_a_symlink_to_dev_zero_is_refused_fast_in_bounded_memory(project: Path, kind: str) -> None:
    relpath, _ = KINDS[kind]
    (project / relpath).symlink_to("/dev/zero")
    start = time.monotonic()
    done = run_limited(project, "check", timeout=30)
    assert time.monotonic() - start < 20
    assert done.returncode == 1
    assert f"{relpath}:1: refused: a symlink to a file outside content/" in done.stderr.splitlines()
    assert "Traceback" not in done.stderr


def test_parse_reads_files_from_anywhere_but_refuses_devices_and_fifos(tmp_path: Path) -> None:
    fifo = tmp_path / "pipe.txt"
    os.mkfifo(fifo)
    done = run_limited(REPO, "parse", "--capture-year", "2025", "/dev/zero", str(fifo), timeout=30)
    assert done.returncode == 1
    assert done.stderr.splitlines() == [
        "/dev/zero:1: refused: not a regular file (a character device)",
        f"{fifo}:1: refused: not a regular file (a FIFO)",
    ]


@pytest.mark.parametrize(("kind", "limit"), [("record", files.RECORD), ("page", files.PAGE)])
def test_an_oversized_file_is_refused(project: Path, kind: str, limit: files.Kind) -> None:
    relpath, _ = KINDS[kind]
    assert limit.limit is not None
    (project / relpath).write_text(RECORD.replace("The token", "x" * limit.limit), encoding="utf-8")
    assert f"{relpath}:1: refused: larger than 1 MiB, the most a {limit.name} may hold" in generated_lines(project)


def test_a_listed_file_swapped_for_a_fifo_or_a_symlink_is_still_refused(tmp_path: Path) -> None:
    content = tmp_path / "content"
    papers = content / "papers"
    papers.mkdir(parents=True)
    for name in ("a.yml", "b.yml"):
        (papers / name).write_text("title: x\n", encoding="utf-8")
    (tmp_path / "secret.yml").write_text(SECRET, encoding="utf-8")
    listed = files.list_dir(papers, (".yml",), content)
    assert [p.name for p in listed] == ["a.yml", "b.yml"]
    (papers / "a.yml").unlink()
    os.mkfifo(papers / "a.yml")
    (papers / "b.yml").unlink()
    (papers / "b.yml").symlink_to(tmp_path / "secret.yml")
    with no_hang(10):
        with pytest.raises(files.Refused, match=r"^refused: not a regular file \(a FIFO\)$"):
            files.read_bytes(papers / "a.yml", files.RECORD, content)
        with pytest.raises(files.Refused, match=r"^refused: a symlink to a file outside content/$"):
            files.read_bytes(papers / "b.yml", files.RECORD, content)


@pytest.mark.slow
def test_a_build_never_publishes_a_file_from_outside_the_repository(tmp_path: Path) -> None:
    root = make_project(tmp_path / "project")
    first = run_generator(root, "build")
    assert first.returncode == 0, first.stderr
    before = json.loads((root / "site" / "papers.json").read_text(encoding="utf-8"))
    for kind in ("record", "dump", "page"):
        relpath = plant(root, kind, "link", tmp_path / "outside")
        again = run_generator(root, "build")
        assert again.returncode == 1
        assert f"{relpath}:1: refused: a symlink to a file outside content/" in again.stderr.splitlines()
        assert json.loads((root / "site" / "papers.json").read_text(encoding="utf-8")) == before
        assert_nowhere(root, again.stdout, again.stderr)
        (root / relpath).unlink()
