"""Builds that cannot lose the site: every kind of failure leaves ``site/`` as it was.

tests/test_build.py covers a record naming an unknown topic and two builds being
byte-identical; these cover the other ways a build fails, builds racing each other, and
where the dates in the output come from.
"""

from __future__ import annotations

import gzip
import os
import re
import subprocess
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, date, datetime
from pathlib import Path

import pytest

from conftest import REPO, make_project, run_generator

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
    text = config.read_text(encoding="utf-8")
    if "site_url:" not in text:
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
