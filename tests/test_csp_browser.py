"""The Content-Security-Policy in a real browser: every kind of page runs without a violation,
requests nothing from another origin, and an injected inline script is blocked.

The policy is overrides/partials/csp.html. A violation is caught twice: by the page's own
``securitypolicyviolation`` events and by Chromium's console ("... violates the following
Content Security Policy directive ...").
"""

from __future__ import annotations

import shutil
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any

import pytest
from browser import served

from conftest import REPO, run_generator

pytestmark = [pytest.mark.browser, pytest.mark.slow]

CANARY = """---
title: Canary
---

# Canary

A hand-written page with script the policy must stop.

<script>window.__pwned = "inline";</script>

<p><img src="missing.png" onerror="window.__pwned = 'handler'" alt=""></p>
"""
RECORD_VIOLATIONS = """
window.__violations = [];
document.addEventListener("securitypolicyviolation", (e) => {
  window.__violations.push(`${e.violatedDirective} ${e.blockedURI} ${e.sample}`);
});
"""
RESULT_LINKS = ".pl-search .md-search-result__list a[href]"


@dataclass
class Site:
    base: str
    paths: dict[str, str] = field(default_factory=dict)  # kind of page -> path


@pytest.fixture(scope="module")
def site(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Site]:
    """The real corpus built with a hand-written canary page, and served."""
    root = tmp_path_factory.mktemp("csp") / "project"
    shutil.copytree(REPO / "content", root / "content")
    (root / "content" / "pages" / "csp-canary.md").write_text(CANARY, encoding="utf-8")
    shutil.copy(REPO / "mkdocs.yml", root / "mkdocs.yml")
    shutil.copytree(REPO / "overrides", root / "overrides")
    (root / "generator").symlink_to(REPO / "generator")
    done = run_generator(root, "build")
    assert done.returncode == 0, done.stderr
    built = root / "site"

    def first(folder: str) -> str:
        return f"{folder}/" + min(p.name for p in (built / folder).iterdir() if (p / "index.html").is_file()) + "/"

    with served(built) as base:
        yield Site(
            base,
            {
                "home": "",
                "topics index": "topics/",
                "tags index": "tags/",
                "topic": first("topics"),
                "tag": first("tags"),
                "paper": first("papers"),
                "stats": "stats/",
                "about": "about/",
                "not found": "404.html",
            },
        )


class Watched:
    """A page with every CSP violation, console error and request to another origin recorded."""

    def __init__(self, browser: Any, base: str, scheme: str) -> None:
        self.page = browser.new_page(color_scheme=scheme)
        self.console: list[str] = []
        self.foreign: list[str] = []
        self.page.on("console", lambda message: self.console.append(message.text))
        self.page.on(
            "request",
            lambda request: None if request.url.startswith((base, "data:")) else self.foreign.append(request.url),
        )
        self.page.add_init_script(RECORD_VIOLATIONS)

    def violations(self) -> list[str]:
        refused = [m for m in self.console if "Content Security Policy" in m or m.startswith("Refused to")]
        return list(self.page.evaluate("window.__violations")) + refused


@pytest.mark.parametrize("scheme", ["light", "dark"])
@pytest.mark.parametrize(
    "kind", ["home", "topics index", "tags index", "topic", "tag", "paper", "stats", "about", "not found"]
)
def test_every_kind_of_page_runs_within_the_policy(browser: Any, site: Site, kind: str, scheme: str) -> None:
    watched = Watched(browser, site.base, scheme)
    page = watched.page
    page.goto(site.base + site.paths[kind])
    page.wait_for_load_state("networkidle")
    assert page.evaluate("typeof __md_get") == "function"  # the theme's script (now a file) ran
    page.mouse.wheel(0, 3000)  # the header and the back-to-top button restyle on scroll
    page.wait_for_timeout(200)
    toggle = page.locator("form[data-md-component=palette] label:visible").first
    toggle.click()  # the palette switch, which the theme's script remembers
    if kind == "topic":
        page.locator("table.pl-list th").nth(1).click()  # sorting (tablesort)
    page.reload()
    page.wait_for_load_state("networkidle")
    assert page.evaluate("document.body.getAttribute('data-md-color-scheme')") == (
        "slate" if scheme == "light" else "default"
    )  # the palette chosen before the reload came back: theme-palette.js ran
    assert watched.violations() == []
    assert watched.foreign == []
    page.close()


def test_search_runs_within_the_policy(browser: Any, site: Site) -> None:
    watched = Watched(browser, site.base, "light")
    page = watched.page
    page.goto(site.base + site.paths["paper"])
    page.keyboard.press("s")
    page.keyboard.type("bandit")
    page.wait_for_selector(RESULT_LINKS, state="visible", timeout=15_000)
    page.keyboard.type(" regret")
    page.wait_for_timeout(500)
    assert watched.violations() == []
    assert watched.foreign == []
    page.close()


def test_an_injected_inline_script_and_handler_are_blocked(browser: Any, site: Site) -> None:
    watched = Watched(browser, site.base, "light")
    page = watched.page
    page.goto(site.base + "csp-canary/")
    page.wait_for_load_state("networkidle")
    assert page.evaluate("window.__pwned") is None
    found = " ".join(watched.violations())
    assert "script-src-elem" in found and "script-src-attr" in found
    page.close()
