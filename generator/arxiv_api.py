"""The arXiv API, through the ``arxiv`` client (pinned 4.0.2), politely and with a cache.

The client builds queries and parses arXiv's Atom answers; everything about the network lives
in ``Transport``, the requests adapter it sends through: one request at a time, at least
``interval`` seconds apart (arXiv's terms ask for one every three seconds), retries with
exponential backoff on connection errors, timeouts, 429 and 5xx answers (honouring
Retry-After), and a cache of answers under ``build/`` as JSON files (one per URL, in the
format the client's own test recordings use), so a second run, or a run resumed after an
interruption, asks the network only for what it has not seen.

The seam with the client is ``Client._session`` (a requests Session, in arxiv 4.0.2), set in
``_client`` alone; ``tests/test_enrich.py`` fails loudly if an upgrade changes it.
"""

from __future__ import annotations

import contextlib
import hashlib
import json
import re
import time
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date
from pathlib import Path
from typing import Any

import arxiv  # type: ignore[import-untyped]
import requests
from requests.adapters import BaseAdapter, HTTPAdapter

from .links import arxiv_id_problem
from .output import read_bytes, write_bytes_atomic

API_HOST = "export.arxiv.org"
INTERVAL = 3.0  # seconds between two requests: arXiv's API terms
RETRIES = 4
BACKOFF_CAP = 120.0
TIMEOUT = 30.0
PAGE = 10  # candidates asked for per title: enough to see every paper of one title
RETRY_STATUS = frozenset({429, 500, 502, 503, 504})
_WORDS = re.compile(r"[^\w]+")


class ApiError(Exception):
    """The API could not be reached or kept failing: one line for the curator."""


@dataclass(frozen=True)
class Found:
    """What arXiv says of one paper: only what a record may take."""

    arxiv: str  # without its version: the record links to the newest
    title: str
    published: date
    authors: tuple[str, ...]
    doi: str | None


class Transport(BaseAdapter):
    """A requests adapter: the cache, the rate limit and the retries, around the real transport."""

    def __init__(
        self,
        cache: Path | None,
        inner: BaseAdapter | None = None,
        *,
        interval: float = INTERVAL,
        clock: Callable[[], float] | None = None,
        sleep: Callable[[float], None] | None = None,
    ) -> None:
        super().__init__()
        self.cache, self.inner = cache, inner if inner is not None else HTTPAdapter()
        self.interval = interval
        self.clock, self.sleep = clock or time.monotonic, sleep or time.sleep
        self.last: float | None = None
        self.requests = 0  # sent to the network
        self.cached = 0  # answered from the cache

    def _path(self, url: str) -> Path | None:
        return None if self.cache is None else self.cache / f"{hashlib.sha256(url.encode()).hexdigest()[:32]}.json"

    def _from_cache(self, request: requests.PreparedRequest) -> requests.Response | None:
        path = self._path(str(request.url))
        if path is None:
            return None
        try:
            data = json.loads(read_bytes(path))
        except (OSError, ValueError):
            return None
        if not (isinstance(data, dict) and data.get("url") == request.url and isinstance(data.get("body"), str)):
            return None  # not ours, or damaged: ask again
        response = requests.Response()
        response.status_code, response.url, response.request = 200, str(request.url), request
        response._content = data["body"].encode("utf-8")
        response.encoding = "utf-8"
        return response

    def _to_cache(self, url: str, body: bytes) -> None:
        path = self._path(url)
        # An answer with no entry is not kept: arXiv sometimes answers a good query with none.
        if path is None or b"<entry" not in body:
            return
        with contextlib.suppress(OSError, UnicodeDecodeError):
            text = json.dumps({"url": url, "status_code": 200, "body": body.decode("utf-8")}, ensure_ascii=False)
            write_bytes_atomic(path, text.encode("utf-8"))

    def _wait(self, seconds: float) -> None:
        if self.last is not None:
            seconds = max(seconds, self.last + self.interval - self.clock())
        if seconds > 0:
            self.sleep(seconds)

    def send(
        self,
        request: requests.PreparedRequest,
        stream: bool = False,
        timeout: float | tuple[float | None, float | None] | None = None,
        verify: bool | str = True,
        cert: str | tuple[str, str] | None = None,
        proxies: dict[str, str] | None = None,
    ) -> requests.Response:
        hit = self._from_cache(request)
        if hit is not None:
            self.cached += 1
            return hit
        kwargs: dict[str, Any] = {"stream": stream, "timeout": timeout or TIMEOUT, "verify": verify}
        kwargs.update(cert=cert, proxies=proxies)
        delay = 0.0
        for attempt in range(RETRIES + 1):
            self._wait(delay)
            self.requests += 1
            try:
                response = self.inner.send(request, **kwargs)
            except (requests.ConnectionError, requests.Timeout):
                if attempt == RETRIES:
                    raise
                response = None
            finally:
                self.last = self.clock()
            if response is not None and response.status_code not in RETRY_STATUS:
                if response.status_code == 200:
                    self._to_cache(str(request.url), response.content)
                return response
            if response is not None and attempt == RETRIES:
                return response
            delay = min(BACKOFF_CAP, self.interval * 2 ** (attempt + 1))
            if response is not None:
                delay = max(delay, _retry_after(response))
        raise AssertionError("unreachable")  # pragma: no cover

    def close(self) -> None:
        self.inner.close()


def _retry_after(response: requests.Response) -> float:
    value = response.headers.get("Retry-After", "")
    return min(BACKOFF_CAP, float(value)) if value.isdigit() else 0.0


def _client(transport: Transport) -> Any:
    """An arxiv Client sending through ``transport``, which does the pacing and retrying instead."""
    client = arxiv.Client(page_size=PAGE, delay_seconds=0, num_retries=0)
    session = requests.Session()
    session.mount("https://", transport)
    session.mount("http://", transport)
    client._session = session
    return client


class Api:
    """Title searches and id look-ups on arXiv, as ``Found`` values."""

    def __init__(self, transport: Transport) -> None:
        self.transport = transport
        self.client = _client(transport)

    def by_title(self, title: str) -> list[Found]:
        """Papers whose title has all of ``title``'s words, best first (arXiv's relevance)."""
        words = " ".join(_WORDS.sub(" ", title).split())
        return self._run(arxiv.Search(query=f'ti:"{words}"', max_results=PAGE))

    def by_id(self, arxiv_id: str) -> list[Found]:
        """The paper with this id (none if arXiv has none)."""
        return self._run(arxiv.Search(id_list=[arxiv_id], max_results=1))

    def _run(self, search: Any) -> list[Found]:
        try:
            results = list(self.client.results(search))
        except (requests.ConnectionError, requests.Timeout) as exc:
            raise ApiError(f"cannot reach the arXiv API at {API_HOST} ({type(exc).__name__})") from None
        except arxiv.HTTPError as exc:
            raise ApiError(f"the arXiv API answered HTTP {exc.status} after {RETRIES + 1} tries") from None
        except (arxiv.ArxivError, requests.RequestException) as exc:
            raise ApiError(f"the arXiv API failed: {type(exc).__name__}") from None
        return [found for result in results if (found := _found(result)) is not None]


def _found(result: Any) -> Found | None:
    """A result as a ``Found``, or None when its id is not one a record could hold."""
    short = re.sub(r"v\d+$", "", result.get_short_id())
    if arxiv_id_problem(short) is not None:
        return None
    names = tuple(" ".join(str(a.name).split()) for a in result.authors if str(a.name).strip())
    return Found(short, " ".join(str(result.title).split()), result.published.date(), names, result.doi or None)
