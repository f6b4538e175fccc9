"""MkDocs hooks: metadata that does not parse stops the build, generated pages skip Markdown,
paper pages reuse one verified theme render, and ``make serve`` regenerates pages.

A page that starts with a front matter block MkDocs could not read (not YAML, or not a
mapping) is an error naming the page and line: MkDocs itself would drop the metadata and
render the block and the page as Markdown (``unread_front_matter``).

Pages the generator writes as HTML (front matter ``paperlist_html: true``) need no Markdown:
their body is already escaped HTML from autoescaped templates, so it becomes the page content
as it is and no Markdown instance is ever built for them. MkDocs reads every page before it
writes the first, so that body is not kept: it is read again from the page's file just
before the theme renders it and dropped once the page is written (MkDocs held 1.9 GB of
bodies and pages at 100,000 papers).

Paper pages are most of a large site, and Material's template rendered them in two thirds of
MkDocs' time at 10,000 papers, although they differ only in title, description and content:
they sit at the same depth and out of the nav. So the theme renders the chrome once with
placeholders (the *shell*), and each paper page is the shell with its own three values put
in. The shell is trusted only after it reproduced real renders byte for byte (the first
``VERIFIED`` pages of each kind); a page whose values could render differently (empty, or
starting or ending with white space) gets the real render. ``PAPERLIST_SHELL=verify`` checks
every page against the real render (the tests do), ``PAPERLIST_SHELL=off`` never uses a shell.

Pinned to Material 9.8.1: MATERIAL.md, "The shell"; tests/test_material_seams.py records the
theme's uses of the three slots and fails when an upgrade changes them.

``make serve`` sets PAPERLIST_SERVE=1 and MkDocs watches ``content/``, so saving a record
re-runs the generator (which rewrites only the pages that changed) and the browser reloads.
``make build`` runs the generator itself and leaves that hook idle.
"""

from __future__ import annotations

import functools
import logging
import os
import re
import shutil
from pathlib import Path
from typing import Any

import jinja2
import yaml
from mkdocs.exceptions import PluginError
from mkdocs.structure.toc import get_toc
from mkdocs.utils.meta import YAML_RE

from generator.problems import SHELL_FALLBACK, BuildError, report
from generator.project import Project
from generator.urls import SEARCH_BUNDLE, SHELLED  # SHELLED: the pages that may be filled from a shell

SHELL_TEMPLATE = "paperlist-shell.html"  # a name no theme file has: the loader answers it
VERIFIED = 3  # real renders a shell must reproduce before it is used alone
SLOTS = ("title", "description", "content")

log = logging.getLogger("mkdocs.hooks.paperlist")
_count = {"filled": 0}  # pages filled from a shell in this build, logged at the end
_filled: set[str] = set()  # src_uris of the pages just filled from a shell (already stripped)
_in_nav: set[str] = set()  # src_uris of the pages in the nav (their nav entry is active)

_NO_TOC = get_toc([])  # generated pages have no table of contents and no anchors to check:
_NO_ANCHORS: frozenset[str] = frozenset()  # one of each, shared, read only
_PREFORMATTED = re.compile("<pre|<textarea")  # pages with these keep their white space
_PREFORMATTED_BLOCK = re.compile(r"<(?:pre|textarea)\b.*?(?:</(?:pre|textarea)>|$)", re.S)
_INDENT = re.compile(r"\n[ \t]+")
_BLANK_LINES = re.compile(r"\n{2,}")


def strip_indentation(html: str) -> str:
    """Drop the theme's indentation and blank lines: a fifth of every page, none of its text."""
    return _BLANK_LINES.sub("\n", _INDENT.sub("\n", html))


def on_nav(nav: Any, **_: Any) -> Any:
    _in_nav.clear()
    _in_nav.update(page.file.src_uri for page in nav.pages)
    return nav


def on_page_markdown(markdown: str, page: Any, config: Any, **_: Any) -> str:
    if not page.meta and YAML_RE.match(markdown):
        raise PluginError(unread_front_matter(markdown, page.file.abs_src_path, config))
    if page.meta.get("paperlist_html") is not True:
        return markdown
    # The body is not kept: MkDocs reads every page before it builds the first, so 10,000 page
    # bodies (13 KB each) would be held at once. It is read again when the page is built.
    page.paperlist_body = len(html_body(markdown))
    page.render = functools.partial(_render_html, page)
    src = page.file.src_uri
    if src.startswith(SHELLED) and src not in _in_nav and os.environ.get("PAPERLIST_SHELL") != "off":
        page.meta["template"] = SHELL_TEMPLATE
    return ""


