"""The seam with Material's inline scripts: each is a same-origin file here, the same code as the
installed theme's, so the Content-Security-Policy needs no inline script (and no hash).

Material 9.8.1 writes three inline scripts into every page (partials/javascripts/base.html,
palette.html, content.html). overrides/ replaces those partials with <script src> to copies in
overrides/assets/theme-*.js. When an upgrade changes the theme's code, these tests fail and
name the file to update.
"""

from __future__ import annotations

import re
from pathlib import Path

import material
import pytest

from conftest import REPO

THEME = Path(material.__file__).parent / "templates"
ASSETS = REPO / "overrides" / "assets"
INLINE = re.compile(r"<script>(.*?)</script>", re.DOTALL)
SCOPE = '"{{ config.extra.scope | d(base_url) }}"'  # the one template value in base.html's script


def _code(asset: str) -> str:
    """The code of one of our copies: its text without the leading comment."""
    text = (ASSETS / asset).read_text(encoding="utf-8")
    return re.sub(r"\A/\*.*?\*/\s*", "", text, flags=re.DOTALL).strip()


@pytest.mark.parametrize(
    ("partial", "asset", "index"),
    [
        ("base.html", "theme-base.js", 0),
        ("palette.html", "theme-palette.js", 0),
        ("content.html", "theme-content.js", -1),
    ],
)
def test_each_moved_script_is_the_installed_themes_code(partial: str, asset: str, index: int) -> None:
    theme = INLINE.findall((THEME / "partials" / "javascripts" / partial).read_text(encoding="utf-8"))[index]
    ours = _code(asset)
    if partial == "base.html":
        assert theme.count(SCOPE) == 1
        theme = theme.replace(SCOPE, "document.currentScript.dataset.mdScope")  # the value comes as data-md-scope
    assert ours == theme, f"Material changed partials/javascripts/{partial}: update overrides/assets/{asset}"


def test_no_other_inline_script_of_the_theme_is_on_by_this_configuration() -> None:
    """The theme's other inline scripts belong to features and settings this site does not use."""
    config = (REPO / "mkdocs.yml").read_text(encoding="utf-8")
    for unused in ("announce.dismiss", "content.tabs.link", "consent:", "analytics:", "version:", "scope:"):
        assert unused not in config, f"{unused} brings an inline script of the theme: move it to a file first"


def test_the_policy_allows_no_inline_or_foreign_script() -> None:
    policy = re.search(r'content="([^"]*)"', (REPO / "overrides" / "partials" / "csp.html").read_text()).group(1)  # type: ignore[union-attr]
    directives = {part.split()[0]: part.split()[1:] for part in policy.split(";") if part.strip()}
    assert directives["script-src"] == ["'self'"]  # no eval, not even of WebAssembly
    assert directives["worker-src"] == ["'none'"]
    assert directives["style-src"] == ["'self'"]
    assert directives["object-src"] == directives["frame-src"] == ["'none'"]
    assert directives["base-uri"] == directives["form-action"] == directives["default-src"] == ["'self'"]
    assert "https:" not in policy and "http:" not in policy and "*" not in policy
