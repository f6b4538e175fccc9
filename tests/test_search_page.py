"""The page Pagefind indexes for each paper (templates/search_page.html.j2): its exact bytes, and
a page written again whenever what it shows or the template changes."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest
from test_render import catalog, paper

from generator import search, urls
from generator.records import Paper

HOSTILE = "<b>\"Fish\" & 'chips'</b> {{ x }} \u00e9\u200b"
# The bytes the pages had when Python wrote them with html.escape: Pagefind has indexed these.
ESCAPED = "&lt;b&gt;&quot;Fish&quot; &amp; &#x27;chips&#x27;&lt;/b&gt; {{ x }} \u00e9\u200b"
EXPECTED_HOSTILE = (
    f'<!doctype html>\n<html lang="en"><head><meta charset="utf-8"><title>{ESCAPED}</title></head>\n'
    "<body><main data-pagefind-body>\n"
    f'<h1 data-pagefind-weight="10">{ESCAPED}</h1>\n'
    f"<p>{ESCAPED}\nline two\ttab</p>\n"
    '<p data-pagefind-weight="2">Bandits · Regret bounds</p>\n'
    '<span data-pagefind-meta="topics:Bandits"></span><span data-pagefind-meta="date:2024-05-01"></span>\n'
    "</main></body></html>\n"
)
EXPECTED_UNDATED = (
    '<!doctype html>\n<html lang="en"><head><meta charset="utf-8"><title>Plain</title></head>\n'
    "<body><main data-pagefind-body>\n"
    '<h1 data-pagefind-weight="10">Plain</h1>\n'
    "<p>An abstract.</p>\n"
    '<p data-pagefind-weight="2">Low-rank &amp; matrix methods</p>\n'
    '<span data-pagefind-meta="topics:Low-rank &amp; matrix methods"></span>\n'
    "</main></body></html>\n"
)


def papers() -> list[Paper]:
    return [
        paper("hostile", HOSTILE, abstract=HOSTILE + "\nline two\ttab", tags=("regret",)),
        paper("undated", "Plain", published=None, topics=("low-rank",)),
    ]


def test_a_search_page_holds_the_paper_text_escaped_and_nothing_else() -> None:
    cat = catalog(papers())
    assert search.search_page(cat.by_id["hostile"], cat) == EXPECTED_HOSTILE
    assert search.search_page(cat.by_id["undated"], cat) == EXPECTED_UNDATED


def test_pages_are_written_again_when_a_paper_or_the_template_changes(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    pages = tmp_path / "search"
    search.write_search_pages(catalog(papers()), pages)
    page = pages / urls.search_file(0, "undated")
    assert page.read_text(encoding="utf-8") == EXPECTED_UNDATED

    edited = [*papers()[:1], paper("undated", "Plain, edited", published=None, topics=("low-rank",))]
    search.write_search_pages(catalog(edited), pages)
    assert '<h1 data-pagefind-weight="10">Plain, edited</h1>' in page.read_text(encoding="utf-8")

    templates = tmp_path / "templates"
    shutil.copytree(search.TEMPLATES, templates)
    template = templates / search.PAGE_TEMPLATE
    template.write_text(template.read_text(encoding="utf-8").replace("<main ", "<main class=x "), encoding="utf-8")
    monkeypatch.setattr(search, "TEMPLATES", templates)
    monkeypatch.setattr(search._PAGES, "loader", search.jinja2.FileSystemLoader(templates))
    search.write_search_pages(catalog(edited), pages)
    assert "<main class=x " in page.read_text(encoding="utf-8")