def html_body(markdown: str) -> str:
    """A generated page's content: its Markdown (front matter removed), outer white space stripped.

    Stripped so that a shell filled with it equals the real render with indentation stripped
    (no blank line or indent can straddle a slot's edge).
    """
    return markdown.strip()


def _render_html(page: Any, config: Any, files: Any) -> None:
    """Page.render without Markdown, for a generated page: its content comes when it is built."""
    page.content = ""  # MkDocs asserts there is content; on_page_context puts the real one in
    page.toc = _NO_TOC
    page.present_anchor_ids = _NO_ANCHORS
    del page.render  # the partial held the page: gone, the page's own method is back


def on_page_context(context: Any, page: Any, **_: Any) -> Any:
    """The body of a generated page, read again from its file just before the theme renders it."""
    expected = getattr(page, "paperlist_body", None)
    if expected is None:
        return context
    match = YAML_RE.match(source := page.file.content_string)  # as MkDocs read it (meta.get_data)
    body = html_body(source[match.end() :] if match else source)
    if len(body) != expected:
        raise PluginError(f"{page.file.src_uri} changed while MkDocs built the site; build again")
    page.content = body
    return context


def unread_front_matter(markdown: str, source: str, config: Any) -> str:
    """``path:line: message`` for a page whose front matter MkDocs could not read.

    MkDocs 1.6 (``mkdocs.utils.meta.get_data``) drops metadata that is no YAML mapping
    without a word and renders the whole page, front matter included, as Markdown: a page
    meant to skip Markdown (``paperlist_html``) would then have its text read as Markdown.
    So such a page stops the build. A hand-written page is named by its file in content/pages/.
    """
    root = Path(config["config_file_path"]).resolve().parent
    path = Path(source).resolve()
    docs = Path(config["docs_dir"]).resolve()
    if path.is_relative_to(docs) and path.parent == docs and (Project(root).pages / path.name).is_file():
        path = Project(root).pages / path.name  # copied from there by the build
    where, line, why = Project(root).rel(path), 1, "is not a YAML mapping"
    match = YAML_RE.match(markdown)
    block = match.group(1) if match else ""
    try:
        yaml.safe_load(block)
    except yaml.reader.ReaderError as error:  # a character YAML does not allow anywhere
        line = block.count("\n", 0, error.position) + 2
        why = f"holds the character U+{error.character:04X}, which YAML does not allow"
    except yaml.MarkedYAMLError as error:
        mark = error.problem_mark or error.context_mark
        line = mark.line + 2 if mark else 1  # + the opening "---" line, 1-based
        why = f"does not parse as YAML ({error.problem or error.context})"
    except yaml.YAMLError as error:
        why = f"does not parse as YAML ({error})"
    message = f"{where}:{line}: front matter {why}: MkDocs would drop it and render the page as Markdown"
    return message.replace("\n", " ").replace("\r", " ")


def on_post_build(config: Any, **_: Any) -> None:
    log.info("Paperlist: %d page(s) filled from a verified theme shell", _count["filled"])
    _count["filled"] = 0
    if os.environ.get("PAPERLIST_SERVE") == "1":
        # The search index is written by `make build`, not by MkDocs: `make serve` (which runs
        # `make build` first) serves the last built one, so search works there too.
        bundle = Path(config["config_file_path"]).resolve().parent / "site" / SEARCH_BUNDLE
        if bundle.is_dir():
            shutil.copytree(bundle, Path(config["site_dir"]) / SEARCH_BUNDLE, dirs_exist_ok=True, symlinks=True)


def on_env(env: jinja2.Environment, **_: Any) -> jinja2.Environment:
    theme_loader = env.loader
    assert theme_loader is not None
    env.loader = _ShellLoader(theme_loader, Shells(env, verify_all=os.environ.get("PAPERLIST_SHELL") == "verify"))
    return env


def on_post_page(output: str, page: Any, **_: Any) -> str:
    """Strip indentation, except from pages with preformatted text and pages filled from a shell
    (already stripped, part by part)."""
    if getattr(page, "paperlist_body", None) is not None:
        page.content = ""  # written: its body is not held to the end of the build
    if page.file.src_uri in _filled:
        _filled.discard(page.file.src_uri)
        return output
    if _PREFORMATTED.search(output):
        return output
    return strip_indentation(output)


