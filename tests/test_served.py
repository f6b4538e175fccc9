"""The local server of the browser tests, the search benchmark and the audit (bench/browse.py):
a browser that drops a connection mid-response prints nothing; any other error is still loud."""

from __future__ import annotations

import http.server
import socket
import struct
import threading
import time
import urllib.error
import urllib.request
from pathlib import Path

import pytest

from bench.browse import QuietHandler, served


def _handlers_done(timeout: float = 10.0) -> None:
    """Wait until no request thread runs: its error, if any, has been reported by then."""
    deadline = time.monotonic() + timeout
    while any("process_request_thread" in t.name for t in threading.enumerate()):
        assert time.monotonic() < deadline, "a request thread never ended"
        time.sleep(0.02)


def test_a_connection_dropped_mid_response_prints_nothing(tmp_path: Path, capfd: pytest.CaptureFixture[str]) -> None:
    # Larger than every socket buffer between the two ends: the server is still writing when
    # the reset arrives, as when a page navigates away while a big file downloads.
    with (tmp_path / "big.bin").open("wb") as big:
        big.truncate(64 * 1024 * 1024)
    with served(tmp_path) as base:
        port = int(base.rstrip("/").rsplit(":", 1)[1])
        client = socket.create_connection(("127.0.0.1", port))
        client.sendall(b"GET /big.bin HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n")
        assert client.recv(64).startswith(b"HTTP/1.0 200")
        client.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))  # close with a reset
        client.close()
        _handlers_done()
    assert capfd.readouterr().err == ""


class _Broken(QuietHandler):
    def do_GET(self) -> None:
        raise RuntimeError("a fault of the server itself")


def test_any_other_error_is_still_printed(tmp_path: Path, capfd: pytest.CaptureFixture[str]) -> None:
    with served(tmp_path, _Broken) as base:
        with pytest.raises((urllib.error.URLError, http.client.HTTPException, ConnectionError)):
            urllib.request.urlopen(base, timeout=10)
        _handlers_done()
    err = capfd.readouterr().err
    assert "Exception occurred during processing of request" in err and "a fault of the server itself" in err
