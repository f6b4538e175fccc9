"""The sources manifest: which dumps exist and the year each was captured in.

``content/sources/sources.yml`` maps a dump's file name to its settings::

    003_b02779cee325fa53.txt:
      capture_year: 2025

Keyed by file name, so a dump parsed from elsewhere (``parse ../seeds/003_….txt``) finds its
year. A dump missing from the manifest, or an entry whose dump is gone, is a warning.
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path

from . import files
from .parse import infer_capture_year
from .problems import Problem, Severity
from .safetext import SHOWN_MAX, check, shown
from .yamlio import key_lines, load_yaml_text

MANIFEST = "sources.yml"


@dataclass(frozen=True)
class Source:
    """A dump file and what the manifest says of it."""

    path: Path
    capture_year: int | None


def _read(path: Path, root: Path) -> tuple[str | None, list[Problem]]:
    try:
        raw = files.read_bytes(path, files.MANIFEST, root)
    except OSError as exc:
        return None, [files.unreadable(path, exc, " the sources manifest")]
    try:
        return raw.decode("utf-8"), []
    except UnicodeDecodeError as exc:
        line_start = raw.rfind(b"\n", 0, exc.start) + 1
        line = raw.count(b"\n", 0, exc.start) + 1
        return None, [Problem(str(path), line, f"not valid UTF-8 (byte {exc.start - line_start + 1})")]


def _manifest(directory: Path, root: Path | None) -> tuple[dict[str, int], dict[str, int], list[Problem]]:
    """Capture years, the line of each name in the manifest, and the manifest's problems."""
    path = directory / MANIFEST
    if not os.path.lexists(path):  # a dangling symlink is there, and refused
        return {}, {}, []
    text, problems = _read(path, directory if root is None else root)
    if text is None:
        return {}, {}, problems
    data, problems = load_yaml_text(text, str(path))
    if problems or data is None:
        return {}, {}, problems
    if not isinstance(data, dict):
        return {}, {}, [Problem(str(path), 1, "the manifest must map dump file names to settings")]
    lines = key_lines(text)
    years: dict[str, int] = {}
    for name, settings in data.items():
        line = lines.get(str(name), 1)
        if not isinstance(name, str) or (found := check(name).findings):
            # A dump's file name: none holds a control or bidi character, and printing one would be unsafe.
            why = f"holds {found[0].describe()}" if isinstance(name, str) else "is not a file name"
            problems.append(Problem(str(path), line, f"{shown(name)} {why}: rename the dump"))
            continue
        year = settings.get("capture_year") if isinstance(settings, dict) else None
        if isinstance(year, bool) or not isinstance(year, int) or not 1900 <= year <= 9999:
            label = name if len(name) <= SHOWN_MAX else shown(name)  # checked: safe to print as it is
            message = f"{label}: capture_year must be a year, e.g. capture_year: 2025"
            problems.append(Problem(str(path), line, message))
            continue
        years[str(name)] = year
    return years, lines, problems


def load_manifest(directory: Path, root: Path | None = None) -> tuple[dict[str, int], list[Problem]]:
    """File name -> capture year, from ``<directory>/sources.yml`` (none there: empty, no problem).

    The manifest is read as content: refused if it leads outside ``root`` (default: ``directory``).
    """
    years, _, problems = _manifest(directory, root)
    return years, problems


def discover(directory: Path, root: Path | None = None) -> tuple[list[Source], list[Problem]]:
    """Every ``*.txt`` dump in the directory, sorted by name, with its capture year.

    A dump missing from the manifest, or a manifest entry whose dump is gone, is a
    warning: the dump still parses with an inferred capture year. Entries that are no
    regular file inside ``root`` (default: ``directory``) are listed too: reading refuses them.
    """
    root = directory if root is None else root
    years, lines, problems = _manifest(directory, root)
    dumps = [p for p in files.list_dir(directory, (".txt",), root) if not p.name.startswith(".")]  # as glob("*.txt")
    names = {p.name for p in dumps}
    for name in sorted(set(years) - names):
        problems.append(
            Problem(
                str(directory / MANIFEST), lines.get(name, 1), f"dump {name} is listed but missing", Severity.WARNING
            )
        )
    return [Source(p, years.get(p.name)) for p in dumps], problems


def capture_year_for(
    path: Path, years: dict[str, int], problems: list[Problem], root: Path | None = None
) -> int | None:
    """The manifest's year for a dump, else one inferred from the dump, with a warning.

    A path that is not a file gets None and no warning: reading it reports the real problem.
    ``root`` as for ``parse.iter_dump``.
    """
    if path.name in years:
        return years[path.name]
    if not path.is_file():
        return None
    inferred = infer_capture_year(path, root)
    if inferred is None:
        how = "it prints no year to infer the capture year from, so year-less dates stay empty"
    else:
        how = f"capture year {inferred} inferred from its newest dated entry"
    problems.append(Problem(str(path), 1, f"{path.name} is not in the sources manifest; {how}", Severity.WARNING))
    return inferred
