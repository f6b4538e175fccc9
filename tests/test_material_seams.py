"""The seams with Material for MkDocs: each test here fails, naming what to re-check, when an
upgrade of the theme changes something the project copied or patched (MATERIAL.md lists them).

The records below are for the version in ``RECORDED_FOR``. A failure is not a test to update
blindly: read the section of MATERIAL.md it names, check (or fix) the seam against the new
theme, then refresh the record (``PYTHONPATH=. .venv/bin/python tests/test_material_seams.py`` rewrites the
fixtures of the header; the lists here are printed in the failure message).
"""

from __future__ import annotations

import difflib
import hashlib
import re
import sys
from importlib import metadata
from pathlib import Path

import material

from conftest import FIXTURES, REPO

RECORDED_FOR = "9.8.1"  # the Material version every record below was taken from
INSTALLED = metadata.version("mkdocs-material")
THEME = Path(material.__file__).parent / "templates"
OVERRIDES = REPO / "overrides"
RECORDS = FIXTURES / "material"
HEADER = "partials/header.html"
UPGRADE = f"mkdocs-material {INSTALLED} (records are for {RECORDED_FOR})"

# Every template of ours that shadows one of the theme's, and the test that guards it.
SHADOWED = {
    "main.html": "test_main_html_extends_blocks_the_theme_still_has",
    HEADER: "test_header_is_the_themes_with_only_the_recorded_changes",
    "partials/search.html": "test_search_dialog_markup_is_the_themes",
    "partials/javascripts/base.html": "tests/test_csp.py",
    "partials/javascripts/content.html": "tests/test_csp.py",
    "partials/javascripts/palette.html": "tests/test_csp.py",
}

# Where the theme's templates print or test a page's title, description or content: the three
# slots of the paper page shell (generator/mkdocs_hooks.py). (template, line, text).
SHELL_USES = [
    ("base.html", 11, "{% if page.meta and page.meta.description %}"),
    ("base.html", 12, '<meta name="description" content="{{ page.meta.description }}">'),
    ("base.html", 43, "{% if page.meta and page.meta.title %}"),
    ("base.html", 44, "<title>{{ page.meta.title }} - {{ config.site_name }}</title>"),
    ("base.html", 45, "{% elif page.title and not page.is_homepage %}"),
    ("base.html", 46, "<title>{{ page.title | striptags }} - {{ config.site_name }}</title>"),
    ("blog.html", 9, "{{ page.content }}"),
    ("partials/content.html", 6, '{% if "\\u003ch1" not in page.content %}'),
    ("partials/content.html", 7, "<h1>{{ page.title | d(config.site_name, true)}}</h1>"),
    ("partials/content.html", 9, "{{ page.content }}"),
    ("partials/feedback.html", 30, "{% if page.meta and page.meta.title %}"),
    ("partials/feedback.html", 31, "{% set title = page.meta.title | urlencode %}"),
    ("partials/feedback.html", 33, "{% set title = page.title | urlencode %}"),
    ("partials/header.html", 28, "{% if page.meta and page.meta.title %}"),
    ("partials/header.html", 29, "{{ page.meta.title }}"),
    ("partials/header.html", 31, "{{ page.title }}"),
]
SLOT_USE = re.compile(r"\bpage\.(?:content|title|meta\.title|meta\.description)\b|\bpage\.meta(?:\[|\.get\()")

# search.js builds Material's search dialog itself (its SVG icons too): the theme's names.
SEARCH_JS = OVERRIDES / "assets" / "search.js"
SEARCH_CSS = OVERRIDES / "assets" / "search.css"
ICONS = {"magnify": "material/magnify", "back": "material/arrow-left", "close": "material/close"}
# Names in Material's namespace that Material itself does not style (its results render teasers
# as plain <p>): only search.css does. Kept apart so that the check below stays exact.
OWN_MD_CLASSES = {"md-search-result__teaser": "styled by overrides/assets/search.css only"}
FEATURE_BLOCK = re.compile(r'{%\s*if\s*"search\.[a-z]+"\s*in\s*features\s*%}.*?{%\s*endif\s*%}', re.S)
CLASS_ATTR = re.compile(r'class="([^"]*)"')


def _theme(name: str) -> str:
    return (THEME / name).read_text(encoding="utf-8")


def _digest(text: str) -> str:
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


def _header_diff() -> str:
    """Our header against the installed theme's, as a unified diff without context."""
    theirs = _theme(HEADER).splitlines(keepends=True)
    ours = (OVERRIDES / HEADER).read_text(encoding="utf-8").splitlines(keepends=True)
    return "".join(difflib.unified_diff(theirs, ours, "material/" + HEADER, "overrides/" + HEADER, n=0))


