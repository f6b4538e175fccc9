"""The search dialog to the keyboard and to assistive technology, in a real browser.

It has a name, keeps focus inside while open, gives it back on close (Escape, a click
outside, the back arrow), every control is reachable and visibly focused, and the number of
results is announced. axe-core finds nothing serious with results shown, light or dark.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest
from browser import served

from conftest import make_project, run_generator

pytestmark = [pytest.mark.browser, pytest.mark.slow]

DIALOG = ".pl-search"
FIELD = ".pl-search .md-search__input"
RESULT_LINKS = ".pl-search .md-search-result__list a[href]"
WIDE = {"width": 1280, "height": 800}
PHONE = {"width": 390, "height": 844}
# document.activeElement, described well enough to tell where focus is.
ACTIVE = "(() => { const a = document.activeElement; return a ? a.outerHTML.slice(0, 120) : ''; })()"
IN_DIALOG = "document.querySelector('.pl-search').contains(document.activeElement)"
ON_FIELD = f"document.activeElement === document.querySelector({FIELD!r})"
IS_OPEN = "document.getElementById('__search').checked"


@pytest.fixture(scope="module")
def site(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """The small fixture project (three papers, the site's own pages), built and served."""
    root = make_project(tmp_path_factory.mktemp("dialog") / "project")
    done = run_generator(root, "build")
    assert done.returncode == 0, done.stderr
    with served(root / "site") as base:
        yield base


def _page(browser: Any, url: str, viewport: dict[str, int] = WIDE, dark: bool = False) -> Any:
    context = browser.new_context(viewport=viewport, color_scheme="dark" if dark else "light")
    page = context.new_page()
    page.goto(url)
    return page


def _results(page: Any, query: str = "unlearning") -> None:
    """Open the search with ``s``, type ``query`` and wait for a result link."""
    page.keyboard.press("s")
    page.keyboard.type(query)
    page.wait_for_selector(RESULT_LINKS, state="visible", timeout=15_000)


def test_the_dialog_has_an_accessible_name(browser: Any, site: str) -> None:
    page = _page(browser, site)
    assert page.get_by_role("dialog", name="Search").count() == 1
    page.context.close()


def test_tab_and_shift_tab_stay_inside_the_open_dialog(browser: Any, site: str) -> None:
    page = _page(browser, site)
    _results(page, "bandits")
    stops = page.locator(RESULT_LINKS).count() + 2  # the field, the clear button, each result
    seen = []
    for _ in range(stops + 2):  # once round the dialog and on: it never leaves
        page.keyboard.press("Tab")
        assert page.evaluate(IN_DIALOG), f"Tab left the dialog for {page.evaluate(ACTIVE)}"
        seen.append(page.evaluate(ON_FIELD))
    assert seen.index(True) == stops - 1, "Tab did not come round to the field after the last control"
    page.focus(FIELD)
    page.keyboard.press("Shift+Tab")
    last = page.locator(RESULT_LINKS).last
    assert last.evaluate("el => el === document.activeElement"), "Shift+Tab from the field went elsewhere"
    page.context.close()


def test_every_control_is_reached_by_tab_and_shows_its_focus(browser: Any, site: str) -> None:
    page = _page(browser, site)
    _results(page)
    wanted = page.locator(f"{RESULT_LINKS}, .pl-search button[type=reset]").count()
    reached = set()
    for _ in range(wanted + 1):
        page.keyboard.press("Tab")
        outline = page.evaluate(
            "(() => { const s = getComputedStyle(document.activeElement);"
            " return s.outlineStyle !== 'none' && parseFloat(s.outlineWidth) > 0; })()"
        )
        if not page.evaluate(ON_FIELD):
            assert outline, f"no visible focus on {page.evaluate(ACTIVE)}"
            reached.add(page.evaluate(ACTIVE))
    assert len(reached) == wanted, "a control of the dialog is not reachable by Tab"
    page.context.close()


def test_escape_closes_and_gives_focus_back_to_where_it_was(browser: Any, site: str) -> None:
    page = _page(browser, site)
    page.focus(".md-header__button.md-logo")
    _results(page)
    page.keyboard.press("Escape")
    assert not page.evaluate(IS_OPEN)
    assert page.evaluate("document.activeElement.classList.contains('md-logo')"), page.evaluate(ACTIVE)
    page.context.close()


def test_a_click_outside_closes_and_gives_focus_back_to_the_field(browser: Any, site: str) -> None:
    page = _page(browser, site)
    page.click(FIELD)
    page.keyboard.type("unlearning")
    page.wait_for_selector(RESULT_LINKS, state="visible", timeout=15_000)
    page.mouse.click(20, 700)  # the overlay, outside the dialog
    assert not page.evaluate(IS_OPEN)
    assert page.evaluate(ON_FIELD), page.evaluate(ACTIVE)
    page.context.close()


def test_on_a_phone_the_header_button_works_from_the_keyboard_and_gets_focus_back(browser: Any, site: str) -> None:
    page = _page(browser, site, PHONE)
    button = page.get_by_role("button", name="Search")
    button.focus()
    page.keyboard.press("Enter")
    assert page.evaluate(IS_OPEN)
    assert page.evaluate(ON_FIELD)
    page.keyboard.type("bandits")
    page.wait_for_selector(RESULT_LINKS, state="visible", timeout=15_000)
    page.keyboard.press("Escape")
    assert not page.evaluate(IS_OPEN)
    assert button.evaluate("el => el === document.activeElement"), page.evaluate(ACTIVE)
    page.context.close()


def test_the_number_of_results_is_announced(browser: Any, site: str) -> None:
    page = _page(browser, site)
    _results(page)
    status = page.get_by_role("status")
    assert status.count() == 1
    assert "matching paper" in status.inner_text()
    assert page.locator(f"{DIALOG} [aria-live]").count() == 1, "only the count is live, not the whole list"
    page.context.close()


@pytest.mark.parametrize("dark", [False, True], ids=["light", "dark"])
def test_axe_finds_nothing_serious_in_the_open_dialog(browser: Any, site: str, dark: bool) -> None:
    from axe_playwright_python import sync_playwright as axe  # pinned in requirements.txt: missing is a failure

    page = _page(browser, site, dark=dark)
    _results(page)
    page.wait_for_timeout(400)  # Material's open transition: colours settle
    scheme = page.evaluate("document.body.getAttribute('data-md-color-scheme')")
    assert scheme == ("slate" if dark else "default")
    context = {"include": [[".md-header"]]}  # the header holds the dialog and its button
    results = axe.Axe().run(page, context=context)
    serious = [
        f"{v['id']} ({v['impact']}): {[n['target'] for n in v['nodes']][:3]}"
        for v in results.response["violations"]
        if v["impact"] in ("serious", "critical")
    ]
    assert not serious, "\n".join(serious)
    page.context.close()
