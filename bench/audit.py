"""Lighthouse over a built site: ``python -m bench.audit [--site DIR] [--runs N]`` (``make audit``).

Serves the site on 127.0.0.1 and runs a pinned Lighthouse (mobile defaults, the Chromium the
browser tests use) on the home, a topic and a paper page, then prints the four category scores
per page. Lighthouse is installed by this script into build/audit (npm, exact version) on first
use; the site is built first unless ``--site`` names one. Exits non-zero when a score is under
its target, so the audit can gate a change.
"""

from __future__ import annotations

import argparse
import gzip
import io
import json
import os
import statistics
import subprocess
import sys
from pathlib import Path
from typing import Any

from bench.browse import ARGS, CHROMIUM, QuietHandler, served
from generator import urls

COMPRESSIBLE = (".html", ".css", ".js", ".json", ".xml", ".svg", ".txt")

REPO = Path(__file__).resolve().parent.parent
LIGHTHOUSE = "12.2.3"  # 13.x needs Node 22; the machines have Node 20
PREFIX = REPO / "build" / "audit"
REPORTS = PREFIX / "reports"  # each run's JSON report, <page>-<run>.json, replaced by the next audit
CATEGORIES = ("performance", "accessibility", "best-practices", "seo")
TARGETS = {"performance": 95, "accessibility": 100, "best-practices": 100, "seo": 100}


def lighthouse() -> Path:
    """The pinned Lighthouse CLI, installed into build/audit when missing or of another version."""
    cli = PREFIX / "node_modules" / "lighthouse" / "cli" / "index.js"
    package = PREFIX / "node_modules" / "lighthouse" / "package.json"
    if not package.is_file() or json.loads(package.read_text(encoding="utf-8"))["version"] != LIGHTHOUSE:
        PREFIX.mkdir(parents=True, exist_ok=True)
        print(f"installing lighthouse {LIGHTHOUSE} into {PREFIX.relative_to(REPO)}", file=sys.stderr)
        subprocess.run(
            [
                "npm",
                "install",
                "--prefix",
                str(PREFIX),
                "--no-audit",
                "--no-fund",
                "--save-exact",
                f"lighthouse@{LIGHTHOUSE}",
            ],
            check=True,
            stdout=subprocess.DEVNULL,
        )
    return cli


class _Gzipped(QuietHandler):
    """Text files gzipped when the browser accepts it, as GitHub Pages and most hosts serve them:
    the audit then weighs the bytes a reader downloads, not python's uncompressed ones."""

    def send_head(self) -> Any:
        path = Path(self.translate_path(self.path))
        if path.is_dir() and self.path.split("?")[0].endswith("/"):
            path = path / "index.html"
        gzipped = "gzip" in self.headers.get("Accept-Encoding", "")
        if not (gzipped and path.suffix in COMPRESSIBLE and path.is_file()):
            return super().send_head()  # redirects, 404s, binary files: as python serves them
        body = gzip.compress(path.read_bytes(), compresslevel=6, mtime=0)
        self.send_response(200)
        self.send_header("Content-Type", self.guess_type(str(path)))
        self.send_header("Content-Encoding", "gzip")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        return io.BytesIO(body)


def pages(site: Path) -> dict[str, str]:
    """Site-relative paths of the audited pages: the home, the first topic, the first paper."""

    def first(section: urls.Section) -> str:
        """The URL of the section's first page, by id."""
        folder = site / section.name
        return section.url(sorted(p.name for p in folder.iterdir() if (p / "index.html").is_file())[0])

    return {"home": "", "topic": first(urls.TOPICS), "paper": first(urls.PAPERS)}


def run(cli: Path, url: str, report: Path) -> dict[str, Any]:
    """One Lighthouse run (mobile, simulated throttling, its defaults): its JSON report, also
    written to ``report`` (for what the scores do not say: long tasks, script times, TBT)."""
    flags = " ".join(["--headless=new", *ARGS])
    report.parent.mkdir(parents=True, exist_ok=True)
    subprocess.run(
        [
            "node",
            str(cli),
            url,
            "--quiet",
            "--output=json",
            f"--output-path={report}",
            f"--only-categories={','.join(CATEGORIES)}",
            f"--chrome-flags={flags}",
        ],
        check=True,
        env={**os.environ, "CHROME_PATH": str(CHROMIUM)},
    )
    result: dict[str, Any] = json.loads(report.read_text(encoding="utf-8"))
    return result


def scores(report: dict[str, Any]) -> dict[str, int]:
    """Category -> score 0..100."""
    return {name: round(100 * (report["categories"][name]["score"] or 0)) for name in CATEGORIES}


def failed(report: dict[str, Any]) -> list[str]:
    """The scored audits a page did not pass, as ``category: audit id (score)``: what to fix."""
    found = []
    for name in CATEGORIES:
        for ref in report["categories"][name]["auditRefs"]:
            audit = report["audits"][ref["id"]]
            if ref["weight"] and audit["score"] is not None and audit["score"] < 1:
                found.append(f"{name}: {ref['id']} ({audit['score']:.2f}) {audit.get('displayValue', '')}".rstrip())
    return found


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench.audit", description=__doc__.splitlines()[0])
    parser.add_argument("--site", type=Path, help="an already built site (default: build the seed site into site/)")
    parser.add_argument("--runs", type=int, default=3, help="runs per page; the median is printed (default 3)")
    parser.add_argument("-v", "--verbose", action="store_true", help="list each page's audits that did not pass")
    args = parser.parse_args(argv)
    site = args.site
    if site is None:
        site = REPO / "site"
        subprocess.run([sys.executable, "-m", "generator", "build"], cwd=REPO, check=True)
    cli = lighthouse()
    below: list[str] = []
    print(f"{'page':8} " + " ".join(f"{name:>14}" for name in CATEGORIES) + f"{'TBT ms':>8}")
    with served(site, _Gzipped) as base:
        for kind, path in pages(site).items():
            reports = [run(cli, base + path, REPORTS / f"{kind}-{i + 1}.json") for i in range(args.runs)]
            median = {name: int(statistics.median(scores(r)[name] for r in reports)) for name in CATEGORIES}
            # Total blocking time, the figure the topic page's performance score hangs on (simulated 4x CPU).
            tbt = statistics.median(r["audits"]["total-blocking-time"]["numericValue"] for r in reports)
            print(f"{kind:8} " + " ".join(f"{median[name]:>14}" for name in CATEGORIES) + f"{tbt:>8.0f}", flush=True)
            for line in failed(reports[0]) if args.verbose else []:
                print(f"         {line}")
            below += [
                f"{kind} {name} {median[name]} < {TARGETS[name]}" for name in CATEGORIES if median[name] < TARGETS[name]
            ]
    for line in below:
        print(f"below target: {line}", file=sys.stderr)
    return 1 if below else 0


if __name__ == "__main__":
    sys.exit(main())
