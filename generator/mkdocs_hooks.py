"""MkDocs hooks: under ``make serve``, regenerate the Markdown before each rebuild.

``make serve`` sets PAPERLIST_SERVE=1 and MkDocs watches ``content/``, so saving a record
re-runs the generator (which rewrites only the pages that changed) and the browser reloads.
``make build`` runs the generator itself and leaves this hook idle.
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

from mkdocs.exceptions import PluginError

from generator.build import generate
from generator.problems import BuildError, report
from generator.project import Project


def on_pre_build(config: Any, **_: Any) -> None:
    if os.environ.get("PAPERLIST_SERVE") != "1":
        return
    root = Path(config["config_file_path"]).resolve().parent
    try:
        report(generate(Project(root)).problems)
    except BuildError as failure:
        report(failure.problems)
        raise PluginError(f"{len(failure.problems)} problem(s) in content/; fix them and save again") from None
