"""Long lists in pages: a topic's or a tag's papers, PAGE_ROWS at a time, in each order readers sort by.

A list that fits on one page stays one page, sorted in the browser by a click on a column
header (tablesort) as before. A longer one would weigh megabytes at 100,000 papers, and a
browser sort of one page of it would sort that page alone, which misleads. So a long list is
cut into pages in each order readers ask for, sorted here:

- newest first (the default): ``topics/<id>.md`` (``topics/<id>/``), then ``topics/<id>/2.md``,
  ``topics/<id>/3.md``... (``topics/<id>/2/``...);
- most upvoted first: ``topics/<id>/top.md``, then ``topics/<id>/top/2.md``...

and the pages name both orders above the table and link every page below it; their tables do
not sort in the browser. The paths cannot meet any other page's: ids are one path segment and
never a number or ``top`` below an id (``topics/<id>/feed.xml`` is the only other file there).
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from dataclasses import dataclass

from . import urls
from .records import Paper

PAGE_ROWS = 400  # rows on one page: see the bound in tests/test_paging.py
ORDERS = {"newest": "newest first", "top": "most upvoted first"}


@dataclass(frozen=True)
class Pager:
    """Where a page sits in a paged list: its order, its number (from 1) of ``pages``."""

    base: str  # the list's site-relative URL: "topics/<id>/"
    order: str  # a key of ORDERS
    number: int
    pages: int

    def url(self, order: str, number: int) -> str:
        """Site-relative URL of page ``number`` of the list in ``order``."""
        return self.base + page_suffix(order, number)

    def title(self, title: str) -> str:
        shown = title if self.order == "newest" else f"{title}, most upvoted"
        return shown if self.number == 1 else f"{shown} — page {self.number}"

    def description(self, description: str) -> str:
        return f"{description} Page {self.number} of {self.pages}, {ORDERS[self.order]}."


def page_suffix(order: str, number: int) -> str:
    """A page's URL below its list's: "" for the first page newest first, then "2/", "top/", "top/2/"..."""
    prefix = "" if order == "newest" else f"{order}/"
    return prefix if number == 1 else f"{prefix}{number}/"


def most_upvoted(papers: Sequence[Paper]) -> list[Paper]:
    """Most upvoted first; papers without a count last; ties keep their order (newest first)."""
    return sorted(papers, key=lambda p: -p.upvotes if p.upvotes is not None else 1)


def slices(
    section: urls.Section, term_id: str, papers: Sequence[Paper]
) -> Iterator[tuple[str, Pager | None, Sequence[Paper]]]:
    """(page path, pager, the page's papers) for each page of a list of ``papers`` newest first."""
    if len(papers) <= PAGE_ROWS:
        yield section.page(term_id), None, papers
        return
    pages = -(-len(papers) // PAGE_ROWS)
    base = section.url(term_id)
    for order, ordered in (("newest", papers), ("top", most_upvoted(papers))):
        for number in range(1, pages + 1):
            path = section.list_page(term_id, page_suffix(order, number))
            chunk = ordered[(number - 1) * PAGE_ROWS : number * PAGE_ROWS]
            yield path, Pager(base, order, number, pages), chunk
