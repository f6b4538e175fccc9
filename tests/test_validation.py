"""`python -m generator check`: every problem, one line each, at the right line."""

from __future__ import annotations

from pathlib import Path

import pytest

from conftest import run_generator
from generator.build import Project, load_curated

GOOD = """\
title: "A Paper"
scraped_title: "A Paper"
abstract: "An abstract."
published: 2024-06-05
authors: 3
upvotes: 1
sources:
  - listing.txt
topics:
  - bandits
tags:
  - regret
"""


def problems_for(project: Path, text: str, name: str = "a-paper.yml") -> list[str]:
    papers = project / "content" / "papers"
    papers.mkdir(exist_ok=True)
    (papers / name).write_text(text, encoding="utf-8")
    _, _, found = load_curated(Project(project))
    return [str(p).replace(f"{project}/", "") for p in found]


def test_a_good_record_has_no_problem(project: Path) -> None:
    assert problems_for(project, GOOD) == []


@pytest.mark.parametrize(
    ("edit", "expected"),
    [
        (("  - regret", "  - regrte"), "content/papers/a-paper.yml:12: unknown tag 'regrte' (did you mean 'regret'?)"),
        (
            ("  - bandits", "  - bandit"),
            "content/papers/a-paper.yml:10: unknown topic 'bandit' (did you mean 'bandits'?)",
        ),
        (("tags:", "tgas:"), "content/papers/a-paper.yml:11: unknown field 'tgas' (did you mean 'tags'?)"),
        (
            ("authors: 3", "authors: three"),
            "content/papers/a-paper.yml:5: authors must be a whole number >= 0 or null, got 'three'",
        ),
        (
            ("published: 2024-06-05", "published: June 5"),
            "content/papers/a-paper.yml:4: published must be a date YYYY-MM-DD or null, got 'June 5'",
        ),
        (('title: "A Paper"\n', ""), "content/papers/a-paper.yml:1: missing required field 'title'"),
        (("topics:\n  - bandits", "topics: []"), "content/papers/a-paper.yml:9: topics must name at least one topic"),
        (("  - regret", "  - regret\n  - regret"), "content/papers/a-paper.yml:13: tag 'regret' is listed twice"),
        (
            ("sources:", "status: must-reed\nsources:"),
            "content/papers/a-paper.yml:7: unknown status 'must-reed' (did you mean 'must-read'?)",
        ),
        (
            ("upvotes: 1", "upvotes: 1\nhidden: maybe"),
            "content/papers/a-paper.yml:7: hidden must be true or false, got 'maybe'",
        ),
    ],
)
def test_each_problem_names_its_line(project: Path, edit: tuple[str, str], expected: str) -> None:
    old, new = edit
    assert old in GOOD
    assert expected in problems_for(project, GOOD.replace(old, new, 1))


def test_broken_yaml_names_the_line(project: Path) -> None:
    found = problems_for(project, GOOD.replace("  - regret", "  - [regret"))
    assert len(found) == 1
    assert found[0].startswith("content/papers/a-paper.yml:13: invalid YAML:")


def test_a_duplicate_key_is_an_error_not_a_silent_overwrite(project: Path) -> None:
    found = problems_for(project, GOOD + "tags:\n  - llm\n")
    assert found == ["content/papers/a-paper.yml:13: invalid YAML: duplicate key 'tags' (first on line 11)"]


def test_an_alias_resolves_with_a_notice(project: Path) -> None:
    text = GOOD.replace("  - regret", "  - low-rank-adaptation")
    assert problems_for(project, text) == [
        "content/papers/a-paper.yml:12: notice: tag 'low-rank-adaptation' is an alias of 'lora'; write 'lora'"
    ]


def test_file_names_must_be_ids(project: Path) -> None:
    assert problems_for(project, GOOD, "A Paper.yml") == [
        "content/papers/A Paper.yml:1: file name 'A Paper.yml' is not a valid id (expected 'a-paper.yml')"
    ]


