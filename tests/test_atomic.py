"""Builds that cannot lose the site: every kind of failure leaves ``site/`` as it was.

tests/test_build.py covers a record naming an unknown topic and two builds being
byte-identical; these cover the other ways a build fails, builds racing each other, and
where the dates in the output come from.
"""

from __future__ import annotations

import gzip
import os
import re
import signal
import subprocess
import sys
import time
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from datetime import UTC, date, datetime
from pathlib import Path
from types import SimpleNamespace
from typing import Any

import pytest

from conftest import REPO, make_project, run_generator
from generator.build import source_date_epoch
from generator.problems import Severity

pytestmark = pytest.mark.slow

PROBLEM_LINE = re.compile(r"(?:[^\s:]+):\d+: .+")
EPOCH = 1700000000  # 2023-11-14 UTC


def snapshot(site: Path) -> dict[str, bytes]:
    return {p.relative_to(site).as_posix(): p.read_bytes() for p in sorted(site.rglob("*")) if p.is_file()}


def leftovers(root: Path) -> list[str]:
    return sorted(p.name for p in root.iterdir() if p.name.startswith((".site.", ".site-")))


def generator(root: Path, *args: str, env: dict[str, str] | None = None) -> subprocess.Popen[str]:
    return subprocess.Popen(
        [sys.executable, "-m", "generator", "--root", str(root), *args],
        cwd=REPO,
        env={**os.environ, **(env or {})},
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )


@pytest.fixture(scope="module")
def built(tmp_path_factory: pytest.TempPathFactory) -> Path:
    root = make_project(tmp_path_factory.mktemp("atomic") / "project")
    done = run_generator(root, "build")
    assert done.returncode == 0, done.stderr
    return root


@contextmanager
def edited(path: Path, old: str, new: str) -> Iterator[None]:
    """``path`` with ``old`` replaced by ``new`` for the duration, then restored."""
    original = path.read_text(encoding="utf-8")
    assert old in original, f"{old!r} not in {path}"
    path.write_text(original.replace(old, new, 1), encoding="utf-8")
    try:
        yield
    finally:
        path.write_text(original, encoding="utf-8")


def failed_build(root: Path) -> list[str]:
    """Run a build that must fail; return its problem lines after checking the failure's shape."""
    before = snapshot(root / "site")
    done = run_generator(root, "build")
    assert done.returncode == 1, done.stdout + done.stderr
    assert "Traceback" not in done.stderr + done.stdout
    lines = [line for line in done.stderr.splitlines() if line.strip()]
    problems = [line for line in lines if PROBLEM_LINE.fullmatch(line)]
    assert problems, done.stderr
    assert snapshot(root / "site") == before  # the published site, byte for byte
    assert leftovers(root) == []
    return problems


def record(root: Path, prefix: str) -> Path:
    return next((root / "content" / "papers").glob(f"{prefix}*.yml"))


def test_broken_yaml_names_the_file_and_line(built: Path) -> None:
    path = record(built, "loldu")
    with edited(path, "topics:\n", "topics: [low-rank\n"):
        problems = failed_build(built)
    rel = path.relative_to(built).as_posix()
    assert any(p.startswith(f"{rel}:") and "invalid YAML" in p for p in problems), problems
    line = int(next(p for p in problems if p.startswith(rel)).split(":")[1])
    assert line > 1  # the line of the syntax error, not a placeholder


def test_unknown_tag_suggests_the_closest_one(built: Path) -> None:
    path = record(built, "loldu")
    lines = path.read_text(encoding="utf-8").splitlines()
    tag_line = lines.index("  - lora") + 1
    with edited(path, "  - lora\n", "  - lroa\n"):
        problems = failed_build(built)
    rel = path.relative_to(built).as_posix()
    assert f"{rel}:{tag_line}: unknown tag 'lroa' (did you mean 'lora'?)" in problems


def test_several_problems_are_all_reported_at_once(built: Path) -> None:
    first, second = record(built, "loldu"), record(built, "single-layer")
    with edited(first, "  - lora\n", "  - lroa\n"), edited(second, "title:", "titel:"):
        problems = failed_build(built)
    assert any(p.startswith(first.relative_to(built).as_posix()) for p in problems)
    assert any(p.startswith(second.relative_to(built).as_posix()) for p in problems)


def test_bad_taxonomy_fails_cleanly(built: Path) -> None:
    with edited(built / "content" / "taxonomy.yml", "  - id: llm\n", "  - id: LLM tag\n"):
        problems = failed_build(built)
    assert any(p.startswith("content/taxonomy.yml:") for p in problems), problems


@pytest.mark.parametrize(
    ("old", "new"),
    [
        ("  - About: about.md\n", "  - About: about.md\n  - Missing: no-such-page.md\n"),
        ("  - generator/mkdocs_hooks.py\n", "  - generator/no_such_hooks.py\n"),
        ("theme:\n  name: material\n", "theme:\n  name: no-such-theme\n"),
    ],
    ids=["nav-to-a-missing-page", "missing-hooks-file", "unknown-theme"],
)
def test_a_failing_mkdocs_run_leaves_the_site(built: Path, old: str, new: str) -> None:
    with edited(built / "mkdocs.yml", old, new):
        problems = failed_build(built)
    assert any(p.startswith("mkdocs.yml:") for p in problems), problems


