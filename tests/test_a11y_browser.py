"""Reader quality held to outside judges, in Chromium: axe-core finds no serious or critical
violation on any kind of page in either palette, the paper and term tables stay readable on a
390 px phone, and every control is reachable with Tab and shows where the focus is.

axe-core comes bundled in axe-playwright-python (pinned in requirements.txt). The search
dialog is left to tests/test_search_browser.py, which checks it open.
"""

from __future__ import annotations

from typing import Any

import pytest
from test_csp_browser import Site, site  # noqa: F401 - the seed corpus built and served, once per module

pytestmark = [pytest.mark.browser, pytest.mark.slow]

KINDS = ["home", "topics index", "tags index", "topic", "tag", "paper", "stats", "about"]
SEARCH = ".md-search"  # the search dialog: its own tests (another module) check it open
PHONE = {"width": 390, "height": 844}

# Every table's first column, as a reader on a phone meets it: its share of the table's width,
# and each title link's lines against its words.
MEASURE_TABLES = """() => [...document.querySelectorAll('table.pl-list, table.pl-terms')].map(table => {
  const first = table.querySelector('tbody tr td:first-child');
  const links = [...table.querySelectorAll('tbody tr td:first-child > a:first-child')].slice(0, 60);
  return {
    table: table.getBoundingClientRect().width,
    first: first.getBoundingClientRect().width,
    titles: links.map(a => ({text: a.textContent, lines: new Set(
      [...a.getClientRects()].filter(r => r.width > 0).map(r => Math.round(r.top))).size,
      words: a.textContent.trim().split(/\\s+/).length})),
  };
})"""

# The controls a keyboard must reach: focusable, shown (a hidden radio counts through the label
# drawn for it), outside the search dialog. Each gets an index the Tab walk reports back.
LIST_CONTROLS = """(search) => {
  const shown = (e) => e && e.getClientRects().length > 0 && getComputedStyle(e).visibility !== 'hidden'
    && !e.closest('[hidden]');
  const drawn = (e) => (e.getBoundingClientRect().width > 0 ? e : e.nextElementSibling);
  const all = [...document.querySelectorAll(
    'a[href], button, input:not([type=hidden]), select, textarea, [tabindex]:not([tabindex="-1"])')];
  window.__plControls = all.filter(e => !e.closest(search) && !e.disabled
    && !(e.type === 'radio' && !e.checked) && shown(e) && shown(drawn(e)));
  return window.__plControls.map(e => e.outerHTML.slice(0, 120));
}"""
FOCUSED = """(search) => {
  const e = document.activeElement;
  if (!e || e === document.body || e.closest(search)) return null;
  // A visually hidden radio (the palette switch) is drawn by the label after it.
  const drawn = e.getBoundingClientRect().width > 0 ? e : e.nextElementSibling;
  const style = getComputedStyle(drawn);
  const ring = (style.outlineStyle !== 'none' && parseFloat(style.outlineWidth) > 0) || style.boxShadow !== 'none';
  return {index: window.__plControls.indexOf(e), ring, html: e.outerHTML.slice(0, 120)};
}"""


@pytest.mark.parametrize("scheme", ["light", "dark"])
@pytest.mark.parametrize("kind", KINDS)
def test_axe_finds_nothing_serious(browser: Any, site: Site, kind: str, scheme: str) -> None:  # noqa: F811
    from axe_playwright_python.sync_playwright import Axe

    base, paths = site.base, site.paths
    page = browser.new_page(color_scheme=scheme)
    page.goto(base + paths[kind])
    page.wait_for_load_state("networkidle")
    # the palette really is the one asked for (Material follows prefers-color-scheme)
    assert page.evaluate("document.body.dataset.mdColorScheme") == ("slate" if scheme == "dark" else "default")
    results = Axe().run(page, context={"exclude": [[SEARCH]]}).response
    page.close()
    serious = [
        f"{v['id']} ({v['impact']}): {', '.join(str(n['target']) for n in v['nodes'][:3])}"
        for v in results["violations"]
        if v["impact"] in ("serious", "critical")
    ]
    assert serious == []


