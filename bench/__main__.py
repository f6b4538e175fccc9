"""``make bench``: build N synthetic papers in a temp copy and print what it costs.

For each N (1,000 and 10,000; 100,000 with ``--full``), the paths a user waits on:
- the first ingest: a first build with every paper new (dumps in, records written);
- the cold build: records committed, no ``build/`` cache and no site (a fresh clone in CI or
  the Pages deploy);
- the warm rebuild with nothing changed (and how many files it wrote), and after a curator's
  one-record edit (a pull request that marks a paper must-read);
- the bare MkDocs + Material build of the same pages, the yardstick of every ratio;
- site size, and search in headless Chromium: time from the reader's first input to the first
  result link, with the query pasted and typed, and the bytes fetched before and during it.
Figures, not assertions; compare ratios within one run, since the machine's other work moves
absolute times.
"""

from __future__ import annotations

import argparse
import itertools
import json
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path
from typing import Any

from bench.browse import SearchTiming, search_timings
from bench.sites import REPO, bare_site, largest_page, make_project, snapshot, tree_bytes
from generator import urls

BUILDS = ("first", "cold", "again", "edited")  # first ingest, cold build, no-change and one-edit rebuilds
GENERATOR_PHASES = ("parse", "check", "curate", "related", "search index", "render")
SEARCH_ROUNDS = 3  # readers per pasted query: browser timings on 2 shared cores vary by ±50 %


def worker(*args: str) -> dict[str, Any]:
    done = subprocess.run(
        [sys.executable, "-m", "bench.worker", *args], cwd=REPO, capture_output=True, text=True, check=False
    )
    if done.returncode != 0:
        raise SystemExit(f"bench run {' '.join(args)} failed:\n{done.stderr[-4000:]}")
    result: dict[str, Any] = json.loads(done.stdout.strip().splitlines()[-1])
    return result


