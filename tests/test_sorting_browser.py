"""Sorting in a real browser: topic pages sort by date and by upvotes with a click on a header."""

from __future__ import annotations

from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor

import pytest
from browser import ARGS, CHROMIUM, require_chromium, served

from conftest import make_project, run_generator

pytestmark = [pytest.mark.browser, pytest.mark.slow]

# (id, published, upvotes): newest first is e, d, c, b, a; most upvoted first is c, a, e, b, d.
PAPERS = [("a", "2023-01-05", 40), ("b", "2023-06-01", 7), ("c", "2024-02-10", 99), ("d", "2024-08-30", None)]
PAPERS += [("e", "2025-01-02", 12)]


def record(pid: str, published: str, upvotes: int | None) -> str:
    count = "null" if upvotes is None else upvotes
    return (
        f'title: "Sorting bandit paper {pid.upper()}"\nabstract: "Regret of bandit {pid}."\n'
        f"published: {published}\nauthors: 2\nupvotes: {count}\nsources:\n  - listing.txt\n"
        "topics:\n  - bandits\ntags:\n  - regret\n"
    )


@pytest.fixture(scope="module")
def site(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    require_chromium()
    root = make_project(tmp_path_factory.mktemp("sorting") / "project")
    for pid, published, upvotes in PAPERS:
        path = root / "content" / "papers" / f"sorting-bandit-paper-{pid}.yml"
        path.write_text(record(pid, published, upvotes), encoding="utf-8")
    done = run_generator(root, "build")
    assert done.returncode == 0, done.stderr
    with served(root / "site") as url:
        yield url


def orders_after_clicks(url: str, clicks: list[str]) -> tuple[str | None, list[list[str]]]:
    """Open a topic page in Chromium; the Date header's aria-sort, then the title order before and after each click."""
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        chromium = playwright.chromium.launch(executable_path=str(CHROMIUM), args=ARGS)
        try:
            page = chromium.new_page()
            page.goto(url)
            page.wait_for_selector("table.pl-list th[role=columnheader]")

            def order() -> list[str]:
                titles = page.locator("table.pl-list tbody tr .pl-title").all_inner_texts()
                return [t.split()[-1] for t in titles if "Sorting" in t]

            sort = page.locator("table.pl-list th", has_text="Date").get_attribute("aria-sort")
            seen = [order()]
            for header in clicks:
                page.locator("table.pl-list th", has_text=header).click()
                seen.append(order())
            return sort, seen
        finally:
            chromium.close()


def test_topic_table_sorts_by_upvotes_and_date_in_chromium(site: str) -> None:
    # A thread of its own: Playwright's sync API refuses to start where another session runs.
    with ThreadPoolExecutor(1) as pool:
        clicks = ["Upvotes", "Upvotes", "Date", "Date"]
        sort, seen = pool.submit(orders_after_clicks, f"{site}topics/bandits/", clicks).result(timeout=180)
    assert sort == "descending"
    assert seen == [
        ["E", "D", "C", "B", "A"],  # newest first by default
        ["C", "A", "E", "B", "D"],  # Upvotes: most upvoted first, no count last
        ["D", "B", "E", "A", "C"],  # Upvotes again: reversed
        ["E", "D", "C", "B", "A"],  # Date: newest first
        ["A", "B", "C", "D", "E"],  # Date again: oldest first
    ]
