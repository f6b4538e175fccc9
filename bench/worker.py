"""One measured run, in a fresh process: ``python -m bench.worker build ROOT`` or ``bare DIR``.

Prints one JSON object: seconds per phase, wall time, and the peak RSS of this process (the
generator) and of its children (MkDocs, Pagefind), so each run starts with a cold interpreter
the way ``make build`` does.
"""

from __future__ import annotations

import json
import resource
import subprocess
import sys
import time
from pathlib import Path


def _rss() -> dict[str, float]:
    own = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    children = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024
    return {"rss_generator_mb": own, "rss_children_mb": children}


def build(root: Path) -> dict[str, object]:
    from generator.build import Project, Timings
    from generator.build import build as run_build

    timings = Timings()
    start = time.perf_counter()
    generated = run_build(Project(root), timings)
    return {
        "wall": time.perf_counter() - start,
        "phases": timings.phases,
        "parallel": timings.parallel,
        "papers": len(generated.catalog.papers),
        "created": len(generated.ingested.created),
        **_rss(),
    }


def bare(directory: Path) -> dict[str, object]:
    start = time.perf_counter()
    done = subprocess.run(
        [sys.executable, "-m", "mkdocs", "build", "--quiet"], cwd=directory, capture_output=True, text=True, check=False
    )
    if done.returncode != 0:
        raise SystemExit(f"bare mkdocs build failed: {done.stderr[-2000:]}")
    return {"wall": time.perf_counter() - start, **_rss()}


def main() -> None:
    kind, where = sys.argv[1], Path(sys.argv[2])
    result = build(where) if kind == "build" else bare(where)
    print(json.dumps(result))


if __name__ == "__main__":
    main()