class Shells:
    """The theme's render of a paper page with placeholders, one per kind of page, verified."""

    def __init__(self, env: jinja2.Environment, verify_all: bool) -> None:
        self.env = env
        self.verify_all = verify_all
        self.shells: dict[tuple[object, ...], list[str]] = {}
        self.checked: dict[tuple[object, ...], int] = {}

    def render(self, context: dict[str, Any]) -> str:
        page = context["page"]
        real = self.env.get_template("main.html")
        values = [page.meta.get("title"), page.meta.get("description"), page.content]
        # A <pre> holding a line break needs the real render (stripping would change it); our pages keep
        # line breaks in preformatted text as character references (render.text_filter).
        preformatted = any("\n" in block for block in _PREFORMATTED_BLOCK.findall(page.content))
        if not all(_fits(v) for v in values) or preformatted:
            return real.render(context)
        kind = _kind(context)
        if kind not in self.shells:
            self.shells[kind] = self._make(real, context)
            self.checked[kind] = 0
            if not self.shells[kind]:
                log.info(
                    "%spages like %s are rendered for real (slower): the theme prints a slot twice or never,"
                    " or keeps preformatted text in its chrome",
                    SHELL_FALLBACK,
                    page.file.src_uri,
                )
        shell = self.shells[kind]
        if not shell and not self.verify_all:
            return real.render(context)
        filled = _fill(shell, [strip_indentation(v) for v in values])
        if self.verify_all or self.checked[kind] < VERIFIED:
            expected = real.render(context)
            if strip_indentation(expected) != filled:
                if self.verify_all:
                    raise PluginError(f"the page shell of {page.file.src_uri} differs from its real render")
                self.shells[kind] = []  # this kind of page is rendered for real from now on
                log.info(
                    "%sthe shell of %s differs from its real render, so pages like it are rendered for real"
                    " (slower): the theme's output depends on the page's content or metadata (see MATERIAL.md,"
                    " 'The shell'); PAPERLIST_SHELL=verify fails on every such page",
                    SHELL_FALLBACK,
                    page.file.src_uri,
                )
                return expected
            self.checked[kind] += 1
        _filled.add(page.file.src_uri)
        _count["filled"] += 1
        return filled

    def _make(self, real: jinja2.Template, context: dict[str, Any]) -> list[str]:
        """The page rendered with placeholders and stripped, cut at them: [text, slot, text, …]."""
        page = context["page"]
        marks = [f"\x00paperlist-{slot}\x00" for slot in SLOTS]  # records cannot hold NUL
        meta, content = page.meta, page.content
        page.meta = {**meta, "title": marks[0], "description": marks[1]}
        # A page whose content has its own <h1> (a title linked to arXiv) gets no theme <h1>:
        # so that its shell has none either, the placeholder carries one, cut out below.
        own_h1 = "<h1" in content
        page.content = marks[2] + ("<h1>" if own_h1 else "")
        try:
            html = strip_indentation(real.render(context))
        finally:
            page.meta, page.content = meta, content
        if own_h1:
            html = html.replace(marks[2] + "<h1>", marks[2], 1)
        pieces = re.split("(" + "|".join(map(re.escape, marks)) + ")", html)
        if any(pieces.count(mark) != 1 for mark in marks[1:]) or marks[0] not in pieces or _PREFORMATTED.search(html):
            return []  # a slot the theme prints twice or never, or a page left unstripped: no shell
        return [str(marks.index(p)) if p in marks else p for p in pieces]


def _fits(value: object) -> bool:
    """A value the shell can take: non-empty text with no white space at either end."""
    return isinstance(value, str) and value != "" and not value[0].isspace() and not value[-1].isspace()


def _kind(context: dict[str, Any]) -> tuple[object, ...]:
    """What besides the slots could change the theme's output: the depth and the other metadata."""
    page = context["page"]
    others = sorted((k, repr(v)) for k, v in page.meta.items() if k not in SLOTS)
    return (context["base_url"], tuple(others), "<h1" in page.content)


def _fill(shell: list[str], values: list[str]) -> str:
    if not shell:
        return ""
    return "".join(values[int(piece)] if i % 2 else piece for i, piece in enumerate(shell))


class _ShellTemplate:
    """What the loader returns for SHELL_TEMPLATE: MkDocs only calls ``render(context)``."""

    def __init__(self, shells: Shells) -> None:
        self.shells = shells

    def render(self, context: dict[str, Any]) -> str:
        return self.shells.render(context)


class _ShellLoader(jinja2.BaseLoader):
    """The theme's loader, plus SHELL_TEMPLATE."""

    def __init__(self, theme: jinja2.BaseLoader, shells: Shells) -> None:
        self.theme = theme
        self.shell = _ShellTemplate(shells)

    def get_source(self, environment: jinja2.Environment, template: str) -> tuple[str, str | None, Any]:
        return self.theme.get_source(environment, template)

    def list_templates(self) -> list[str]:
        return self.theme.list_templates()

    def load(self, environment: jinja2.Environment, name: str, globals: Any = None) -> Any:
        if name == SHELL_TEMPLATE:
            return self.shell
        return self.theme.load(environment, name, globals)


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
