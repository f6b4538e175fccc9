"""Front matter of the generated pages, written from a mapping: never by a template.

MkDocs reads a page's metadata with PyYAML; metadata it cannot read it drops without a word
and renders the page as Markdown. So every value is emitted by ``front_matter``, each string
as an exact YAML double-quoted scalar (``yamlio.quote``), which loads back to exactly the
text for any code point a UTF-8 file can hold (noncharacters, C1 and DEL, separators,
astral characters, ``---`` and ``...``, colons and quotes). ``tests/test_render.py`` checks
it against MkDocs' own reader with arbitrary text.
"""

from __future__ import annotations

import html
import re
from collections.abc import Mapping

from mkdocs.utils.meta import YAML_RE

from . import flatyaml, safetext, yamlio
from .problems import Problem


def meta_text(value: str) -> str:
    """``value`` for a metadata field the theme prints as HTML (title, description): escaped, on one line."""
    return html.escape(" ".join(value.split()))


Meta = Mapping[str, str | bool | int]
_META_KEY = re.compile(r"[a-z][a-z0-9_]*")


def front_matter(meta: Meta) -> str:
    """The YAML front matter block holding ``meta``, which MkDocs loads back to exactly ``meta``.

    Strings are YAML double-quoted scalars (``yamlio.quote``: every character that is not
    printable, or that YAML would refuse, is an escape), so no text can end the block early,
    be read as another type, or make the loader reject the page.
    """
    lines = ["---"]
    for key, value in meta.items():
        if not _META_KEY.fullmatch(key):
            raise ValueError(f"front matter key {key!r}")
        if not flatyaml.is_str(key):  # "no", "on", "null"...: YAML 1.1 would read another type
            key = yamlio.quote(key)
        if isinstance(value, bool):
            lines.append(f"{key}: {'true' if value else 'false'}")
        elif isinstance(value, int):
            lines.append(f"{key}: {value}")
        else:
            lines.append(f"{key}: {yamlio.quote(value)}")
    if not meta:
        lines.append("{}")  # an empty block is no mapping: MkDocs would leave it in the page
    lines.append("---\n")
    return "\n".join(lines)


def hand_written_problems(where: str, text: str) -> list[Problem]:
    """Problems of a hand-written page's front matter, as ``path:line: message``.

    Hand-written pages are the maintainers' (trusted to hold Markdown), but their metadata is
    text the theme prints into ``<title>`` and meta tags, so it meets the same edge as scraped
    text: the YAML loader's bounds (no anchors, aliases or deep nesting) and ``safetext``.
    A code point scraped text would lose with a warning is an error here: the page is copied
    as written, so the maintainer removes it.
    """
    match = YAML_RE.match(text)
    if match is None:
        return []
    block = match.group(1)
    data, problems = yamlio.load_yaml_text(block, where)
    shifted = [Problem(p.path, p.line + 1, p.message, p.severity) for p in problems]  # the opening ---
    if shifted or not isinstance(data, dict):
        return shifted
    lines = yamlio.key_lines(block)
    for key, value in data.items():
        if isinstance(value, str) and (findings := safetext.check(value).findings):
            line = lines.get(str(key), 0) + 1
            shifted.append(Problem(where, line, f"{safetext.shown(key)} holds {safetext.summary(findings)}"))
    return shifted