def test_a_crashing_hook_leaves_the_site_and_prints_no_traceback(built: Path) -> None:
    hook = built / "crash_hook.py"
    hook.write_text("def on_post_build(config, **kwargs):\n    raise RuntimeError('hook crashed')\n", encoding="utf-8")
    try:
        with edited(built / "mkdocs.yml", "hooks:\n", "hooks:\n  - crash_hook.py\n"):
            problems = failed_build(built)
    finally:
        hook.unlink()
    assert any("hook crashed" in p for p in problems), problems


def test_two_builds_at_once_take_turns_and_leave_one_complete_site(built: Path, tmp_path: Path) -> None:
    runs = [generator(built, "build") for _ in range(2)]
    outputs = [run.communicate(timeout=300) for run in runs]
    assert [run.returncode for run in runs] == [0, 0], outputs
    reference = run_generator(built, "build", "--site-dir", str(tmp_path / "reference"))
    assert reference.returncode == 0, reference.stderr
    assert snapshot(built / "site") == snapshot(tmp_path / "reference")
    assert leftovers(built) == []


def test_a_build_into_another_directory_leaves_no_staging_behind(built: Path, tmp_path: Path) -> None:
    done = run_generator(built, "build", "--site-dir", str(tmp_path / "out" / "site"))
    assert done.returncode == 0, done.stderr
    assert sorted(p.name for p in (tmp_path / "out").iterdir()) == ["site"]


def _with_site_url(root: Path) -> None:
    """A sitemap lists absolute URLs only, so give the copy a site_url."""
    config = root / "mkdocs.yml"
    text = re.sub(r"(?m)^site_url:.*\n", "", config.read_text(encoding="utf-8"))  # mkdocs.yml reads it from the env
    config.write_text("site_url: https://example.org/paperlist/\n" + text, encoding="utf-8")


def lastmods(site: Path) -> set[str]:
    return set(re.findall(r"<lastmod>([^<]*)</lastmod>", (site / "sitemap.xml").read_text(encoding="utf-8")))


def test_source_date_epoch_sets_every_date_the_build_writes(tmp_path: Path) -> None:
    root = make_project(tmp_path / "project")
    _with_site_url(root)
    run = generator(root, "build", env={"SOURCE_DATE_EPOCH": str(EPOCH)})
    _, err = run.communicate(timeout=300)
    assert run.returncode == 0, err
    site = root / "site"
    assert lastmods(site) == {datetime.fromtimestamp(EPOCH, UTC).date().isoformat()}
    header = (site / "sitemap.xml.gz").read_bytes()[:10]
    mtime = int.from_bytes(header[4:8], "little")  # MkDocs stamps the gzip header with the build date
    assert datetime.fromtimestamp(mtime, UTC).date() == datetime.fromtimestamp(EPOCH, UTC).date()
    assert gzip.decompress((site / "sitemap.xml.gz").read_bytes()) == (site / "sitemap.xml").read_bytes()


def test_without_source_date_epoch_dates_come_from_the_content_never_the_clock(tmp_path: Path) -> None:
    root = make_project(tmp_path / "project")
    _with_site_url(root)
    env = {k: v for k, v in os.environ.items() if k != "SOURCE_DATE_EPOCH"}
    done = subprocess.run(
        [sys.executable, "-m", "generator", "--root", str(root), "build"],
        cwd=REPO,
        env=env,
        capture_output=True,
        text=True,
        check=False,
    )
    assert done.returncode == 0, done.stderr
    site = root / "site"
    assert lastmods(site) == {"2025-10-02"}  # the newest publication date in the fixture
    today = date.today()
    assert today.isoformat() != "2025-10-02"
    stamps = {today.isoformat(), f"{today:%Y/%m/%d}", f"{today:%b} {today.day}, {today.year}"}
    for path in sorted(site.rglob("*")):
        if path.is_file():
            data = path.read_bytes()
            data = gzip.decompress(data) if path.suffix == ".gz" else data
            found = [s for s in stamps if s.encode() in data]
            assert found == [], f"{path.relative_to(site)} holds today's date {found}"


# --- a killed build: its children die with it, the next build clears what it left ------------


def descendants(pid: int) -> dict[int, str]:
    """The live processes below ``pid`` and their command lines (zombies count as gone)."""
    parents: dict[int, int] = {}
    commands: dict[int, str] = {}
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            stat = (entry / "stat").read_text()
            cmdline = (entry / "cmdline").read_bytes().replace(b"\0", b" ").decode(errors="replace")
        except OSError:  # gone meanwhile
            continue
        state, ppid = stat.rsplit(")", 1)[1].split()[:2]
        if state != "Z":
            parents[int(entry.name)], commands[int(entry.name)] = int(ppid), cmdline
    found: dict[int, str] = {}
    frontier = [pid]
    while frontier:
        parent = frontier.pop()
        for child, ppid in parents.items():
            if ppid == parent and child not in found:
                found[child] = commands[child]
                frontier.append(child)
    return found