def refresh_header_record() -> None:
    """Record the installed theme's header (its digest) and our changes to it."""
    RECORDS.mkdir(parents=True, exist_ok=True)
    (RECORDS / "header.html.sha256").write_text(f"{_digest(_theme(HEADER))}  {INSTALLED}\n", encoding="utf-8")
    (RECORDS / "header.html.diff").write_text(_header_diff(), encoding="utf-8")


def test_the_installed_theme_is_the_one_the_records_are_for() -> None:
    pinned = re.search(r"^mkdocs-material==(\S+)$", (REPO / "requirements.txt").read_text(), re.M)
    assert pinned and pinned.group(1) == INSTALLED, "requirements.txt pins another mkdocs-material than is installed"
    assert INSTALLED == RECORDED_FOR, (
        f"{UPGRADE}: walk through every seam in MATERIAL.md; the other tests of this file say which broke"
    )


def test_every_template_we_shadow_has_a_guard() -> None:
    ours = {p.relative_to(OVERRIDES).as_posix() for p in OVERRIDES.rglob("*.html")}
    shadowing = {name for name in ours if (THEME / name).is_file()}
    assert shadowing == set(SHADOWED), (
        f"overrides/ now shadows {sorted(shadowing ^ set(SHADOWED))} of {UPGRADE}:"
        " add it to SHADOWED with a test and to MATERIAL.md"
    )


def test_header_is_the_themes_with_only_the_recorded_changes() -> None:
    recorded_digest = (RECORDS / "header.html.sha256").read_text(encoding="utf-8").split()[0]
    assert _digest(_theme(HEADER)) == recorded_digest, (
        f"{UPGRADE} changed {HEADER}: copy the new file to overrides/{HEADER}, apply the changes in"
        f" tests/fixtures/material/header.html.diff again (MATERIAL.md, 'The header'), then refresh the record"
    )
    assert _header_diff() == (RECORDS / "header.html.diff").read_text(encoding="utf-8"), (
        f"overrides/{HEADER} differs from Material's by more or other than the recorded changes:"
        " say why in its comment and MATERIAL.md, then refresh tests/fixtures/material/header.html.diff"
    )


def test_main_html_extends_blocks_the_theme_still_has() -> None:
    ours = set(re.findall(r"{%\s*block\s+(\w+)", (OVERRIDES / "main.html").read_text(encoding="utf-8")))
    theirs = set(re.findall(r"{%\s*block\s+(\w+)", _theme("base.html")))
    assert ours <= theirs, f"{UPGRADE}'s base.html has no block {sorted(ours - theirs)}: overrides/main.html is dead"


def test_search_dialog_markup_is_the_themes() -> None:
    """search.js's dialog has the classes of the theme's search partial, in its order."""
    theirs = FEATURE_BLOCK.sub("", _theme("partials/search.html"))  # features this site does not turn on
    expected = [c.split() for c in CLASS_ATTR.findall(theirs)][1:]  # the root <div> is our partial's
    dialog = re.search(r"const DIALOG = `(.*?)`;", SEARCH_JS.read_text(encoding="utf-8"), re.S)
    assert dialog
    ours = [[c for c in found.split() if not c.startswith("pl-")] for found in CLASS_ATTR.findall(dialog.group(1))]
    assert ours == expected, (
        f"{UPGRADE} changed partials/search.html: rebuild DIALOG in overrides/assets/search.js from it"
        " (MATERIAL.md, 'The search dialog')"
    )
    root = CLASS_ATTR.search(_theme("partials/search.html"))
    assert root and root.group(1) in (OVERRIDES / "partials" / "search.html").read_text(encoding="utf-8")


def test_every_theme_name_search_uses_is_in_the_themes_stylesheets() -> None:
    """The classes and colour variables search.js and search.css take from the theme exist there."""
    sheets = "".join(p.read_text(encoding="utf-8") for p in (THEME / "assets" / "stylesheets").glob("*.min.css"))
    ours = SEARCH_JS.read_text(encoding="utf-8") + SEARCH_CSS.read_text(encoding="utf-8")
    classes = set(re.findall(r"(?<![\w-])md-[a-z][a-z_-]*[a-z]", ours)) - set(OWN_MD_CLASSES)
    variables = set(re.findall(r"var\((--md-[a-z-]+)\)", ours))
    missing = [f".{c}" for c in sorted(classes) if not re.search(rf"\.{re.escape(c)}(?![\w-])", sheets)]
    missing += [v for v in sorted(variables) if not re.search(rf"{re.escape(v)}:", sheets)]
    assert not missing, (
        f"{UPGRADE}'s stylesheets no longer define {missing}, which search.js/search.css rely on"
        " (MATERIAL.md, 'The search dialog')"
    )


