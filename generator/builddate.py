"""The build date: every stamp MkDocs writes must hold it, and SOURCE_DATE_EPOCH must be a number.

Importing this module checks SOURCE_DATE_EPOCH and raises BuildError (one problem line) when it
is set but is not a whole number of seconds. ``generator.build`` imports it before anything
else, because NumPy (under scikit-learn) reads the variable with ``int()`` when it is imported,
and a value like ``soon`` or ``²`` would otherwise end the build in a traceback.
"""

from __future__ import annotations

import os
import re

from .problems import BuildError, Problem, Severity, errors

EARLIEST_EPOCH = 315532800  # 1980-01-01: the earliest time a zip header can hold
LATEST_EPOCH = 2**32 - 1  # 2106-02-07 06:28:15: the latest a gzip header (32-bit seconds) can hold
# ASCII digits only: str.isdigit() accepts "²", which int() refuses.
EPOCH_SYNTAX = re.compile(r"\s*-?[0-9]{1,20}\s*")
EPOCH_SOURCE = "SOURCE_DATE_EPOCH"  # where a problem with the build date points: the environment


def environment_epoch() -> tuple[int | None, list[Problem]]:
    """SOURCE_DATE_EPOCH as a number, None when it is not set; a problem when it is not a number."""
    value = os.environ.get("SOURCE_DATE_EPOCH")
    if value is None:
        return None, []
    if not EPOCH_SYNTAX.fullmatch(value):
        shown = ascii(value[:40])  # an environment value may hold anything, newlines included
        return None, [Problem(EPOCH_SOURCE, 1, f"SOURCE_DATE_EPOCH {shown} is not a number of seconds")]
    return int(value), []


def clamped(epoch: int, origin: str) -> tuple[int, list[Problem]]:
    """``epoch`` moved into 1980-01-01..2106-02-07, with a warning naming ``origin`` when it had to move."""
    inside = min(max(epoch, EARLIEST_EPOCH), LATEST_EPOCH)
    if inside == epoch:
        return epoch, []
    moved = f"{origin} {epoch} is outside 1980-01-01..2106-02-07: the build is dated {inside}"
    return inside, [Problem(EPOCH_SOURCE, 1, moved, Severity.WARNING)]


def check_environment() -> None:
    """Raise BuildError when SOURCE_DATE_EPOCH is set but is not a number of seconds."""
    _, problems = environment_epoch()
    if errors(problems):
        raise BuildError(problems)


check_environment()
