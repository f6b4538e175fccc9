"""Search as a reader meets it: a built site served locally, a query typed in headless Chromium."""

from __future__ import annotations

import contextlib
import functools
import http.server
import os
import threading
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

CHROMIUM = Path(os.environ.get("CHROMIUM", "/usr/bin/chromium"))  # exported by the Makefile
ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update"]
ARGS += ["--no-first-run", "--disable-sync"]
RESULT = ".pl-search .md-search-result__list li:not([hidden]) a[href]"
# Times the first result link against the last keystroke of the query, inside the page.
WATCH = """() => {
  window.__plTyped = 0; window.__plShown = 0;
  const input = document.querySelector('.pl-search .md-search__input');
  input.addEventListener('input', () => { window.__plTyped = performance.now(); window.__plShown = 0; });
  new MutationObserver(() => {
    if (!window.__plShown && document.querySelector(RESULT)) window.__plShown = performance.now();
  }).observe(document.querySelector('.pl-search'), {childList: true, subtree: true, attributes: true});
}""".replace("RESULT", repr(RESULT))


@dataclass(frozen=True)
class SearchTiming:
    query: str
    seconds: float  # last keystroke -> first result link visible
    first_key_seconds: float  # first keystroke -> first result link visible (typing included)
    load_bytes: int  # search bytes fetched when the page loads (engine warm-up)
    query_bytes: int  # bytes fetched for the query itself
    results: int


class _Quiet(http.server.SimpleHTTPRequestHandler):
    def log_message(self, format: str, *args: Any) -> None:
        pass


@contextlib.contextmanager
def served(directory: Path) -> Iterator[str]:
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), functools.partial(_Quiet, directory=str(directory)))
    threading.Thread(target=server.serve_forever, daemon=True).start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}/"
    finally:
        server.shutdown()
        server.server_close()


def search_timings(site: Path, queries: list[str]) -> list[SearchTiming]:
    """Each query typed on a fresh page (cold cache) of the home page; empty without Chromium."""
    if not CHROMIUM.exists():
        return []
    from playwright.sync_api import sync_playwright

    timings: list[SearchTiming] = []
    with served(site) as base, sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=str(CHROMIUM), args=ARGS)
        for query in queries:
            context = browser.new_context()
            page = context.new_page()
            fetched: list[tuple[str, int]] = []

            def note(request: Any, fetched: list[tuple[str, int]] = fetched) -> None:
                if "/pagefind/" in request.url:
                    fetched.append((request.url, (request.sizes() or {}).get("responseBodySize", 0)))

            page.on("requestfinished", note)
            page.goto(base)
            page.wait_for_load_state("networkidle")
            page.evaluate(WATCH)
            at_load = sum(size for _, size in fetched)
            page.keyboard.press("s")
            start = time.perf_counter()
            page.keyboard.type(query)
            page.wait_for_selector(RESULT, state="visible", timeout=30_000)
            first_key = time.perf_counter() - start
            seconds = page.evaluate("(window.__plShown - window.__plTyped) / 1000")
            page.wait_for_load_state("networkidle")
            results = page.locator(RESULT).count()
            query_bytes = sum(size for _, size in fetched) - at_load
            timings.append(SearchTiming(query, float(seconds), first_key, at_load, query_bytes, results))
            context.close()
        browser.close()
    return timings