@pytest.mark.parametrize("kind", ["home", "topic", "tag", "topics index", "tags index"])
def test_tables_stay_readable_on_a_phone(browser: Any, site: Site, kind: str) -> None:  # noqa: F811
    base, paths = site.base, site.paths
    page = browser.new_page(viewport=PHONE, is_mobile=True, has_touch=True, device_scale_factor=2)
    page.goto(base + paths[kind])
    page.wait_for_load_state("networkidle")
    tables = page.evaluate(MEASURE_TABLES)
    overflow = page.evaluate("document.documentElement.scrollWidth")
    page.close()
    assert tables, "no table on the page"
    assert overflow <= PHONE["width"]  # nothing pushes the page sideways
    for table in tables:
        # the title (or term) column gets most of the width, not a sliver of it
        assert table["first"] >= 0.75 * table["table"], table
        crushed = [t for t in table["titles"] if t["words"] >= 4 and t["lines"] > t["words"] / 2]
        assert crushed == [], crushed[:3]


@pytest.mark.parametrize("kind", ["home", "topic", "paper", "stats", "tags index"])
def test_every_control_is_reached_by_tab_and_shows_focus(
    browser: Any,
    site: Site,  # noqa: F811
    kind: str,
) -> None:
    base, paths = site.base, site.paths
    page = browser.new_page(viewport={"width": 1280, "height": 900})
    page.goto(base + paths[kind])
    page.wait_for_load_state("networkidle")
    controls = page.evaluate(LIST_CONTROLS, SEARCH)
    reached: set[int] = set()
    unringed: list[str] = []
    for _ in range(len(controls) + 15):  # the search dialog's stops and the page itself on top
        page.keyboard.press("Tab")
        focused = page.evaluate(FOCUSED, SEARCH)
        if focused is None:
            continue
        reached.add(focused["index"])
        if not focused["ring"]:
            unringed.append(focused["html"])
    page.close()
    assert len(controls) > 5
    assert unringed == []
    assert [html for i, html in enumerate(controls) if i not in reached] == []


# Where the focus is, on a phone: the element, whether a reader can see it (inside the viewport
# across, not hidden), and the drawer's state.
PHONE_FOCUS = """() => {
  const e = document.activeElement;
  // A visually hidden radio (the palette switch) is drawn by the label after it.
  const drawn = e.getBoundingClientRect().width > 0 ? e : e.nextElementSibling;
  const box = drawn.getBoundingClientRect();
  const drawer = document.querySelector('.md-sidebar--primary');
  return {
    html: e.outerHTML.slice(0, 100),
    body: e === document.body,
    seen: box.width > 0 && box.right > 0 && box.left < innerWidth && getComputedStyle(drawn).visibility !== 'hidden',
    menu: e.matches('[data-pl-drawer]'),
    inDrawer: drawer.contains(e),
    open: document.getElementById('__drawer').checked,
    expanded: document.querySelector('[data-pl-drawer]').getAttribute('aria-expanded'),
  };
}"""


@pytest.mark.parametrize("kind", ["home", "topic", "paper"])
def test_on_a_phone_tab_stops_only_where_a_reader_can_see(browser: Any, site: Site, kind: str) -> None:  # noqa: F811
    """Material slides the closed drawer and search field off-screen, still focusable: Tab
    walked through links nobody could see. Every stop of a full Tab walk must be on screen."""
    page = browser.new_page(viewport=PHONE)
    page.goto(site.base + site.paths[kind])
    page.wait_for_load_state("networkidle")
    unseen: list[str] = []
    for _ in range(60):
        page.keyboard.press("Tab")
        focus = page.evaluate(PHONE_FOCUS)
        if not focus["body"] and not focus["seen"]:
            unseen.append(focus["html"])
    page.close()
    assert unseen == []


