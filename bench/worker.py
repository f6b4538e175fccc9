"""One measured run, in a fresh process: ``python -m bench.worker build ROOT`` or ``bare DIR``.

Prints one JSON object: seconds per phase, wall time, the peak RSS of this process (the
generator) and of its largest child (the generator's forked child, or MkDocs), and the peak of the sum of RSS over
this process and all its descendants (what the build holds at once), so each run starts with
a cold interpreter the way ``make build`` does.
"""

from __future__ import annotations

import json
import os
import resource
import subprocess
import sys
import threading
import time
from collections.abc import Callable
from pathlib import Path
from typing import TypeVar

T = TypeVar("T")
SAMPLE_SECONDS = 0.02


def _parents() -> dict[int, tuple[int, str]]:
    """Every live process id -> its parent's id and its name, from ``/proc/<pid>/stat``."""
    parents: dict[int, tuple[int, str]] = {}
    for entry in os.scandir("/proc"):
        if not entry.name.isdigit():
            continue
        try:
            with open(f"/proc/{entry.name}/stat", "rb") as handle:
                stat = handle.read()
        except OSError:  # ended since the scan
            continue
        # "pid (comm) state ppid ...": comm may hold spaces and parentheses
        head, _, tail = stat.rpartition(b")")
        name = head.partition(b"(")[2].decode(errors="replace")
        parents[int(entry.name)] = (int(tail.split()[1]), name)
    return parents


def _tree(root: int) -> dict[int, str]:
    """``root`` and all its descendants, each with its name."""
    known = _parents()
    children: dict[int, list[int]] = {}
    for pid, (parent, _) in known.items():
        children.setdefault(parent, []).append(pid)
    found: dict[int, str] = {}
    todo = [root]
    while todo:
        pid = todo.pop()
        found[pid] = known[pid][1] if pid in known else "?"
        todo.extend(children.get(pid, []))
    return found


def _label(pid: int, name: str) -> str:
    """A process's name in the figures: ``python -m X`` shows as X (the worker is ``bench.worker``)."""
    try:
        with open(f"/proc/{pid}/cmdline", "rb") as handle:
            argv = handle.read().decode(errors="replace").split("\0")
    except OSError:
        return name
    return argv_label(argv, name)


def argv_label(argv: list[str], name: str) -> str:
    """X for ``python -m X …`` and for the build's ``python -c PROGRAM PID X …`` (publish.module_command)."""
    if "-m" in argv[:-1]:
        return argv[argv.index("-m") + 1]
    at = argv.index("-c") if "-c" in argv else -1
    return argv[at + 3] if at >= 0 and len(argv) > at + 3 and argv[at + 2].isdigit() else name


def _rss_kb(pid: int) -> int:
    """Resident set size of one process in KB (0 once it has ended)."""
    try:
        with open(f"/proc/{pid}/status", "rb") as handle:
            for line in handle:
                if line.startswith(b"VmRSS:"):
                    return int(line.split()[1])
    except OSError:
        pass
    return 0


class TreeSampler:
    """The peak, over time, of the summed RSS of this process and every descendant.

    ``getrusage`` only reports the largest single child; processes running side by side
    (MkDocs beside the build's own process waiting for it) add up, so a thread
    reads the process tree's ``VmRSS`` every ~20 ms.
    """

    def __init__(self, interval: float = SAMPLE_SECONDS) -> None:
        self.interval = interval
        self.peak_mb = 0.0
        self.peak_parts: dict[str, float] = {}  # process name -> MB, at the peak
        self.process_peaks: dict[str, float] = {}  # process name -> the largest one such process was, MB
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, daemon=True)

    def _run(self) -> None:
        root = os.getpid()
        while not self._stop.is_set():
            sizes = [(_label(pid, name), _rss_kb(pid) / 1024) for pid, name in _tree(root).items()]
            for label, mb in sizes:
                self.process_peaks[label] = round(max(self.process_peaks.get(label, 0), mb), 1)
            total = sum(mb for _, mb in sizes)
            if total > self.peak_mb:
                self.peak_mb = total
                self.peak_parts = {}
                for label, mb in sizes:
                    self.peak_parts[label] = round(self.peak_parts.get(label, 0) + mb, 1)
            self._stop.wait(self.interval)

    def measure(self, work: Callable[[], T]) -> T:
        """Run ``work`` while sampling."""
        self._thread.start()
        try:
            return work()
        finally:
            self._stop.set()
            self._thread.join()


def _rss(sampler: TreeSampler) -> dict[str, object]:
    own = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    children = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024
    figures = {"rss_generator_mb": own, "rss_children_mb": children, "rss_tree_peak_mb": sampler.peak_mb}
    return {**figures, "rss_tree_peak_parts": sampler.peak_parts, "rss_process_peaks_mb": sampler.process_peaks}


def build(root: Path) -> dict[str, object]:
    from generator.build import Project, Timings
    from generator.build import build as run_build

    timings = Timings()
    sampler = TreeSampler()
    start = time.perf_counter()
    generated = sampler.measure(lambda: run_build(Project(root), timings))
    return {
        "wall": time.perf_counter() - start,
        "phases": timings.phases,
        "papers": len(generated.catalog.papers),
        "created": len(generated.ingested.created),
        **_rss(sampler),
    }


def bare(directory: Path) -> dict[str, object]:
    command = [sys.executable, "-m", "mkdocs", "build", "--quiet"]
    sampler = TreeSampler()
    start = time.perf_counter()
    done = sampler.measure(lambda: subprocess.run(command, cwd=directory, capture_output=True, text=True, check=False))
    if done.returncode != 0:
        raise SystemExit(f"bare mkdocs build failed: {done.stderr[-2000:]}")
    return {"wall": time.perf_counter() - start, **_rss(sampler)}


def main() -> None:
    kind, where = sys.argv[1], Path(sys.argv[2])
    result = build(where) if kind == "build" else bare(where)
    print(json.dumps(result))


if __name__ == "__main__":
    main()
