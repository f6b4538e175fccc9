"""Untrusted input cannot reach outside ``content/`` or ``site/``, run code, or crash the build."""

from __future__ import annotations

import re
import shutil
from dataclasses import dataclass
from pathlib import Path

import pytest

from conftest import REPO, make_project, run_generator
from generator.build import Project, generate
from generator.cli import main
from generator.records import paper_id

SLUG = re.compile(r"[a-z0-9]+(?:-[a-z0-9]+)*")
PROBLEM_LINE = re.compile(r"[^:\n]+:\d+: .+")
# Device names Windows refuses as file names, whatever the extension: a curator on Windows
# could not check out content/papers/con.yml.
WINDOWS_RESERVED = {"con", "prn", "aux", "nul", *(f"com{i}" for i in range(10)), *(f"lpt{i}" for i in range(10))}
TRAVERSAL_TITLES = [
    "../../etc/passwd",
    "..",
    ".",
    "/abs/olute path",
    "CON",
    "nul",
    "a/b\\c",
    "~/.ssh/id_rsa",
    "%2e%2e%2fetc",
    "C:\\Windows\\system32",
    "\U0001f600\U0001f525\U0001f680",
    "\u202e\u200f",
    "-",
    "index",
]


def tree(root: Path) -> set[str]:
    return {p.relative_to(root).as_posix() for p in root.rglob("*")}


@dataclass(frozen=True)
class Run:
    returncode: int
    stdout: str
    stderr: str


def check(root: Path, capsys: pytest.CaptureFixture[str]) -> Run:
    """``python -m generator --root ROOT check``, in process: an exception is a failed test."""
    code = main(["--root", str(root), "check"])
    out, err = capsys.readouterr()
    return Run(code, out, err)


def clean_failure(done: Run) -> list[str]:
    """The problem lines of a failed command, after checking it failed cleanly."""
    assert done.returncode == 1, done.stdout + done.stderr
    assert "Traceback" not in done.stdout + done.stderr
    lines = [line for line in done.stderr.splitlines() if line.strip()]
    assert all(PROBLEM_LINE.fullmatch(line) or line.startswith(("check failed", "build failed")) for line in lines), (
        lines
    )
    return [line for line in lines if PROBLEM_LINE.fullmatch(line)]


@pytest.mark.parametrize("title", [*TRAVERSAL_TITLES, "", "   "])
def test_an_id_is_a_plain_slug_whatever_the_title(title: str) -> None:
    taken: set[str] = set()
    first = paper_id(title, taken)
    taken.add(first)
    second = paper_id(title, taken)
    for found in (first, second):
        assert SLUG.fullmatch(found), found
        assert found not in WINDOWS_RESERVED
    assert first != second


@pytest.mark.slow
def test_hostile_titles_land_under_content_papers_and_site_papers(tmp_path: Path) -> None:
    root = make_project(tmp_path / "project")
    blocks = [f"{title}\n\nThe abstract of a paper titled {title!r}, about bandits.\n" for title in TRAVERSAL_TITLES]
    (root / "content" / "sources" / "listing.txt").write_text("\n".join(blocks), encoding="utf-8")
    outside_before = tree(tmp_path) - {p for p in tree(tmp_path) if p.startswith("project/content/papers")}
    done = run_generator(root, "build")
    assert done.returncode == 0, done.stderr
    records = sorted((root / "content" / "papers").iterdir())
    assert len(records) == len(TRAVERSAL_TITLES)
    for path in records:
        assert path.parent == root / "content" / "papers"
        assert path.suffix == ".yml" and SLUG.fullmatch(path.stem), path.name
        assert (root / "site" / "papers" / path.stem / "index.html").is_file()
    new = tree(tmp_path) - outside_before
    allowed = ("project/content/papers", "project/site", "project/build")
    assert [p for p in sorted(new) if not p.startswith(allowed)] == []
    assert not (root / "site" / "index.yml").exists()


@pytest.mark.parametrize(
    "name",
    ["..yml", "...yml", "a..b.yml", ".hidden.yml", "Upper-Case.yml", "with space.yml", "-dash.yml", "é.yml"],
)
def test_a_record_file_with_a_bad_name_is_a_clean_error(
    ingested: Path, name: str, capsys: pytest.CaptureFixture[str]
) -> None:
    source = next((ingested / "content" / "papers").glob("single-layer*.yml"))
    (ingested / "content" / "papers" / name).write_text(
        source.read_text(encoding="utf-8").replace("Single Layer", "Renamed Single Layer"), encoding="utf-8"
    )
    problems = clean_failure(check(ingested, capsys))
    assert any(name in line and "not a valid id" in line for line in problems), problems


@pytest.fixture(scope="module")
def ingested_once(tmp_path_factory: pytest.TempPathFactory) -> Path:
    root = make_project(tmp_path_factory.mktemp("safety") / "project")
    generate(Project(root))
    return root


@pytest.fixture
def ingested(ingested_once: Path, tmp_path: Path) -> Path:
    """A project whose records exist, copied fresh for each test."""
    root = tmp_path / "project"
    shutil.copytree(ingested_once, root, symlinks=True)
    return root


def write_record(root: Path, name: str, text: str) -> Path:
    path = root / "content" / "papers" / name
    path.write_text(text, encoding="utf-8")
    return path


