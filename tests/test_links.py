"""Links to the paper itself: arXiv ids and https links refused when malformed, shown when valid."""

from __future__ import annotations

import json
import re
from dataclasses import replace
from pathlib import Path

import pytest
from test_render import catalog, paper
from test_shell import assert_every_paper_page_filled_from_the_shell
from test_validation import GOOD, problems_for

from conftest import make_project, run_generator
from generator.feeds import atom_feed
from generator.links import arxiv_id_problem, bibtex, https_url_problem
from generator.render import Renderer
from generator.sitefiles import papers_json

GOOD_IDS = [
    "2410.13618",
    "2410.13618v2",
    "0704.0001",
    "1412.9999v12",
    "cs/0112017",
    "math.GT/0309136",
    "hep-th/9901001",
]
BAD_IDS = [
    "2410.1361",  # 4 digits after 1501
    "1201.12345",  # 5 digits before 1501
    "0612.0001",  # before new-style ids began
    "2413.13618",  # month 13
    "2410.13618v0",
    "2410.13618v",
    "cs/../0112017",
    "../2410.13618",
    "2410.13618/../../x",
    "cs/9001017",  # before arXiv
    "CS/0112017",
    "arXiv:2410.13618",
    " 2410.13618",
    "2410.13618\n",
    "2410.13618?x=1",
    "",
]


@pytest.mark.parametrize("value", GOOD_IDS)
def test_arxiv_ids_of_both_styles_are_accepted(value: str) -> None:
    assert arxiv_id_problem(value) is None


@pytest.mark.parametrize("value", BAD_IDS)
def test_anything_else_is_refused_with_a_hint(value: str) -> None:
    problem = arxiv_id_problem(value)
    assert problem is not None and 'e.g. "2410.13618"' in problem


@pytest.mark.parametrize(
    "value",
    [
        "javascript:alert(1)",
        "JAVASCRIPT:alert(1)",
        "http://github.com/o/r",
        "https://user:pw@github.com/o/r",
        "https://github.com@evil.example/o/r",
        "https://github.com/o/r\u0000",
        "https://github.com/o/r\u0085x",
        "https://github.com/o r",
        'https://github.com/o/r"><script>',
        "https://github.com/o/r\\..\\x",
        "https:///o/r",
        "https://localhost/o",
        "https://github.com:99999/o",
        "https://github.com/%zz",
        "data:text/html,<script>",
        "//github.com/o/r",
        "https://" + "a" * 2000 + ".com",
    ],
)
def test_unsafe_links_are_refused(value: str) -> None:
    assert https_url_problem("code", value) is not None


@pytest.mark.parametrize(
    "value", ["https://github.com/owner/repo", "https://example.org:8443/a/b?q=1&r=%20#frag", "https://x.io/@me"]
)
def test_plain_https_links_are_accepted(value: str) -> None:
    assert https_url_problem("url", value) is None


@pytest.mark.parametrize(
    ("line", "expected"),
    [
        ("arxiv: 2410.13618", ":7: arxiv must be quoted text, got the number 2410.13618"),
        ('arxiv: "cs/../0112017"', ":7: arxiv 'cs/../0112017' is not an arXiv identifier"),
        ("code: javascript:alert(1)", ":7: code 'javascript:alert(1)' is not an https link"),
        ("pdf: http://arxiv.org/pdf/2410.13618", ":7: pdf 'http://arxiv.org/pdf/2410.13618' is not an https link"),
        ("url: https://me:secret@example.org/", ":7: url 'https://me:secret@example.org/' holds a user name"),
        ('url: "https://example.org/\\u0007"', ":7: url holds white space or a control character"),
        ("author_names: Ada Lovelace", ":7: author_names must be a list of names"),
        ('author_names:\n  - "Ada\\nLovelace"', ":8: author_names[0] must be a one-line name"),
        ("author_names:\n  - 42", ":8: author_names[0] must be a one-line name, got 42"),
    ],
)
def test_a_malformed_value_is_refused_at_its_line(project: Path, line: str, expected: str) -> None:
    text = GOOD.replace("sources:", line + "\nsources:", 1)
    assert [p for p in problems_for(project, text) if expected in p], problems_for(project, text)


def test_a_record_with_every_new_field_is_valid(project: Path) -> None:
    fields = 'arxiv: "2410.13618v2"\nauthor_names:\n  - Ada Lovelace\npdf: https://a.org/p.pdf\ncode: https://github.com/o/r\n'
    assert problems_for(project, GOOD + fields) == []


ARXIV = paper("a", "A <b>title</b>", arxiv="2410.13618v2", author_names=("Ada Lovelace", "Alan Turing"))
PLAIN = paper("b", "Plain & simple", code="https://github.com/o/r")


