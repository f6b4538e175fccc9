"""Work done in a forked child process, so that the memory it used goes back when it ends.

The generator's records, catalog and rendered pages are millions of small objects; freeing them
in the build's own process gives little back (CPython's arenas stay mapped while any object in
them lives: 10,000 papers left 290 of 350 MB after the catalog was freed, collected and the
heap trimmed). A child's heap goes back whole when it exits, so the build runs the generator in
one and only what MkDocs' run needs comes back: problems, counts, file names.

The child writes its outcome to a pipe as one JSON line, read back with every type checked (no
pickle: what the parent reads never runs code). It asks Linux to kill it when the build's
thread ends (a killed build leaves no generator writing ``build/``) and never returns into the
caller's code: it leaves with ``os._exit``.
"""

from __future__ import annotations

import contextlib
import ctypes
import json
import os
import signal
import sys
import traceback
from collections.abc import Callable
from typing import Any, TypeVar

from .plaindata import decode_problems, encode_problem, items
from .problems import BuildError
from .publish import PR_SET_PDEATHSIG, _libc

T = TypeVar("T")

_RESULT, _PROBLEMS, _CRASH = "result", "problems", "crash"


def run_forked(work: Callable[[], T], encode: Callable[[T], Any], decode: Callable[[Any], T]) -> T:
    """``work()`` in a forked child.

    Returns what ``work`` returned, passed as ``encode``'s plain JSON value and rebuilt by
    ``decode`` (which raises plaindata.Invalid on anything else). A BuildError it raised is
    raised here with its problems; any other failure is a RuntimeError naming it (the child
    printed its traceback). If this thread is interrupted meanwhile, the child is killed.
    """
    for stream in (sys.stdout, sys.stderr):  # else what they buffered is printed by both processes
        stream.flush()
    reading, writing = os.pipe()
    parent = os.getpid()
    pid = os.fork()
    if pid == 0:  # pragma: no cover - the child; its outcome is checked in the parent
        os.close(reading)
        _child(work, encode, writing, parent)
    os.close(writing)
    outcome: tuple[str, Any] = (_CRASH, "the generator's process ended without a result")
    try:
        with os.fdopen(reading, "rb") as pipe:
            for line in pipe:
                kind, value = items(json.loads(line), 2)
                outcome = (kind, value)
    except BaseException:
        os.kill(pid, signal.SIGKILL)
        raise
    finally:
        _, status = os.waitpid(pid, 0)
    kind, value = outcome
    if kind == _RESULT and status == 0:
        return decode(value)
    if kind == _PROBLEMS:
        raise BuildError(list(decode_problems(value)))
    raise RuntimeError(f"{value} (exit status {os.waitstatus_to_exitcode(status)})")


def _child(
    work: Callable[[], T], encode: Callable[[T], Any], fd: int, parent: int
) -> None:  # pragma: no cover - runs in the child
    code = 1
    try:
        prctl = getattr(ctypes.CDLL(None), "prctl", None)
        if prctl is not None:  # die with the build (see publish.module_command)
            no = ctypes.c_ulong(0)
            prctl(PR_SET_PDEATHSIG, ctypes.c_ulong(signal.SIGKILL), no, no, no)
        if os.getppid() != parent:  # the build ended before that request was made
            return
        with os.fdopen(fd, "wb") as pipe:

            def send(kind: str, value: object) -> None:
                pipe.write(json.dumps([kind, value]).encode("ascii") + b"\n")  # escapes every non-ASCII code point
                pipe.flush()

            try:
                result = work()
            except BuildError as failure:
                send(_PROBLEMS, [encode_problem(problem) for problem in failure.problems])
                code = 0
            except KeyboardInterrupt:  # the build was interrupted too (one process group): it says so
                code = 130
            except BaseException as failure:
                traceback.print_exc()
                send(_CRASH, f"the generator failed: {type(failure).__name__}: {failure}")
            else:
                send(_RESULT, encode(result))
                code = 0
    finally:
        for stream in (sys.stdout, sys.stderr):
            with contextlib.suppress(OSError, ValueError):  # a closed or broken stream: nothing to keep
                stream.flush()
        os._exit(code)


def release_heap() -> None:
    """Give the C heap's free pages back to the system (glibc ``malloc_trim``; elsewhere nothing).

    NumPy and SciPy leave the heap they worked in free but mapped (130 MB after the related
    papers of 10,000); CPython's own objects later come from fresh arenas and do not reuse it.
    """
    trim = getattr(_libc, "malloc_trim", None)
    if trim is not None:
        trim(0)
