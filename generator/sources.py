"""The sources manifest: which dumps exist and the year each was captured in."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import yaml

from .parse import infer_capture_year
from .problems import Problem, Severity
from .yamlio import load_yaml_file

MANIFEST = "sources.yml"


@dataclass(frozen=True)
class Source:
    """A dump file and what the manifest says of it."""

    path: Path
    capture_year: int | None


def load_manifest(directory: Path) -> tuple[dict[str, int], list[Problem]]:
    """File name -> capture year, from ``<directory>/sources.yml``."""
    path = directory / MANIFEST
    if not path.exists():
        return {}, []
    data, problems = load_yaml_file(path)
    if problems:
        return {}, problems
    years: dict[str, int] = {}
    if data is None:
        return years, []
    if not isinstance(data, dict):
        return {}, [Problem(str(path), 1, "the manifest must map dump file names to settings")]
    lines = _key_lines(path)
    for name, settings in data.items():
        line = lines.get(str(name), 1)
        year = settings.get("capture_year") if isinstance(settings, dict) else None
        if isinstance(year, bool) or not isinstance(year, int) or not 1900 <= year <= 9999:
            problems.append(Problem(str(path), line, f"{name}: capture_year must be a year"))
            continue
        years[str(name)] = year
    return years, problems


def _key_lines(path: Path) -> dict[str, int]:
    node = yaml.compose(path.read_text(encoding="utf-8"), Loader=yaml.SafeLoader)
    if not isinstance(node, yaml.MappingNode):
        return {}
    return {str(k.value): k.start_mark.line + 1 for k, _ in node.value}


def discover(directory: Path) -> tuple[list[Source], list[Problem]]:
    """Every ``*.txt`` dump in the directory, sorted by name, with its capture year.

    A dump missing from the manifest, or a manifest entry whose dump is gone, is a
    warning: the dump still parses with an inferred capture year.
    """
    years, problems = load_manifest(directory)
    dumps = sorted(directory.glob("*.txt"))
    names = {p.name for p in dumps}
    manifest = directory / MANIFEST
    lines = _key_lines(manifest) if manifest.exists() and years else {}
    for name in sorted(set(years) - names):
        problems.append(
            Problem(str(manifest), lines.get(name, 1), f"dump {name} is listed but missing", Severity.WARNING)
        )
    return [Source(p, years.get(p.name)) for p in dumps], problems


def capture_year_for(path: Path, years: dict[str, int], problems: list[Problem]) -> int | None:
    """The manifest's year for a dump, else one inferred from the dump, with a warning."""
    if path.name in years:
        return years[path.name]
    inferred = infer_capture_year(path) if path.is_file() else None
    how = f"inferred capture year {inferred}" if inferred else "no capture year can be inferred"
    problems.append(Problem(str(path), 1, f"not in the sources manifest; {how}", Severity.WARNING))
    return inferred