def test_the_same_id_twice_and_the_same_paper_twice(project: Path) -> None:
    papers = project / "content" / "papers"
    papers.mkdir(exist_ok=True)
    (papers / "a-paper.yaml").write_text(GOOD, encoding="utf-8")
    found = problems_for(project, GOOD)
    assert "content/papers/a-paper.yml:1: duplicate id 'a-paper': content/papers/a-paper.yaml has it too" in found
    assert "content/papers/a-paper.yaml:1: record files end in .yml: rename 'a-paper.yaml' to 'a-paper.yml'" in found
    (papers / "a-paper.yaml").unlink()
    (papers / "another.yml").write_text(GOOD, encoding="utf-8")
    found = problems_for(project, GOOD)
    assert "content/papers/another.yml:1: same paper as content/papers/a-paper.yml (scraped title 'A Paper')" in found


def test_taxonomy_problems(project: Path) -> None:
    taxonomy = project / "content" / "taxonomy.yml"
    text = taxonomy.read_text(encoding="utf-8")
    text = text.replace("tags:\n", "tags:\n  - id: llm\n    title: Again\n    description: Twice.\n", 1)
    text = text.replace("  - id: bandits\n", "  - id: bandits\n    keywrods: [bandit]\n", 1)
    text += "colours: [red]\n"
    taxonomy.write_text(text, encoding="utf-8")
    _, _, found = load_curated(Project(project))
    lines = [str(p).replace(f"{project}/", "") for p in found]
    assert "content/taxonomy.yml:27: tag 'llm' is defined twice (first on line 19)" in lines
    assert "content/taxonomy.yml:13: unknown key 'keywrods' in topics (did you mean 'keywords'?)" in lines
    assert "content/taxonomy.yml:39: unknown key 'colours'" in lines


def test_check_prints_every_problem_and_fails(project: Path) -> None:
    papers = project / "content" / "papers"
    papers.mkdir(exist_ok=True)
    (papers / "a-paper.yml").write_text(GOOD.replace("  - regret", "  - regrte"), encoding="utf-8")
    (papers / "b-paper.yml").write_text(GOOD.replace("A Paper", "B Paper").replace("tags:", "tgas:"), encoding="utf-8")
    (papers / "c-paper.yml").write_text("title: [unclosed\n", encoding="utf-8")
    done = run_generator(project, "check")
    assert done.returncode == 1
    lines = done.stderr.splitlines()
    assert lines[:3] == [
        "content/papers/a-paper.yml:12: unknown tag 'regrte' (did you mean 'regret'?)",
        "content/papers/b-paper.yml:11: unknown field 'tgas' (did you mean 'tags'?)",
        lines[2],
    ]
    assert lines[2].startswith("content/papers/c-paper.yml:2: invalid YAML:")
    assert lines[-1] == "check failed: 3 error(s)"
    assert "Traceback" not in done.stderr


# Issue 11: values the whole pipeline can carry, text that cannot break a page, one line per problem.


@pytest.mark.parametrize(
    ("edit", "expected"),
    [
        (
            ("sources:", "status: [must-read]\nsources:"),
            "content/papers/a-paper.yml:7: status must be a status id or null, got a list of 1 item",
        ),
        (
            ("published: 2024-06-05", "published: 2107-01-01"),
            "content/papers/a-paper.yml:4: published 2107-01-01 is outside 1800-01-01..2100-12-31",
        ),
        (
            ("authors: 3", "authors: [1, 2, 3]"),
            "content/papers/a-paper.yml:5: authors must be a whole number >= 0 or null, got a list of 3 items",
        ),
        (
            ("authors: 3", "authors: " + "9" * 100),
            "content/papers/a-paper.yml:5: authors must be at most 999999999, got a whole number of about 101 digits",
        ),
        (
            ('title: "A Paper"', 'title: "A \\uFFFE Paper"'),
            "content/papers/a-paper.yml:1: title holds noncharacter U+FFFE at character 3",
        ),
        (
            ('abstract: "An abstract."', 'abstract: "An \\x85abstract."'),
            "content/papers/a-paper.yml:3: abstract holds control character U+0085 at character 4",
        ),
        (
            ('title: "A Paper"', 'title: "A Paper\\u2028"'),
            "content/papers/a-paper.yml:1: title holds line separator U+2028 at character 8",
        ),
    ],
)
def test_values_the_pipeline_cannot_carry_are_blamed_on_the_record(
    project: Path, edit: tuple[str, str], expected: str
) -> None:
    old, new = edit
    assert old in GOOD
    found = problems_for(project, GOOD.replace(old, new, 1))
    assert expected in found, found


