"""A page whose front matter MkDocs cannot read stops the build (generator/mkdocs_hooks.py).

MkDocs 1.6 drops such metadata without a word and renders the whole page as Markdown, so a
generated page would have its scraped text read as Markdown, and a hand-written one would
lose its title. These tests read pages with MkDocs' own File, Page and config.
"""

from __future__ import annotations

from pathlib import Path

import pytest
from mkdocs.config import load_config
from mkdocs.exceptions import PluginError
from mkdocs.structure.files import File
from mkdocs.structure.pages import Page

from conftest import make_project, run_generator
from generator.mkdocs_hooks import on_page_markdown

BROKEN = {
    "a colon in a plain value": ("---\ntitle: About\ndescription: at a glance: counts\n---\n\n# About\n", 3),
    "a noncharacter": ("---\ntitle: Tricky \ufffe title\n---\n\n[x](javascript:alert(1))\n", 2),
    "C1 control": ("---\ntitle: ok\ndescription: \x9b bad\n---\n\nbody\n", 3),
    "a list, not a mapping": ("---\n- title\n- About\n---\n\nbody\n", 1),
    "a lone string": ("---\njust text\n---\n\nbody\n", 1),
}


def _read(root: Path, name: str, text: str) -> tuple[str, Page, object]:
    """The page ``name`` of the project at ``root``, read by MkDocs as a build reads it."""
    (root / "build" / "docs").mkdir(parents=True, exist_ok=True)
    (root / "build" / "docs" / name).write_text(text, encoding="utf-8")
    config = load_config(config_file=str(root / "mkdocs.yml"))
    file = File(name, config["docs_dir"], config["site_dir"], config["use_directory_urls"])
    page = Page(None, file, config)
    page.read_source(config)
    assert page.markdown is not None
    return page.markdown, page, config


@pytest.mark.parametrize("case", BROKEN)
def test_metadata_mkdocs_cannot_read_is_an_error_naming_the_line(tmp_path: Path, case: str) -> None:
    root = make_project(tmp_path / "project")
    text, line = BROKEN[case]
    markdown, page, config = _read(root, "notes.md", text)
    assert page.meta == {}  # what MkDocs makes of it: no metadata, the block left in the Markdown
    with pytest.raises(PluginError) as failure:
        on_page_markdown(markdown, page=page, config=config)
    message = str(failure.value)
    assert message.startswith(f"build/docs/notes.md:{line}: front matter ") and "\n" not in message


def test_a_hand_written_page_is_named_by_its_file_in_content(tmp_path: Path) -> None:
    root = make_project(tmp_path / "project")
    text = BROKEN["a colon in a plain value"][0]
    (root / "content" / "pages" / "about.md").write_text(text, encoding="utf-8")
    markdown, page, config = _read(root, "about.md", text)
    with pytest.raises(PluginError, match=r"^content/pages/about\.md:3: front matter does not parse as YAML"):
        on_page_markdown(markdown, page=page, config=config)


@pytest.mark.parametrize(
    "text",
    ["---\ntitle: About\n---\n\n# About\n", "# No front matter\n\n---\n\ntext\n---\n", "---\n{}\n---\n\nbody\n"],
)
def test_readable_or_absent_metadata_passes(tmp_path: Path, text: str) -> None:
    root = make_project(tmp_path / "project")
    markdown, page, config = _read(root, "notes.md", text)
    assert on_page_markdown(markdown, page=page, config=config) == markdown


@pytest.mark.slow
def test_a_build_with_such_a_page_fails_and_keeps_the_old_site(tmp_path: Path) -> None:
    root = make_project(tmp_path / "project")
    about = root / "content" / "pages" / "about.md"
    about.write_text("---\ntitle: About\ndescription: at a glance: [x](javascript:alert(1))\n---\n\n# About\n")
    done = run_generator(root, "build")
    assert done.returncode == 1
    assert "\ncontent/pages/about.md:3: front matter does not parse as YAML" in "\n" + done.stderr
    assert "mkdocs.yml" not in done.stderr
    assert not (root / "site").exists()