def test_on_a_phone_the_menu_opens_and_closes_from_the_keyboard(browser: Any, site: Site) -> None:  # noqa: F811
    page = browser.new_page(viewport=PHONE)
    page.goto(site.base + site.paths["topic"])
    page.wait_for_load_state("networkidle")

    page.keyboard.press("Tab")
    focus = page.evaluate(PHONE_FOCUS)
    assert focus["menu"] and focus["seen"] and focus["expanded"] == "false", focus

    for key in ("Enter", "Space"):  # each opens it, and the focus lands on the drawer's first link
        page.keyboard.press(key)
        page.wait_for_timeout(400)  # the drawer slides in (0.25 s)
        focus = page.evaluate(PHONE_FOCUS)
        assert focus["open"] and focus["expanded"] == "true" and focus["inDrawer"] and focus["seen"], (key, focus)
        page.keyboard.press("Escape")  # closes it and gives the focus back to the button
        focus = page.evaluate(PHONE_FOCUS)
        assert not focus["open"] and focus["expanded"] == "false" and focus["menu"], (key, focus)

    # Tab walks the drawer's links, all on screen; past the last one the drawer closes.
    page.keyboard.press("Enter")
    page.wait_for_timeout(400)
    walked = 0
    while page.evaluate(PHONE_FOCUS)["inDrawer"] and walked < 40:
        assert page.evaluate(PHONE_FOCUS)["seen"]
        page.keyboard.press("Tab")
        walked += 1
    page.wait_for_timeout(100)
    focus = page.evaluate(PHONE_FOCUS)
    page.close()
    assert walked >= 5  # the logo and the five sections
    assert not focus["open"] and focus["expanded"] == "false", focus


def test_without_script_the_phone_menu_still_opens(browser: Any, site: Site) -> None:  # noqa: F811
    context = browser.new_context(viewport=PHONE, java_script_enabled=False)
    page = context.new_page()
    page.goto(site.base + site.paths["topic"])
    menu = page.locator(".md-header label[for=__drawer]")
    assert menu.is_visible() and not page.locator(".md-header [data-pl-drawer]").is_visible()
    menu.click()
    page.wait_for_timeout(400)  # the drawer slides in (0.25 s)
    opened = page.evaluate("document.getElementById('__drawer').checked")
    first = page.locator(".md-sidebar--primary .md-nav__link").first.bounding_box()
    context.close()
    assert opened and first is not None and first["x"] >= 0


# The header's controls (and the search dialog's back arrow, a control on phones): each element,
# its role attribute, type and accessible name.
HEADER_CONTROLS = """() => [...document.querySelectorAll(
  '.md-header [data-pl-drawer], .md-header [data-pl-search], .pl-search .pl-search-back')].map(e => ({
    tag: e.tagName, role: e.getAttribute('role'), type: e.getAttribute('type'), name: e.getAttribute('aria-label'),
  }))"""
# Lighthouse scores a page down for any of these, whatever axe's impact (aria-allowed-role is
# "minor", so the serious-or-critical checks above never saw a <label role="button">).
ROLE_RULES = ["aria-allowed-role", "aria-allowed-attr", "button-name", "label", "aria-hidden-focus"]


def _role_violations(page: Any) -> list[str]:
    from axe_playwright_python.sync_playwright import Axe

    options = {"runOnly": {"type": "rule", "values": ROLE_RULES}}
    results = Axe().run(page, context={"include": [[".md-header"], [".md-sidebar--primary"]]}, options=options)
    return [f"{v['id']}: {[n['html'][:80] for n in v['nodes']]}" for v in results.response["violations"]]


