"""MkDocs, run once per build: into a staging directory, strictly, dying with the build.

What its output means to the build: a failure that names a file (a hook's
``content/pages/about.md:3: ...``) is blamed on that file, any other on ``mkdocs.yml``; a
line saying a kind of paper page could not use its theme shell is a warning (see
``problems.SHELL_FALLBACK``).
"""

from __future__ import annotations

import os
import re
import subprocess
from pathlib import Path

from .problems import SHELL_FALLBACK, Problem, Severity
from .project import Project
from .publish import module_command


def run_mkdocs(project: Project, site: Path, epoch: int) -> list[Problem]:
    """``mkdocs build --strict`` into ``site``; a failure is one problem with MkDocs' last words.

    MkDocs dies with the build (see publish.module_command): a killed build leaves no MkDocs
    writing into a staging directory the next build removes.
    """
    env = {**os.environ, "SOURCE_DATE_EPOCH": str(epoch)}
    # No --quiet: MkDocs 1.6 counts warnings for --strict only when they are logged.
    command = module_command("mkdocs", "build", "--strict", "--site-dir", str(site))
    done = subprocess.run(
        command,
        cwd=project.root,
        env=env,
        capture_output=True,
        text=True,
        check=False,
    )
    if done.returncode == 0:  # a fallback from the paper page shell is a warning: slower, not wrong
        output = (done.stderr + done.stdout).splitlines()
        found = [line.split(SHELL_FALLBACK, 1)[1].strip() for line in output if SHELL_FALLBACK in line]
        return [Problem("mkdocs.yml", 1, why, Severity.WARNING) for why in found]
    lines = [line for line in (done.stderr + done.stdout).splitlines() if line.strip()]
    # A hook that names the file at fault (``ERROR - content/pages/about.md:3: ...``) is
    # blamed on that file; only a failure that names none falls back to mkdocs.yml.
    named = [Problem(m["path"], int(m["line"]), m["message"]) for line in lines if (m := _NAMED.match(line))]
    if named:
        return sorted(set(named))
    detail = "; ".join(lines[-5:]) or f"exit status {done.returncode}"
    return [Problem("mkdocs.yml", 1, f"mkdocs build failed: {detail}")]


_NAMED = re.compile(
    r"(?:ERROR\s+-\s+|Error: )?(?P<path>(?:content|build/docs)/[^\s:]+):(?P<line>\d{1,9}): (?P<message>.+)"
)