def test_bidi_controls_are_dropped_with_a_warning(project: Path) -> None:
    found = problems_for(project, GOOD.replace('title: "A Paper"', 'title: "A \\u202ePaper"', 1))
    assert found == ["content/papers/a-paper.yml:1: warning: title: bidi control U+202E at character 3 dropped"]
    _, papers, _ = load_curated(Project(project))
    assert [p.title for p in papers] == ["A Paper"]


def taxonomy_problems(project: Path, old: str, new: str) -> list[str]:
    taxonomy = project / "content" / "taxonomy.yml"
    text = taxonomy.read_text(encoding="utf-8")
    assert old in text
    taxonomy.write_text(text.replace(old, new, 1), encoding="utf-8")
    _, _, found = load_curated(Project(project))
    return [str(p).replace(f"{project}/", "") for p in found]


@pytest.mark.parametrize(
    ("old", "new", "expected"),
    [
        (
            "  - id: bandits",
            "  - id: index",
            "content/taxonomy.yml:12: topics 'index': id 'index' is reserved (it names a page or a device);"
            " choose another",
        ),
        (
            "  - id: llm",
            "  - id: index",
            "content/taxonomy.yml:23: tags 'index': id 'index' is reserved (it names a page or a device);"
            " choose another",
        ),
        (
            "    title: Bandits",
            '    title: "Ban\\uFFFEdits"',
            "content/taxonomy.yml:13: topics 'bandits': title holds noncharacter U+FFFE at character 4",
        ),
        (
            "    description: Large language models.",
            '    description: "Large \\x9b models."',
            "content/taxonomy.yml:25: tags 'llm': description holds control character U+009B at character 7",
        ),
        (
            "    aliases: [low-rank-adaptation]",
            '    aliases: ["low\\x7frank"]',
            "content/taxonomy.yml:21: tags 'lora': aliases holds control character U+007F at character 4",
        ),
        (
            "  - id: bandits",
            "  - id: [bandits]",
            "content/taxonomy.yml:12: topics: id must be lowercase words joined by '-', got a list of 1 item",
        ),
    ],
)
def test_taxonomy_terms_are_checked_like_records(project: Path, old: str, new: str, expected: str) -> None:
    found = taxonomy_problems(project, old, new)
    assert expected in found, found


def test_a_broken_taxonomy_is_not_buried_under_follow_on_errors(project: Path) -> None:
    papers = project / "content" / "papers"
    papers.mkdir(exist_ok=True)
    for n in range(20):
        (papers / f"paper-{n}.yml").write_text(GOOD.replace("A Paper", f"Paper {n}"), encoding="utf-8")
    (papers / "broken.yml").write_text("title: [unclosed\n", encoding="utf-8")
    found = taxonomy_problems(project, "  - id: bandits\n", "  - id: bandits\n   title: [\n")
    assert found[0].startswith("content/taxonomy.yml:13: invalid YAML")
    assert (
        "content/taxonomy.yml:1: notice: records were not checked against the vocabulary: fix the taxonomy first"
        in (found)
    )
    assert not [p for p in found if "unknown" in p]
    assert [p for p in found if p.startswith("content/papers/broken.yml:")]  # its own parse error still shows
    assert len(found) == 3, found


def test_no_printed_problem_can_forge_a_line(project: Path) -> None:
    papers = project / "content" / "papers"
    papers.mkdir(exist_ok=True)
    (papers / "x\n::error file=README.md::forged.yml").write_text(GOOD, encoding="utf-8")
    manifest = project / "content" / "sources" / "sources.yml"
    manifest.write_text(
        manifest.read_text(encoding="utf-8") + '"y\\n::error::forged\\u2028.txt":\n  capture_year: 2025\n',
        encoding="utf-8",
    )
    done = run_generator(project, "check")
    assert done.returncode == 1
    lines = done.stderr.splitlines()
    assert lines and all(line.startswith(("content/", "check failed")) for line in lines), lines
    assert not [line for line in lines if line.startswith("::")]
    assert any("forged.yml:1: file name" in line for line in lines)
    assert any(
        line.startswith("content/sources/sources.yml:4: 'y\\n::error::forged\\u2028.txt' holds") for line in lines
    )
