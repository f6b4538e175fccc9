"""Search as a reader meets it: a built site served locally, a query typed in headless Chromium."""

from __future__ import annotations

import contextlib
import dataclasses
import functools
import http.server
import os
import sys
import threading
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

CHROMIUM = Path(os.environ.get("CHROMIUM", "/usr/bin/chromium"))  # exported by the Makefile
ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update"]
ARGS += ["--no-first-run", "--disable-sync"]
RESULT = ".pl-search .md-search-result__list li:not([hidden]) a[href]"
OPEN_SECONDS = 1.0  # how long the page has been open before the reader's first input
# Times the first result link, inside the page, against the reader's first input event (the
# `s` that opens the search) and against the last keystroke of the query.
WATCH = """() => {
  window.__plFirst = 0; window.__plTyped = 0; window.__plShown = 0;
  const first = () => { if (!window.__plFirst) window.__plFirst = performance.now(); };
  window.addEventListener('keydown', first, {capture: true});
  window.addEventListener('pointerdown', first, {capture: true});
  const input = document.querySelector('.pl-search .md-search__input');
  input.addEventListener('input', () => { window.__plTyped = performance.now(); window.__plShown = 0; });
  // A result link of the list that answers what the field holds now (not an earlier prefix).
  const answered = () => {
    const list = document.querySelector('.pl-search .md-search-result__list');
    return (!('query' in list.dataset) || list.dataset.query === input.value) && document.querySelector(RESULT);
  };
  new MutationObserver(() => {
    if (!window.__plShown && answered()) window.__plShown = performance.now();
  }).observe(document.querySelector('.pl-search'), {childList: true, subtree: true, attributes: true});
}""".replace("RESULT", repr(RESULT))


@dataclass(frozen=True)
class SearchTiming:
    query: str
    seconds: float  # last keystroke -> first result link visible
    first_key_seconds: float  # first input event (`s`) -> first result link visible (typing included)
    load_bytes: int  # search bytes fetched before the first input (the warm-up while the reader reads)
    query_bytes: int  # search bytes fetched from the first input until the results are complete
    results: int
    load_requests: int = 0
    query_requests: int = 0
    typing_seconds: float = 0.0  # first input event -> last keystroke (the driver's typing speed)
    pasted: bool = False  # the query arrived as one input event (a paste), not key by key
    runs: tuple[float, ...] = ()  # first_key_seconds of every run of this query; the fields are the median run's


class QuietHandler(http.server.SimpleHTTPRequestHandler):
    """Files of a directory, without a log line per request."""

    def log_message(self, format: str, *args: Any) -> None:
        pass


class _QuietServer(http.server.ThreadingHTTPServer):
    """Silent when a browser drops a connection mid-response (it navigated on, or the page
    closed): that is no fault of the site. Every other error still prints its traceback."""

    def handle_error(self, request: Any, client_address: Any) -> None:
        if isinstance(sys.exc_info()[1], (BrokenPipeError, ConnectionResetError)):
            return
        super().handle_error(request, client_address)


@contextlib.contextmanager
def served(directory: Path, handler: type[http.server.SimpleHTTPRequestHandler] = QuietHandler) -> Iterator[str]:
    """``directory`` served on 127.0.0.1 from a thread by ``handler``; yields the base URL (ending
    in ``/``). The browser tests, the search benchmark and the audit all serve sites with it."""
    server = _QuietServer(("127.0.0.1", 0), functools.partial(handler, directory=str(directory)))
    threading.Thread(target=server.serve_forever, daemon=True).start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}/"
    finally:
        server.shutdown()
        server.server_close()


def _wait_until_shown(page: Any, timeout: float = 30.0) -> None:
    """Poll for WATCH's mark (wait_for_function evaluates a string: the pages' policy forbids it)."""
    for _ in range(int(timeout / 0.02)):
        if page.evaluate("window.__plShown > 0"):
            return
        page.wait_for_timeout(20)
    raise TimeoutError("no result link for the query")


def search_timings(site: Path, queries: list[str], pasted: bool = False, rounds: int = 1) -> list[SearchTiming]:
    """Each query entered ``rounds`` times, each on a fresh page (cold cache) of the home page:
    the median run, with every run's time in ``runs``; empty without Chromium.

    Typed, the query arrives key by key as fast as the driver sends keys, which under load is
    slower than the search itself (``typing_seconds``). ``pasted``: the reader presses ``s``
    and pastes the query (Ctrl+V: one input event, ``insertFromPaste``), so the time from the first input to the first
    link is the site's alone: opening the dialog, the engine, the index chunks, the fragments.
    """
    if not CHROMIUM.exists():
        return []
    from playwright.sync_api import sync_playwright

    timings: list[SearchTiming] = []
    with served(site) as base, sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=str(CHROMIUM), args=ARGS)
        for query in queries:
            runs = [_search_once(browser, base, query, pasted) for _ in range(rounds)]
            runs.sort(key=lambda run: run.first_key_seconds)
            median = runs[(len(runs) - 1) // 2]
            timings.append(dataclasses.replace(median, runs=tuple(run.first_key_seconds for run in runs)))
        browser.close()
    return timings


def _search_once(browser: Any, base: str, query: str, pasted: bool) -> SearchTiming:
    """One reader: a fresh context opens the home page, reads for a second, enters ``query``."""
    context = browser.new_context()
    if pasted:  # a real paste: the clipboard holds the query, Ctrl+V puts it in
        context.grant_permissions(["clipboard-read", "clipboard-write"], origin=base.rstrip("/"))
    page = context.new_page()
    fetched: list[tuple[str, int]] = []

    def note(request: Any, fetched: list[tuple[str, int]] = fetched) -> None:
        if "/searchindex/" in request.url or request.url.endswith("/porter2.js"):
            fetched.append((request.url, (request.sizes() or {}).get("responseBodySize", 0)))

    page.on("requestfinished", note)
    page.goto(base)
    page.evaluate(WATCH)
    if pasted:
        page.evaluate("(query) => navigator.clipboard.writeText(query)", query)
    page.wait_for_timeout(OPEN_SECONDS * 1000)  # the reader reads for a second
    at_load = len(fetched)
    page.keyboard.press("s")
    if pasted:
        page.keyboard.press("Control+V")
    else:
        page.keyboard.type(query)
    _wait_until_shown(page)
    seconds, first_key, typing = page.evaluate(
        "[window.__plShown - window.__plTyped, window.__plShown - window.__plFirst,"
        " window.__plTyped - window.__plFirst].map((ms) => ms / 1000)"
    )
    page.wait_for_load_state("networkidle")
    results = page.locator(RESULT).count()
    load_bytes = sum(size for _, size in fetched[:at_load])
    query_bytes = sum(size for _, size in fetched[at_load:])
    context.close()
    return SearchTiming(
        query,
        float(seconds),
        float(first_key),
        load_bytes,
        query_bytes,
        results,
        load_requests=at_load,
        query_requests=len(fetched) - at_load,
        typing_seconds=float(typing),
        pasted=pasted,
    )