def test_a_paper_with_an_id_links_to_arxiv_its_pdf_and_hugging_face() -> None:
    pages = Renderer(catalog([ARXIV, PLAIN])).pages()
    page = pages["papers/a.md"]
    assert '<h1><a class="pl-title-link" href="https://arxiv.org/abs/2410.13618v2"' in page
    for href in ("https://arxiv.org/abs/2410.13618v2", "https://arxiv.org/pdf/2410.13618v2"):
        assert f'href="{href}"' in page
    assert 'href="https://huggingface.co/papers/2410.13618"' in page
    assert "arxiv.org/search" not in page and "huggingface.co/papers?q=" not in page
    assert '<p class="pl-authors">Ada Lovelace, Alan Turing</p>' in page
    assert 'class="pl-arxiv" href="https://arxiv.org/abs/2410.13618v2"' in pages["topics/bandits.md"]


def test_without_an_id_the_searches_stay_and_the_record_links_show() -> None:
    page = Renderer(catalog([ARXIV, PLAIN])).pages()["papers/b.md"]
    assert "<h1" not in page  # the theme prints the title
    assert "https://arxiv.org/search/?searchtype=title&amp;query=Plain%20%26%20simple" in page
    assert '<a class="pl-link--code" href="https://github.com/o/r" rel="nofollow noopener">Code</a>' in page
    assert "Cite" not in page  # no author names: no BibTeX


def test_papers_json_carries_the_id_and_the_links() -> None:
    rows = {r["id"]: r for r in json.loads(papers_json(catalog([ARXIV, PLAIN])))}
    assert rows["a"]["arxiv"] == "2410.13618v2" and rows["b"]["arxiv"] is None
    assert rows["a"]["links"]["huggingface"] == "https://huggingface.co/papers/2410.13618"
    assert rows["a"]["author_names"] == ["Ada Lovelace", "Alan Turing"]
    assert rows["b"]["links"] == {"code": "https://github.com/o/r"}


def test_a_feed_entry_links_to_arxiv_too() -> None:
    feed = atom_feed([ARXIV], path="feed.xml", feed_id="all", title="t", subtitle="s", page="", undated=ARXIV.published)
    assert 'href="https://arxiv.org/abs/2410.13618v2" rel="related"' in feed


def test_bibtex_escapes_what_latex_would_run() -> None:
    entry = bibtex(
        title="A $x$ {b} 100% \\input{/etc/passwd}", authors=("Ö _Q_",), year=2024, arxiv_id="2410.13618v2", url=None
    )
    assert "\\textbackslash{}input\\{/etc/passwd\\}" in entry
    assert "\\$x\\$" in entry and "100\\%" in entry and "\\_Q\\_" in entry
    assert "eprint = {2410.13618}" in entry and "archivePrefix = {arXiv}" in entry
    assert re.match(r"@misc\{q2024input,\n", entry)


def test_the_bibtex_block_keeps_its_lines_as_character_references() -> None:
    page = Renderer(catalog([replace(ARXIV, title="T\\itle")])).pages()["papers/a.md"]
    block = page[page.index('<pre class="pl-bibtex">') :]
    block = block[: block.index("</pre>")]
    assert "\n" not in block and "&#10;  author = {Ada Lovelace and Alan Turing}" in block


@pytest.mark.slow
def test_pages_with_a_linked_title_or_a_bibtex_are_still_filled_from_the_theme_shell(project: Path) -> None:
    """The title's own <h1> and the BibTeX's <pre> keep paper pages on the fast path (mkdocs_hooks)."""
    assert run_generator(project, "ingest").returncode == 0
    records = sorted((project / "content" / "papers").glob("*.yml"))
    for index, record in enumerate(records):
        names = "author_names:\n  - Ada Lovelace\n" if index % 2 else ""
        record.write_text(record.read_text() + f'arxiv: "2410.1361{index}"\n{names}', encoding="utf-8")
    assert_every_paper_page_filled_from_the_shell(project)  # each checked against its real render first
    html = (project / "check" / "papers" / records[1].stem / "index.html").read_text(encoding="utf-8")
    assert html.count("<h1") == 1 and '<pre class="pl-bibtex"><code>@misc{' in html


@pytest.mark.slow
def test_a_built_page_has_one_linked_title_and_a_copyable_bibtex(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    root = make_project(tmp_path / "project")
    assert run_generator(root, "ingest").returncode == 0
    records = sorted((root / "content" / "papers").glob("*.yml"))
    first = records[0]
    first.write_text(first.read_text() + 'arxiv: "2410.13618"\nauthor_names:\n  - Ada Lovelace\n', encoding="utf-8")
    monkeypatch.setenv("PAPERLIST_SHELL", "verify")  # every page checked against the theme's real render
    done = run_generator(root, "build")
    assert done.returncode == 0, done.stderr
    html = (root / "site" / "papers" / first.stem / "index.html").read_text(encoding="utf-8")
    assert html.count("<h1") == 1 and '<h1><a class="pl-title-link" href="https://arxiv.org/abs/2410.13618"' in html
    assert '<pre class="pl-bibtex"><code>@misc{' in html
    assert '"content.code.copy"' in html  # Material's copy button on every pre > code
    other = (root / "site" / "papers" / records[1].stem / "index.html").read_text(encoding="utf-8")
    assert other.count("<h1") == 1  # the theme's