@pytest.mark.parametrize("kind", ["home", "topic", "paper"])
def test_the_header_controls_are_real_buttons_in_every_state(browser: Any, site: Site, kind: str) -> None:  # noqa: F811
    """The menu and search controls are <button>s (Material's are <label>s, which may not take a
    button's role): named, no role override; axe finds no misused role or attribute on a phone
    with everything closed, with the drawer open and with the search open."""
    page = browser.new_page(viewport=PHONE)
    page.goto(site.base + site.paths[kind])
    page.wait_for_load_state("networkidle")
    controls = page.evaluate(HEADER_CONTROLS)
    assert [(c["tag"], c["role"], c["type"]) for c in controls] == [("BUTTON", None, "button")] * 3, controls
    assert all(c["name"] for c in controls), controls
    found = {"closed": _role_violations(page)}
    page.get_by_role("button", name="Navigation").click()
    page.wait_for_timeout(400)  # the drawer slides in
    assert page.evaluate("document.getElementById('__drawer').checked")
    found["drawer open"] = _role_violations(page)
    page.keyboard.press("Escape")
    page.get_by_role("button", name="Search").click()
    page.keyboard.type("bandit")
    page.wait_for_selector(".pl-search .md-search-result__list a[href]", state="visible", timeout=15_000)
    found["search open"] = _role_violations(page)
    page.close()
    assert found == {"closed": [], "drawer open": [], "search open": []}


# Rows a script re-appends to a table body (Tablesort sorts by re-appending every row).
COUNT_ROW_MOVES = """
window.__plRowMoves = 0;
const append = Node.prototype.appendChild;
Node.prototype.appendChild = function (node) {
  if (this.tagName === 'TBODY' && node.tagName === 'TR') window.__plRowMoves += 1;
  return append.call(this, node);
};
"""


@pytest.mark.parametrize(
    "kind, sorts",
    [("home", False), ("paper", False), ("topics index", False), ("stats", False), ("topic", True), ("tag", True)],
)
def test_only_pages_with_a_sortable_table_load_tablesort(browser: Any, site: Site, kind: str, sorts: bool) -> None:  # noqa: F811
    """Tablesort was extra_javascript: every page fetched and ran it (Lighthouse's blocking time)."""
    page = browser.new_page()
    fetched: list[str] = []
    page.on("request", lambda request: fetched.append(request.url) if "tablesort" in request.url else None)
    page.goto(site.base + site.paths[kind])
    page.wait_for_load_state("networkidle")
    page.close()
    assert len(fetched) == (3 if sorts else 0), fetched


def test_a_topic_table_is_not_sorted_while_loading_and_sorts_on_a_click(browser: Any, site: Site) -> None:  # noqa: F811
    """The rows arrive newest first: re-sorting them on load (Tablesort's default) was a long task
    on a phone. The Date header still says it is the order, and a click still sorts."""
    page = browser.new_page()
    page.add_init_script(COUNT_ROW_MOVES)
    page.goto(site.base + site.paths["topic"])
    page.wait_for_load_state("networkidle")
    table = page.locator("table.pl-list").first
    assert table.locator("th", has_text="Date").get_attribute("aria-sort") == "descending"
    dates = table.locator("tbody td:nth-child(2)").evaluate_all("cells => cells.map(c => c.dataset.sort)")
    assert dates == sorted(dates, reverse=True)
    assert page.evaluate("window.__plRowMoves") == 0
    table.locator("th", has_text="Upvotes").click()
    votes = table.locator("tbody td:nth-child(3)").evaluate_all("cells => cells.map(c => Number(c.dataset.sort))")
    assert page.evaluate("window.__plRowMoves") == len(votes)
    assert votes == sorted(votes, reverse=True) and votes[0] > votes[-1]
    assert table.locator("th", has_text="Upvotes").get_attribute("aria-sort") == "descending"
    assert table.locator("th", has_text="Date").get_attribute("aria-sort") is None
    table.locator("th", has_text="Paper").click()  # titles sort by the title alone (data-sort set by then)
    titles = table.locator("tbody .pl-title").all_inner_texts()
    assert [t.lower() for t in titles] == sorted(t.lower() for t in titles)
    page.close()
