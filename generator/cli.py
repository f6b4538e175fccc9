"""``python -m generator``: parse, check, ingest, build, enrich, and tag maintenance."""

from __future__ import annotations

import argparse
import json
import sys
from collections.abc import Sequence
from pathlib import Path

# Only what `parse` needs is imported up front: the build pulls in scikit-learn, MkDocs and
# Jinja, which would add seconds to every `parse` and `check`.
from .parse import iter_dump
from .problems import BuildError, Problem, errors, report
from .project import Project
from .sources import capture_year_for, load_manifest

ROOT = Path(__file__).resolve().parent.parent


def _year(text: str) -> int:
    if not text.isdigit() or not 1 <= int(text) <= 9999:
        raise argparse.ArgumentTypeError(f"{text!r} is not a year (1-9999)")
    return int(text)


def _parse(args: argparse.Namespace, project: Project) -> int:
    years, problems = load_manifest(project.sources, project.content)
    out = sys.stdout
    for name in args.files:
        path = Path(name)
        if args.capture_year is not None:
            year: int | None = args.capture_year
        else:
            year = capture_year_for(path, years, problems)
        if not path.exists():  # stat only: a FIFO or a device is refused by iter_dump, never opened
            problems.append(Problem(name, 1, "no such dump file"))
            continue
        # Files named here may be anywhere (../shared/seeds/...): no content root, but
        # only a regular file is read (see files).
        for entry in iter_dump(path, year, problems):
            out.write(json.dumps(entry.as_json(), ensure_ascii=False) + "\n")
    report(problems)
    return 1 if errors(problems) else 0


def _check(args: argparse.Namespace, project: Project) -> int:
    from .inputs import load_curated, read_entries

    _, problems = read_entries(project)
    _, _, found = load_curated(project)
    problems += found
    problems = [Problem(project.rel(Path(p.path)), p.line, p.message, p.severity) for p in problems]
    report(problems)
    if errors(problems):
        print(f"check failed: {len(errors(problems))} error(s)", file=sys.stderr)
        return 1
    return 0


def _ingest(args: argparse.Namespace, project: Project) -> int:
    from .build import generate

    generated = generate(project)
    report(generated.problems)
    result = generated.ingested
    print(f"ingest: {len(result.created)} new, {len(result.updated)} updated, {len(generated.catalog.papers)} shown")
    return 0


def _build(args: argparse.Namespace, project: Project) -> int:
    from .build import Timings, build

    timings = Timings()
    site = Path(args.site_dir).resolve() if args.site_dir else None
    generated = build(project, timings, site, use_cache=not args.no_cache)
    result = generated.ingested
    phases = ", ".join(f"{k} {v:.2f}s" for k, v in timings.phases.items())
    kept = "" if generated.published else "; site/ was up to date (MkDocs not run)"
    print(
        f"built {len(generated.catalog.papers)} papers, {len(generated.catalog.topics)} topics,"
        f" {len(generated.catalog.tags)} tags ({len(result.created)} new records,"
        f" {len(result.updated)} updated) in {sum(timings.phases.values()):.1f}s: {phases}{kept}"
    )
    return 0


def _rename(args: argparse.Namespace, project: Project) -> int:
    from .tags import rename

    changes = rename(args.kind, project.taxonomy, project.papers, args.old, args.new, keep_alias=not args.no_alias)
    return _print_changes(changes.lines, changes.records, project)


def _merge(args: argparse.Namespace, project: Project) -> int:
    from .tags import merge

    *sources, target = args.ids
    changes = merge(args.kind, project.taxonomy, project.papers, sources, target, keep_alias=not args.no_alias)
    return _print_changes(changes.lines, changes.records, project)


def _print_changes(lines: list[str], records: int, project: Project) -> int:
    from .inputs import load_curated

    for line in lines:
        print(line.replace(str(project.root) + "/", ""))
    print(f"{records} record(s) changed")
    _, _, problems = load_curated(project)
    report(problems)
    return 1 if errors(problems) else 0


