"""How text appears on a page: excerpts, escaping, dates and search queries (the templates' filters)."""

from __future__ import annotations

import functools
from datetime import date
from urllib.parse import quote

from markupsafe import Markup, escape

EXCERPT_CHARS = 180


def excerpt(text: str, limit: int = EXCERPT_CHARS) -> str:
    """The first sentence, or the first ``limit`` characters cut at a word, with an ellipsis."""
    flat = " ".join(text.split())
    end = flat.find(". ")
    if 0 < end < limit:
        return flat[: end + 1]
    if len(flat) <= limit:
        return flat
    cut = flat.rfind(" ", 0, limit)
    return flat[: cut if cut > limit // 2 else limit].rstrip(" ,;:") + "…"


def text_filter(value: object) -> Markup:
    """Escape for HTML; newlines and tabs become character references so Markdown leaves them alone."""
    # Markdown expands tabs even inside raw HTML: a character reference keeps the tab a tab.
    escaped = str(escape(str(value))).replace("\r", "").replace("\n", "&#10;").replace("\t", "&#9;")
    return Markup(escaped)  # noqa: S704 - escaped just above


def search_query(title: str) -> str:
    """The title URL-encoded for a search URL's query string (every reserved character encoded)."""
    return quote(" ".join(title.split()), safe="")


@functools.lru_cache(maxsize=8192)  # strftime is slow (1.3 s of a cold render at 10k); dates repeat
def long_date(value: date | str | None) -> str:
    """A date (or an ISO date) as the pages show it: ``May 1, 2024``; empty for None."""
    if not value:
        return ""
    day = date.fromisoformat(value) if isinstance(value, str) else value
    return f"{day:%b} {day.day}, {day.year}"