@pytest.mark.parametrize(
    "payload",
    [
        '!!python/object/apply:os.system ["touch {marker}"]',
        "!!python/object/new:os.system [touch {marker}]",
        "!!python/name:os.system",
        '!!python/object/apply:subprocess.check_output [["touch", "{marker}"]]',
    ],
)
def test_yaml_is_loaded_safely(
    ingested: Path, tmp_path: Path, payload: str, capsys: pytest.CaptureFixture[str]
) -> None:
    marker = tmp_path / "executed"
    write_record(
        ingested,
        "evil.yml",
        f"title: {payload.format(marker=marker)}\nabstract: Harmless.\ntopics: [bandits]\n",
    )
    problems = clean_failure(check(ingested, capsys))
    assert not marker.exists()
    assert any(line.startswith("content/papers/evil.yml:1:") for line in problems), problems


def test_an_alias_bomb_is_a_clean_error(ingested: Path, capsys: pytest.CaptureFixture[str]) -> None:
    levels = ['a0: &a0 ["x", "x", "x", "x", "x", "x", "x", "x", "x"]']
    levels += [f"a{i}: &a{i} [{', '.join([f'*a{i - 1}'] * 9)}]" for i in range(1, 10)]
    write_record(ingested, "bomb.yml", "\n".join(levels) + "\ntitle: *a9\nabstract: x\ntopics: [bandits]\n")
    problems = clean_failure(check(ingested, capsys))
    assert any(line.startswith("content/papers/bomb.yml:") for line in problems)


GARBAGE = {
    "title-is-a-list": ("title: [a, b]\nabstract: x\ntopics: [bandits]\n", "title"),
    "title-is-a-mapping": ("title: {a: b}\nabstract: x\ntopics: [bandits]\n", "title"),
    "title-is-a-number": ("title: 12\nabstract: x\ntopics: [bandits]\n", "title"),
    "title-has-two-lines": ('title: "one\\ntwo"\nabstract: x\ntopics: [bandits]\n', "title"),
    "bad-date": ("title: t\nabstract: x\npublished: 2024-13-45\ntopics: [bandits]\n", "published"),
    "negative-authors": ("title: t\nabstract: x\nauthors: -1\ntopics: [bandits]\n", "authors"),
    "upvotes-text": ("title: t\nabstract: x\nupvotes: many\ntopics: [bandits]\n", "upvotes"),
    "tags-not-a-list": ("title: t\nabstract: x\ntopics: [bandits]\ntags: regret\n", "tags"),
    "hidden-text": ("title: t\nabstract: x\ntopics: [bandits]\nhidden: perhaps\n", "hidden"),
    "not-a-mapping": ("- just\n- a list\n", "mapping"),
    "empty-file": ("", "mapping"),
    "tab-indented": ("title: t\nabstract: x\ntopics:\n\t- bandits\n", "YAML"),
    "duplicate-key": ("title: t\ntitle: u\nabstract: x\ntopics: [bandits]\n", "duplicate"),
    "control-characters": (
        'title: "Bell \\a and nul \\0"\nabstract: "esc \\e[31m red"\ntopics: [bandits]\n',
        "control",
    ),
}


@pytest.mark.parametrize("case", sorted(GARBAGE))
def test_a_garbage_field_is_a_clean_error_line(ingested: Path, case: str, capsys: pytest.CaptureFixture[str]) -> None:
    text, word = GARBAGE[case]
    write_record(ingested, f"{case}.yml", text)
    problems = clean_failure(check(ingested, capsys))
    mine = [line for line in problems if line.startswith(f"content/papers/{case}.yml:")]
    assert any(word.lower() in line.lower() for line in mine), problems


def test_invalid_utf8_in_a_record_is_a_clean_error(ingested: Path, capsys: pytest.CaptureFixture[str]) -> None:
    (ingested / "content" / "papers" / "latin1.yml").write_bytes(b"title: caf\xe9\nabstract: x\ntopics: [bandits]\n")
    problems = clean_failure(check(ingested, capsys))
    assert any(line.startswith("content/papers/latin1.yml:1: ") and "UTF-8" in line for line in problems)


def test_a_huge_unicode_record_checks(ingested: Path, capsys: pytest.CaptureFixture[str]) -> None:
    """Big is not broken: a 200,000-character abstract and a long emoji title still check."""
    abstract = ("Ünïcödé 漢字 \U0001f9ea \u202e " * 10_000).strip()
    title = "\U0001f600" * 500 + " bandit"
    write_record(
        ingested,
        "huge.yml",
        f'title: "{title}"\nabstract: "{abstract}"\ntopics: [bandits]\n',
    )
    done = check(ingested, capsys)
    assert done.returncode == 0, done.stderr


def test_the_repository_loads_yaml_only_safely() -> None:
    """No loader that can build Python objects is used anywhere in the generator."""
    for path in sorted((REPO / "generator").rglob("*.py")):
        text = path.read_text(encoding="utf-8")
        assert not re.search(r"yaml\.(unsafe_load|full_load|load_all)\(|Loader=yaml\.(Unsafe|Full)?Loader\b", text), (
            path
        )
        assert not re.search(r"YAML\(typ=['\"]unsafe['\"]", text), path
