"""Problems are data: every stage returns them, the CLI prints them all and fails once."""

from __future__ import annotations

import sys
from collections.abc import Iterable
from dataclasses import dataclass
from enum import StrEnum
from typing import TextIO

from .safetext import one_line

# How the MkDocs hooks (another process) tell the build that a kind of paper page could not use
# its theme shell: a line logged at INFO, so --strict does not stop the build. mkdocs_run.run_mkdocs
# turns each into one warning: the site is right, only slower to build.
SHELL_FALLBACK = "Paperlist: shell fallback: "


class Severity(StrEnum):
    ERROR = "error"
    WARNING = "warning"
    NOTICE = "notice"


@dataclass(frozen=True, order=True)
class Problem:
    """One thing wrong with the input, anchored to a file and a 1-based line."""

    path: str
    line: int
    message: str
    severity: Severity = Severity.ERROR

    def __str__(self) -> str:
        # Escaped: a newline in a file name or a quoted value must not print a second,
        # forged problem (or a CI annotation) on a line of its own.
        prefix = "" if self.severity is Severity.ERROR else f"{self.severity.value}: "
        return f"{one_line(self.path)}:{self.line}: {prefix}{one_line(self.message)}"


class BuildError(Exception):
    """Raised to stop a command after its problems have been collected."""

    def __init__(self, problems: Iterable[Problem]) -> None:
        self.problems = sorted(problems)
        super().__init__("\n".join(str(p) for p in self.problems))


def errors(problems: Iterable[Problem]) -> list[Problem]:
    return [p for p in problems if p.severity is Severity.ERROR]


def report(problems: Iterable[Problem], stream: TextIO | None = None) -> None:
    """Print each problem on its own line, sorted by file and line."""
    out = stream if stream is not None else sys.stderr
    for problem in sorted(problems):
        print(problem, file=out)