def wait_for_child(pid: int, word: str, timeout: float = 120) -> dict[int, str]:
    """Poll until a process below ``pid`` runs a command naming ``word``; all of them then."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        found = descendants(pid)
        if any(word in command for command in found.values()):
            return found
        time.sleep(0.02)
    raise AssertionError(f"no {word} process appeared below {pid}")


def still_running(pids: Iterable[int], grace: float = 3.0) -> list[int]:
    """Those of ``pids`` alive (not zombies) after ``grace`` seconds."""
    deadline = time.monotonic() + grace
    while True:
        alive = [pid for pid in pids if _alive(pid)]
        if not alive or time.monotonic() > deadline:
            return alive
        time.sleep(0.05)


def _alive(pid: int) -> bool:
    try:
        return (Path("/proc") / str(pid) / "stat").read_text().rsplit(")", 1)[1].split()[0] != "Z"
    except OSError:
        return False


# A hook that holds MkDocs in its config load, after Material's banner: a write to a pipe whose
# reader died would end MkDocs by accident and hide whether it dies with the build.
SLOW_HOOK = "import pathlib, time\n\npathlib.Path(__file__).with_name('hook-started').touch()\ntime.sleep(60)\n"


def test_a_killed_build_takes_mkdocs_with_it_and_the_next_build_clears_its_leftovers(tmp_path: Path) -> None:
    root = make_project(tmp_path / "project")
    (root / "slow_hook.py").write_text(SLOW_HOOK, encoding="utf-8")
    with edited(root / "mkdocs.yml", "hooks:\n", "hooks:\n  - slow_hook.py\n"):
        run = generator(root, "build")
        deadline = time.monotonic() + 120
        while not (root / "hook-started").exists() and time.monotonic() < deadline:
            time.sleep(0.02)
        children = wait_for_child(run.pid, "mkdocs")
        run.send_signal(signal.SIGKILL)
        run.communicate(timeout=60)
        assert still_running(children) == [], f"outlived the build: {children}"
    assert leftovers(root), "a killed build leaves its staging directories"
    assert not (root / "site").exists()
    done = run_generator(root, "build")
    assert done.returncode == 0, done.stderr
    assert leftovers(root) == []
    assert (root / "site" / "index.html").is_file()


# --- the build date: any value the pipeline can carry ------------------------------------------


@pytest.mark.parametrize("value", ["soon", "1.5e9", "²", "12 34", "1700000000\nfoo", ""])
def test_a_bad_source_date_epoch_is_one_clear_problem(built: Path, value: str) -> None:
    before = snapshot(built / "site")
    done = subprocess.run(
        [sys.executable, "-m", "generator", "--root", str(built), "build"],
        cwd=REPO,
        env={**os.environ, "SOURCE_DATE_EPOCH": value},
        capture_output=True,
        text=True,
        check=False,
    )
    assert done.returncode == 1
    assert "Traceback" not in done.stderr + done.stdout
    problems = [line for line in done.stderr.splitlines() if line.startswith("SOURCE_DATE_EPOCH:1:")]
    assert len(problems) == 1 and "not a number of seconds" in problems[0], done.stderr
    assert snapshot(built / "site") == before
    assert leftovers(built) == []


@pytest.mark.parametrize(
    ("value", "day"), [("99999999999", date(2106, 2, 7)), ("-5", date(1980, 1, 1)), ("0", date(1980, 1, 1))]
)
def test_a_build_date_outside_what_gzip_and_zip_hold_is_clamped(tmp_path: Path, value: str, day: date) -> None:
    root = make_project(tmp_path / "project")
    _with_site_url(root)
    run = generator(root, "build", env={"SOURCE_DATE_EPOCH": value})
    _, err = run.communicate(timeout=300)
    assert run.returncode == 0, err
    assert "warning: SOURCE_DATE_EPOCH" in err and "outside 1980-01-01..2106-02-07" in err
    header = (root / "site" / "sitemap.xml.gz").read_bytes()[:10]
    assert datetime.fromtimestamp(int.from_bytes(header[4:8], "little"), UTC).date() == day
    assert lastmods(root / "site") == {day.isoformat()}


def test_a_publication_date_past_2106_cannot_break_the_build_date() -> None:
    def catalog(*dates: date) -> Any:
        return SimpleNamespace(papers=[SimpleNamespace(published=d) for d in dates])

    env = {k: v for k, v in os.environ.items() if k != "SOURCE_DATE_EPOCH"}
    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(os, "environ", env)
        epoch, problems = source_date_epoch(catalog(date(2025, 10, 2), date(9999, 12, 31)))
        assert epoch == 2**32 - 1
        assert [p.severity for p in problems] == [Severity.WARNING]
        assert source_date_epoch(catalog(date(1, 1, 1)))[0] == 315532800
        assert source_date_epoch(catalog(date(2025, 10, 2))) == (1759363200, [])