def _linkcheck(args: argparse.Namespace, project: Project) -> int:
    from .linkcheck import check_site

    site = Path(args.site)
    if not site.is_dir():
        report([Problem(args.site, 1, "no such site directory: run make build first")])
        return 1
    checked, problems = check_site(site)
    report(problems)
    print(f"linkcheck: {checked} links in {site}, {len(problems)} problem(s)")
    return 1 if problems else 0


def _positive(text: str) -> int:
    if not text.isdigit() or int(text) < 1:
        raise argparse.ArgumentTypeError(f"{text!r} is not a whole number >= 1")
    return int(text)


def _enrich(args: argparse.Namespace, project: Project) -> int:
    from .arxiv_api import Api, Transport
    from .enrich import run
    from .inputs import load_curated, relative_to_root

    _, papers, problems = load_curated(project)
    if errors(problems):
        report(relative_to_root(project, errors(problems)))
        print("enrich: fix the records first (python -m generator check); no record changed", file=sys.stderr)
        return 1
    api = Api(Transport(project.root / "build" / "cache" / "arxiv"))
    return run(papers, project.papers, api, limit=args.limit, dry_run=args.dry_run, rel=project.rel)


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m generator", description=__doc__)
    parser.add_argument("--root", default=str(ROOT), help="the repository root (default: this checkout)")
    commands = parser.add_subparsers(dest="command", required=True)
    p = commands.add_parser("parse", help="print the entries of dumps as JSON Lines")
    p.add_argument("files", nargs="+", metavar="FILE")
    p.add_argument("--capture-year", type=_year, help="the year year-less dates belong to")
    p.set_defaults(run=_parse)
    commands.add_parser("check", help="validate dumps, taxonomy and records").set_defaults(run=_check)
    commands.add_parser("ingest", help="add records for new papers in content/sources").set_defaults(run=_ingest)
    b = commands.add_parser("build", help="check, ingest, render and build the site")
    b.add_argument("--site-dir", help="where to put the site (default: site/)")
    b.add_argument(
        "--no-cache",
        action="store_true",
        help="build from nothing: remove the build's caches under build/ (parsed dumps, checked records,"
        " links, rendered pages, the search index, the record of the published site) before reading anything,"
        " and always run MkDocs; fresh caches are written. To prove a cache is not at fault.",
    )
    b.set_defaults(run=_build)
    for kind in ("tag", "topic"):
        r = commands.add_parser(f"rename-{kind}", help=f"rename a {kind} in the taxonomy and every record")
        r.add_argument("old")
        r.add_argument("new")
        m = commands.add_parser(f"merge-{kind}s", help=f"merge {kind}s into the last one named, everywhere")
        m.add_argument("ids", nargs="+", metavar="ID", help=f"{kind}s to merge, then the {kind} to merge them into")
        for sub, run in ((r, _rename), (m, _merge)):
            sub.add_argument("--no-alias", action="store_true", help="do not keep old tag ids as aliases")
            sub.set_defaults(run=run, kind=kind)
    e = commands.add_parser("enrich", help="fill arXiv ids, dates and author names into records from the arXiv API")
    e.add_argument("--limit", type=_positive, help="look up at most N records")
    e.add_argument("--dry-run", action="store_true", help="print what would change; write no record")
    e.set_defaults(run=_enrich)
    lc = commands.add_parser("linkcheck", help="check every link of a built site")
    lc.add_argument("site", nargs="?", default="site")
    lc.set_defaults(run=_linkcheck)
    args = parser.parse_args(argv)
    project = Project(Path(args.root).resolve())
    try:
        code: int = args.run(args, project)
    except BuildError as failure:
        report(failure.problems)
        kept = "; site/ left as it was" if args.command == "build" else ""
        print(f"{args.command} failed: {len(errors(failure.problems))} error(s){kept}", file=sys.stderr)
        return 1
    except KeyboardInterrupt:
        return 130
    except BrokenPipeError:  # `parse … | head` closed the pipe: not an error of ours
        sys.stderr.close()
        return 0
    return code