def test_the_search_toggle_search_js_drives_is_the_themes() -> None:
    base = _theme("base.html")
    assert re.search(r'<input class="md-toggle" data-md-toggle="search" type="checkbox" id="__search"', base), (
        f"{UPGRADE} changed the search toggle (#__search) that search.js checks and unchecks"
    )
    assert re.search(r'<label class="md-header__button md-icon" for="__search"', _theme(HEADER))


# The theme draws its header's menu and search buttons, and the dialog's magnifier/back arrow, as
# <label for="__drawer">/<label for="__search">; ours are <button>s (partials/header.html,
# search.js), so paperlist.css and search.css repeat the theme's rules for those labels under
# these selectors.
BUTTON_FOR_LABEL = {
    ".md-header__button[for=__drawer]": ".md-header__button[data-pl-drawer]",
    ".md-header__button[for=__search]": ".md-header__button[data-pl-search]",
    ".md-search__icon[for=__search]": ".pl-search .pl-search-back",
}
PAPERLIST_CSS = OVERRIDES / "assets" / "paperlist.css"


def _css_rules(css: str) -> set[tuple[str, str, str]]:
    """(media query, one selector, declarations) of every rule, spaces, quotes and trailing
    semicolons dropped and ``0.5`` written ``.5``, so a readable sheet compares with a minified one."""
    css = re.sub(r"/\*.*?\*/", "", css, flags=re.S)
    tidy = lambda text: re.sub(r"(?<![\d.])0\.", ".", re.sub(r"[\s\"']+", "", text)).rstrip(";")  # noqa: E731
    found, stack = set(), []
    for text, brace in re.findall(r"([^{}]*)([{}])", css):
        if brace == "{":
            stack.append(text.strip())
            continue
        selectors = stack.pop() if stack else ""
        if not selectors.startswith("@"):
            media = tidy("".join(s for s in stack if s.startswith("@")))
            found |= {(media, tidy(selector), tidy(text)) for selector in selectors.split(",")}
    return found


def test_our_header_buttons_are_styled_as_the_themes_labels() -> None:
    """Every rule of the theme's for those labels is in our stylesheets, for our buttons: they show,
    hide and sit where the theme's labels would, at each breakpoint."""
    sheets = "".join(p.read_text(encoding="utf-8") for p in (THEME / "assets" / "stylesheets").glob("main.*.min.css"))
    ours = _css_rules(PAPERLIST_CSS.read_text(encoding="utf-8") + SEARCH_CSS.read_text(encoding="utf-8"))
    wanted = set()
    for media, selector, declarations in _css_rules(sheets):
        for label, button in BUTTON_FOR_LABEL.items():
            if label in selector:
                wanted.add((media, selector.replace(label, re.sub(r"\s+", "", button)), declarations))
    assert len(wanted) >= 4, f"{UPGRADE} no longer styles the labels for __drawer and __search: re-check"
    missing = "\n".join(f"    {m} {s} {{{d}}}" for m, s, d in sorted(wanted - ours))
    assert not missing, (
        f"{UPGRADE} styles its header labels otherwise: repeat these rules for our buttons in"
        f" overrides/assets/paperlist.css or search.css (MATERIAL.md, 'The header'):\n{missing}"
    )


def test_search_icons_are_the_themes() -> None:
    script = SEARCH_JS.read_text(encoding="utf-8")
    for name, icon in ICONS.items():
        path = re.search(r' d="([^"]+)"', _theme(f".icons/{icon}.svg"))
        ours = re.search(rf'{name}:\s*"([^"]+)"', script)
        assert path and ours and ours.group(1) == path.group(1), f"{UPGRADE} changed {icon}.svg: update search.js ICONS"


def test_the_themes_uses_of_the_shell_slots_are_the_recorded_ones() -> None:
    found = [
        (rel, number, line.strip())
        for template in sorted(THEME.rglob("*.html"))
        if not (rel := template.relative_to(THEME).as_posix()).startswith(".icons/")
        for number, line in enumerate(template.read_text(encoding="utf-8").splitlines(), start=1)
        if SLOT_USE.search(line)
    ]
    new = "\n".join(f"    {entry!r}," for entry in found)
    assert found == SHELL_USES, (
        f"{UPGRADE} uses a page's title, description or content differently. Re-check the paper page"
        " shell (generator/mkdocs_hooks.py: SLOTS, _fits, the own-<h1> case; MATERIAL.md, 'The shell'),"
        f" run the build with PAPERLIST_SHELL=verify, then record SHELL_USES as:\n{new}"
    )


if __name__ == "__main__":
    refresh_header_record()
    sys.exit(0)
