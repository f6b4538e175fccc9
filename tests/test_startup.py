"""Start-up: the commands import only what they use, so a build that changes nothing is quick.

NumPy, SciPy and scikit-learn (related papers) cost seconds to import; a build whose links
come from the cache never needs them, and ``parse``/``check`` need neither them nor Jinja,
MkDocs or ruamel.yaml (edits of existing records).
"""

from __future__ import annotations

import json
import subprocess
import sys

import pytest

from conftest import REPO

HEAVY = ("sklearn", "numpy", "scipy", "jinja2", "mkdocs", "ruamel", "arxiv", "feedgen")


def imported_by(module: str) -> set[str]:
    """The top-level packages a fresh interpreter holds after importing ``module``."""
    code = f"import json, sys, {module}; print(json.dumps(sorted({{m.split('.')[0] for m in sys.modules}})))"
    done = subprocess.run([sys.executable, "-c", code], cwd=REPO, capture_output=True, text=True, check=True)
    return set(json.loads(done.stdout))


def test_the_command_line_imports_nothing_heavy() -> None:
    assert imported_by("generator.cli") & set(HEAVY) == set()


@pytest.mark.parametrize("module", ["generator.build", "generator.catalog", "generator.mentions"])
def test_a_build_imports_no_numerics_until_links_are_computed(module: str) -> None:
    # Jinja comes with the renderer (its page keys are needed even when nothing changed), and
    # MkDocs' front matter pattern with the check of hand-written pages (frontmatter.py).
    assert imported_by(module) & {"sklearn", "numpy", "scipy", "ruamel", "arxiv"} == set()