def queries(site: Path) -> list[str]:
    """A rare word (a paper's own title) and a common one, taken from the built site."""
    papers = json.loads((site / urls.PAPERS_JSON).read_text(encoding="utf-8"))
    papers = papers["papers"] if isinstance(papers, dict) else papers
    middle = papers[len(papers) // 2]["title"]
    return [" ".join(middle.split()[:3]), "unlearning"]


def measure(n: int, browse: bool) -> dict[str, Any]:
    with tempfile.TemporaryDirectory(prefix=f"paperlist-bench-{n}-") as tmp:
        root = make_project(Path(tmp) / "project", n)
        print(f"[{n}] first build …", file=sys.stderr, flush=True)
        first = worker("build", str(root))
        print(f"[{n}] cold build (records committed, no build/ cache) …", file=sys.stderr, flush=True)
        shutil.rmtree(root / "build")
        shutil.rmtree(root / "site")
        cold = worker("build", str(root))
        watched = (root / "content", root / "build")
        before = snapshot(*watched)
        print(f"[{n}] rebuild, nothing changed …", file=sys.stderr, flush=True)
        again = worker("build", str(root))
        after = snapshot(*watched)
        written = sorted(p for p in after if before.get(p) != after[p])
        print(f"[{n}] rebuild after a curator's one-record edit …", file=sys.stderr, flush=True)
        mark_must_read(root)
        edited = worker("build", str(root))
        site = root / "site"
        print(f"[{n}] bare MkDocs + Material …", file=sys.stderr, flush=True)
        bare = worker("bare", str(bare_site(site, Path(tmp) / "bare")))
        bare["site_bytes"] = tree_bytes(Path(tmp) / "bare" / "site")
        searches = []
        if browse:
            # Pasted queries are the site's own time: three readers each, the median shown with the spread.
            searches = search_timings(site, queries(site), pasted=True, rounds=SEARCH_ROUNDS)
            searches += search_timings(site, queries(site))
        return {
            "n": n,
            "first": first,
            "cold": cold,
            "again": again,
            "edited": edited,
            "written": written,
            "bare": bare,
            "site_bytes": tree_bytes(site),
            "largest_page": largest_page(site),
            "search_bytes": tree_bytes(site / "searchindex"),
            "searches": searches,
        }


def mark_must_read(root: Path) -> None:
    """A curator's pull request: one record, in the middle of the list, marked must-read."""
    records = sorted((root / "content" / "papers").glob("*.yml"))
    for path in records[len(records) // 2 :]:
        text = path.read_text(encoding="utf-8")
        if "\nstatus:" not in text:
            path.write_text(text + "status: must-read\n", encoding="utf-8")
            return
    raise SystemExit("bench: no record without a status to edit")


def _gen(run: dict[str, Any]) -> float:
    return sum(run["phases"].get(k, 0.0) for k in GENERATOR_PHASES)


def _peak(run: dict[str, Any], key: str) -> float:
    return max(run[build][key] for build in BUILDS)


def _process_peak(run: dict[str, Any], name: str) -> float:
    """The largest one process named ``name`` was, in any build, as the sampler saw it."""
    return max(run[build].get("rss_process_peaks_mb", {}).get(name, 0.0) for build in BUILDS)


def _first_link(timing: SearchTiming | None) -> str:
    """The median reader's time, and with several readers every reader's, fastest first."""
    if timing is None:
        return "–"
    cell = f"**{timing.first_key_seconds:.2f}**"
    if len(timing.runs) > 1:
        cell += " (" + ", ".join(f"{run:.2f}" for run in timing.runs) + ")"
    return cell


def table(results: list[dict[str, Any]]) -> str:
    """The figures as a Markdown table, one column per N."""
    rows: list[tuple[str, list[str]]] = []

    def row(label: str, fn: Any) -> None:
        rows.append((label, [fn(r) for r in results]))

    for phase in (*GENERATOR_PHASES, "mkdocs", "publish"):
        row(f"first build: {phase} s", lambda r, p=phase: f"{r['first']['phases'].get(p, 0.0):.2f}")
    row("first build: generator phases s", lambda r: f"{_gen(r['first']):.2f}")
    row("first build: total s", lambda r: f"{r['first']['wall']:.1f}")
    for phase in (*GENERATOR_PHASES, "mkdocs", "publish"):
        row(f"cold build: {phase} s", lambda r, p=phase: f"{r['cold']['phases'].get(p, 0.0):.2f}")
    row("cold build: generator phases s", lambda r: f"{_gen(r['cold']):.2f}")
    row("cold build: total s", lambda r: f"{r['cold']['wall']:.1f}")
    for phase in (*GENERATOR_PHASES, "mkdocs", "publish"):
        row(f"rebuild: {phase} s", lambda r, p=phase: f"{r['again']['phases'].get(p, 0.0):.2f}")
    row("rebuild: generator phases s", lambda r: f"{_gen(r['again']):.2f}")
    row("rebuild: total s", lambda r: f"{r['again']['wall']:.1f}")
    row("rebuild: files written", lambda r: str(len(r["written"])))
    for phase in (*GENERATOR_PHASES, "mkdocs", "publish"):
        row(f"one-record edit: {phase} s", lambda r, p=phase: f"{r['edited']['phases'].get(p, 0.0):.2f}")
    row("one-record edit: total s", lambda r: f"{r['edited']['wall']:.1f}")
    row("bare MkDocs + Material s", lambda r: f"{r['bare']['wall']:.1f}")
    row("**rebuild / bare** (nothing changed)", lambda r: f"**{r['again']['wall'] / r['bare']['wall']:.2f}×**")
    row("**one-record edit / bare**", lambda r: f"**{r['edited']['wall'] / r['bare']['wall']:.2f}×**")
    row("**cold build / bare** (target ≤ 1.0)", lambda r: f"**{r['cold']['wall'] / r['bare']['wall']:.2f}×**")
    row("**first ingest / bare** (target ≤ 1.3)", lambda r: f"**{r['first']['wall'] / r['bare']['wall']:.2f}×**")
    # The generator runs in a forked child of the build's process (same name): the larger of the two.
    row(
        "peak RSS generator MB",
        lambda r: f"{max(_peak(r, 'rss_generator_mb'), _process_peak(r, 'bench.worker')):.0f}",
    )
    # Not getrusage's figure for the children: a child forked by a large process inherits its
    # peak, so only the sampled figure below says what MkDocs used.
    row("peak RSS, all build processes together MB", lambda r: f"{_peak(r, 'rss_tree_peak_mb'):.0f}")
    row("peak RSS MkDocs, sampled MB", lambda r: f"{_process_peak(r, 'mkdocs'):.0f}")
    row("peak RSS bare MB", lambda r: f"{r['bare']['rss_children_mb']:.0f}")
    row("site MB", lambda r: f"{r['site_bytes'] / 1e6:.1f}")
    row("site KB per paper", lambda r: f"{r['site_bytes'] / 1e3 / r['n']:.1f}")
    row("largest HTML page KB (target ≤ 500)", lambda r: f"{r.get('largest_page', 0) / 1e3:.0f}")
    row("bare site KB per paper", lambda r: f"{r['bare']['site_bytes'] / 1e3 / r['n']:.1f}")
    row("search bundle MB", lambda r: f"{r['search_bytes'] / 1e6:.1f}")
    for i in range(max((len(r["searches"]) for r in results), default=0)):
        pick = lambda r, i=i: r["searches"][i] if len(r["searches"]) > i else None  # noqa: E731
        first = next((r["searches"][i] for r in results if len(r["searches"]) > i), None)
        label = ("rare" if i % 2 == 0 else "common") + (", pasted" if first and first.pasted else ", typed")
        row(f"**search ({label}): first link after first input s** (target ≤ 0.5)", lambda r, f=pick: _first_link(f(r)))
        cell = lambda r, f=pick, field="seconds", fmt=".2f", scale=1.0: (  # noqa: E731
            format(getattr(f(r), field) * scale, fmt) if f(r) else "–"
        )
        row(f"search ({label}): … after the query was in s", cell)
        if first and not first.pasted:
            row(f"search ({label}): the driver's typing s", lambda r, c=cell: c(r, field="typing_seconds"))
        row(
            f"search ({label}): KB before the first input",
            lambda r, c=cell: c(r, field="load_bytes", fmt=".0f", scale=1e-3),
        )
        row(f"search ({label}): KB for the query", lambda r, c=cell: c(r, field="query_bytes", fmt=".0f", scale=1e-3))
    # Each size against the one before it (in the column of the larger): how the paths grow.
    for label, build, target in (("rebuild", "again", ""), ("cold build", "cold", " (target ≤ 12× for 100k / 10k)")):
        cells = [""] + [f"{b[build]['wall'] / a[build]['wall']:.1f}×" for a, b in itertools.pairwise(results)]
        if len(results) > 1:
            rows.append((f"{label}: this size / the one before{target}", cells))
    header = "| N | " + " | ".join(f"{r['n']:,}" for r in results) + " |"
    lines = [header, "|---|" + "---:|" * len(results)]
    lines += [f"| {label} | " + " | ".join(cells + [""] * (len(results) - len(cells))) + " |" for label, cells in rows]
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench", description=__doc__)
    parser.add_argument("--full", action="store_true", help="also 100,000 papers (long)")
    parser.add_argument("--sizes", type=int, nargs="+", help="paper counts to measure instead")
    parser.add_argument("--no-browser", action="store_true", help="skip the search timings in Chromium")
    parser.add_argument("--json", help="also write the raw figures to this file")
    args = parser.parse_args(argv)
    sizes = args.sizes or ([1000, 10000, 100000] if args.full else [1000, 10000])
    results = []
    for n in sizes:
        results.append(measure(n, not args.no_browser))
        if args.json:  # after each size: a figure measured is never lost to a later size or the table
            serial = [{**r, "searches": [s.__dict__ for s in r["searches"]]} for r in results]
            Path(args.json).write_text(json.dumps(serial, indent=1), encoding="utf-8")
    print(table(results))
    for r in results:
        if r["written"]:
            print(f"N={r['n']}: the no-change rebuild wrote {len(r['written'])} file(s), e.g. {r['written'][:3]}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
