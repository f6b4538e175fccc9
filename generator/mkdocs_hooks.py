"""MkDocs hooks: skip Markdown for generated HTML pages; regenerate pages under ``make serve``.

Pages the generator writes as HTML (front matter ``paperlist_html: true``) need no Markdown:
their body is already escaped HTML from autoescaped templates. Handing it to MkDocs as the
page content skips a second parse that was over half of MkDocs' time at 10,000 papers.

``make serve`` sets PAPERLIST_SERVE=1 and MkDocs watches ``content/``, so saving a record
re-runs the generator (which rewrites only the pages that changed) and the browser reloads.
``make build`` runs the generator itself and leaves this hook idle.
"""

from __future__ import annotations

import os
import re
from pathlib import Path
from typing import Any

from mkdocs.exceptions import PluginError

from generator.problems import BuildError, report
from generator.project import Project

_html_bodies: dict[str, str] = {}  # src_uri -> body, held between the two hooks of one page


def on_page_markdown(markdown: str, page: Any, **_: Any) -> str:
    if page.meta.get("paperlist_html") is True:
        _html_bodies[page.file.src_uri] = markdown
        return ""
    return markdown


def on_page_content(html: str, page: Any, **_: Any) -> str:
    return _html_bodies.pop(page.file.src_uri, html)


_INDENT = re.compile(r"\n[ \t]+")
_BLANK_LINES = re.compile(r"\n{2,}")


def on_post_page(output: str, **_: Any) -> str:
    """Drop the theme's indentation and blank lines: a fifth of every page, none of its text.

    Pages with preformatted text keep their whitespace, which there is content.
    """
    if "<pre" in output or "<textarea" in output:
        return output
    return _BLANK_LINES.sub("\n", _INDENT.sub("\n", output))


def on_pre_build(config: Any, **_: Any) -> None:
    if os.environ.get("PAPERLIST_SERVE") != "1":
        return
    from generator.build import generate  # heavy (scikit-learn): only under `make serve`

    root = Path(config["config_file_path"]).resolve().parent
    try:
        report(generate(Project(root)).problems)
    except BuildError as failure:
        report(failure.problems)
        raise PluginError(f"{len(failure.problems)} problem(s) in content/; fix them and save again") from None
