"""YAML that costs the machine: anchors, aliases and deep nesting are refused with ``path:line``
before anything is built, in records, the taxonomy and the sources manifest.

Each case runs ``check`` in a child process with its memory capped, so a regression shows up
as a failed test (a traceback, a MemoryError, a segfault of libyaml's composer), never as a
crashed test run.
"""

from __future__ import annotations

import resource
import subprocess
import sys
import time
from pathlib import Path

import pytest
import yaml
from hypothesis import given, settings
from hypothesis import strategies as st

from conftest import examples, run_generator
from generator.yamlio import MAX_DEPTH, _may_be_unbounded, key_lines

RECORD = 'title: "A Paper"\nabstract: "An abstract."\ntopics:\n  - bandits\n'
DEEP = 10_000
MEMORY = 1 << 30  # bytes a check may use: ample for this project, far from an expanded bomb


def bomb(levels: int = 9) -> str:
    """A flow list that holds 9**levels strings once its aliases are expanded, in ~300 bytes."""
    parts = ["&a0 [" + ", ".join(["lol"] * 9) + "]"]
    parts += [f"&a{i} [" + ", ".join([f"*a{i - 1}"] * 9) + "]" for i in range(1, levels)]
    return "[" + ", ".join(parts) + "]"


def check(root: Path) -> subprocess.CompletedProcess[str]:
    """``python -m generator check`` with its memory capped."""

    def cap() -> None:
        resource.setrlimit(resource.RLIMIT_AS, (MEMORY, MEMORY))

    return subprocess.run(
        [sys.executable, "-m", "generator", "--root", str(root), "check"],
        cwd=Path(__file__).resolve().parent.parent,
        capture_output=True,
        text=True,
        timeout=120,
        preexec_fn=cap,
        check=False,
    )


HOSTILE_RECORDS = {
    "anchor": (RECORD.replace('"A Paper"', '&t "A Paper"'), 1, "anchor &t"),
    "alias": (RECORD + "scraped_title: &s x\nnote: *s\n", 5, "anchor &s"),
    **{
        f"bomb-{field}": (RECORD + f"{field}: {bomb()}\n", 5, "anchor &a0")
        for field in ("published", "authors", "upvotes", "hidden", "status", "sources")
    },
    "deep-flow": (RECORD + "tags: " + "[" * DEEP + "]" * DEEP + "\n", 5, "nested more than 8 levels"),
    "deep-compact": (RECORD + "tags:\n" + "- " * DEEP + "x\n", 6, "nested more than 8 levels"),
    "deep-block": (RECORD + "tags:\n" + "".join(" " * i + "-\n" for i in range(1000)), 13, "nested more than 8 levels"),
    "deep-unclosed": (RECORD + "tags: " + "{a: " * DEEP + "\n", 5, "nested more than 8 levels"),
}


def test_hostile_records_are_refused_each_with_one_line(project: Path) -> None:
    papers = project / "content" / "papers"
    papers.mkdir(exist_ok=True)
    for name, (text, _, _) in HOSTILE_RECORDS.items():
        (papers / f"{name}.yml").write_text(text, encoding="utf-8")
    started = time.monotonic()
    done = check(project)
    assert time.monotonic() - started < 60
    assert done.returncode == 1, done.stderr[-2000:]
    assert "Traceback" not in done.stderr
    lines = done.stderr.splitlines()
    for name, (_, line, words) in HOSTILE_RECORDS.items():
        mine = [entry for entry in lines if entry.startswith(f"content/papers/{name}.yml:")]
        assert len(mine) == 1, (name, mine)
        assert mine[0].startswith(f"content/papers/{name}.yml:{line}: "), mine
        assert words in mine[0]
    assert all(len(entry) < 300 for entry in lines)  # no value is printed whole


