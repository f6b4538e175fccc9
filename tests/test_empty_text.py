"""Text that is only what safetext drops (a BOM, bidi controls) is empty, and refused as empty.

Such a title passed the non-empty check (``"\\ufeff".strip()`` is not empty) and became a
paper with an empty title and a mere warning; in a dump the line vanished unsaid. Now the
emptiness is tested after the drop: a record is refused at the field's line, a dump entry
is reported at its file and line, never silently dropped.
"""

from __future__ import annotations

from pathlib import Path

import pytest
from test_validation import GOOD, problems_for

from conftest import run_generator
from generator.parse import parse_dump

RECORD = "content/papers/a-paper.yml"
BOM = "byte order mark U+FEFF at character 1"
EMPTY = "is empty once invisible characters are dropped"
SKIPPED = f"entry skipped: text {EMPTY}"


@pytest.mark.parametrize(
    ("edit", "expected"),
    [
        (
            ('title: "A Paper"', r'title: "\ufeff"'),
            f"{RECORD}:1: title is empty once invisible characters are dropped ({BOM})",
        ),
        (
            ('title: "A Paper"', r'title: " \u202e\u2066 "'),
            f"{RECORD}:1: title {EMPTY} (bidi control U+202E at character 2 (and 1 more))",
        ),
        (
            ('abstract: "An abstract."', r'abstract: "\ufeff\n\u202c"'),
            f"{RECORD}:3: abstract is empty once invisible characters are dropped ({BOM} (and 1 more))",
        ),
        (
            ('scraped_title: "A Paper"', r'scraped_title: "\ufeff"'),
            f"{RECORD}:2: scraped_title is empty once invisible characters are dropped ({BOM})",
        ),
        (
            ("upvotes: 1", 'upvotes: 1\nnote: "\\ufeff"'),
            f"{RECORD}:7: note is empty once invisible characters are dropped ({BOM})",
        ),
        (
            ("upvotes: 1", 'upvotes: 1\nauthor_names:\n  - "\\ufeff"'),
            f"{RECORD}:8: author_names[0] must be a one-line name, got '\\ufeff'",
        ),
    ],
)
def test_a_record_field_of_only_dropped_characters_is_refused(
    project: Path, edit: tuple[str, str], expected: str
) -> None:
    assert problems_for(project, GOOD.replace(*edit, 1)) == [expected]


def test_check_refuses_a_title_that_is_only_a_bom(project: Path) -> None:
    papers = project / "content" / "papers"
    papers.mkdir(exist_ok=True)
    (papers / "a-paper.yml").write_text(GOOD.replace('"A Paper"', r'"\ufeff"', 1), encoding="utf-8")
    done = run_generator(project, "check")
    assert done.returncode != 0
    assert "Traceback" not in done.stderr
    assert f"{RECORD}:1: title is empty once invisible characters are dropped ({BOM})" in done.stdout + done.stderr


ENTRY = "A real title\n\nA real abstract that is long enough.\n\nJun 5, 2024 3\n\n"


@pytest.mark.parametrize(
    ("dump", "expected"),
    [
        pytest.param(
            ENTRY + "\ufeff\n\nAn abstract.\n\nJun 5, 2024 3\n\n" + ENTRY,
            [f"dump.txt:7: {SKIPPED} (byte order mark U+FEFF at column 1)"],
            id="title-bom",
        ),
        pytest.param(
            ENTRY + " \u202e \u2069\n\nAn abstract.\n\nJun 5, 2024 3\n\n" + ENTRY,
            [f"dump.txt:7: {SKIPPED} (bidi control U+202E at column 2 (and 1 more))"],
            id="title-bidi",
        ),
        pytest.param(
            ENTRY + "A title\n\n\ufeff\n\nJun 5, 2024 3\n\n" + ENTRY,
            [f"dump.txt:9: {SKIPPED} (byte order mark U+FEFF at column 1)"],
            id="abstract-bom",
        ),
    ],
)
def test_a_dump_entry_of_only_dropped_characters_is_reported(tmp_path: Path, dump: str, expected: list[str]) -> None:
    path = tmp_path / "dump.txt"
    path.write_text(dump, encoding="utf-8")
    entries, problems = parse_dump(path, 2025)
    assert [str(p).replace(f"{tmp_path}/", "") for p in problems] == expected
    assert [e.title for e in entries] == ["A real title", "A real title"], "the entries around it are read"
    assert all(e.title.strip() and e.abstract.strip() for e in entries)