@pytest.mark.parametrize(
    ("edit", "line", "words"),
    [
        (("  - id: bandits", "  - id: &b bandits"), 12, "anchor &b"),
        (("  - id: bandits", f"  - id: {bomb()}"), 12, "anchor &a0"),
        (("    min_score: 1", "    min_score: " + "[" * DEEP), 16, "nested more than 8 levels"),
        (("tags:\n", "tags:\n" + "".join(" " * i + "- \n" for i in range(2000))), 25, "nested more than 8 levels"),
    ],
)
def test_a_hostile_taxonomy_is_refused_with_its_line(
    project: Path, edit: tuple[str, str], line: int, words: str
) -> None:
    taxonomy = project / "content" / "taxonomy.yml"
    text = taxonomy.read_text(encoding="utf-8")
    assert edit[0] in text
    taxonomy.write_text(text.replace(edit[0], edit[1], 1), encoding="utf-8")
    done = check(project)
    assert done.returncode == 1
    assert "Traceback" not in done.stderr
    errors = [e for e in done.stderr.splitlines() if e.startswith("content/taxonomy.yml:") and ": notice: " not in e]
    assert len(errors) == 1 and errors[0].startswith(f"content/taxonomy.yml:{line}: ") and words in errors[0], errors


@pytest.mark.parametrize(
    ("text", "line", "words"),
    [
        ("a.txt: &y\n  capture_year: 2025\nb.txt: *y\n", 1, "anchor &y"),
        (f"a.txt:\n  capture_year: {bomb()}\n", 2, "anchor &a0"),
        ("a.txt: " + "{b: " * DEEP + "\n", 1, "nested more than 8 levels"),
    ],
)
def test_a_hostile_sources_manifest_is_refused_with_its_line(project: Path, text: str, line: int, words: str) -> None:
    (project / "content" / "sources" / "sources.yml").write_text(text, encoding="utf-8")
    done = check(project)
    assert done.returncode == 1
    assert "Traceback" not in done.stderr
    errors = [entry for entry in done.stderr.splitlines() if entry.startswith("content/sources/sources.yml:")]
    assert errors and errors[0].startswith(f"content/sources/sources.yml:{line}: ") and words in errors[0], errors


@pytest.mark.parametrize(
    "depth",
    [
        # Five times Python's recursion limit: a recursive walk (yaml.compose) fails here.
        5 * sys.getrecursionlimit(),
        # Deep enough for a recursive walk in C to overflow the stack; libyaml's flow scanner is
        # quadratic in nesting, so this one takes a minute.
        pytest.param(100_000, marks=pytest.mark.slow),
    ],
)
def test_key_lines_costs_no_stack_on_deep_input(depth: int) -> None:
    assert key_lines("a: " + "[" * depth + "]" * depth) == {"a": 1, "a[0]": 1}
    assert key_lines("a:\n" + "- " * depth + "x\n") == {"a": 1, "a[0]": 2}


def test_an_ordinary_record_with_brackets_and_ampersands_still_loads(project: Path) -> None:
    papers = project / "content" / "papers"
    papers.mkdir(exist_ok=True)
    text = RECORD.replace("An abstract.", "R&D at O(n*m) for [1], {x}: [a, [b]] - [c]") + "tags: []\n"
    (papers / "a-paper.yml").write_text(text, encoding="utf-8")
    done = run_generator(project, "check")
    assert done.returncode == 0, done.stderr


def _deepest(text: str) -> tuple[int, bool] | None:
    """Deepest nesting and whether any anchor or alias appears, from parser events; None if invalid."""
    loader = yaml.CSafeLoader(text)
    depth = deepest = 0
    anchored = False
    try:
        while loader.check_event():
            event = loader.get_event()
            anchored = anchored or isinstance(event, yaml.AliasEvent) or getattr(event, "anchor", None) is not None
            if isinstance(event, yaml.CollectionStartEvent):
                depth += 1
                deepest = max(deepest, depth)
            elif isinstance(event, yaml.CollectionEndEvent):
                depth -= 1
    except yaml.YAMLError:
        return None
    finally:
        loader.dispose()
    return deepest, anchored


PIECES = st.sampled_from([*"[]{}:,-? \n\t#!ab\"'&*", "- ", ": ", "\n  ", "\n    ", "? ", "!!seq ", "[]", "tags: []\n"])


@settings(max_examples=examples(300), deadline=None)
@given(st.lists(PIECES, max_size=60).map("".join))
def test_a_file_skips_the_scan_only_when_it_is_provably_within_bounds(text: str) -> None:
    """The cheap byte test may send any file to the event scan, but must never let one past it
    that holds an anchor, an alias, or nesting the scan would refuse."""
    found = _deepest(text)
    if found is not None and not _may_be_unbounded(text):
        assert found[0] <= MAX_DEPTH - 1 and not found[1], text  # the proof gives 7: one level spare
