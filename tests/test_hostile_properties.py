"""Any text in any untrusted field is refused with ``path:line``, or shown exactly and inertly.

Hypothesis writes arbitrary code points (controls, noncharacters, surrogates, bidi controls)
mixed with markup, Markdown, Jinja and YAML traps into every text field a stranger controls:
a dump's title and abstract, a record's title, abstract and note, and a taxonomy topic's and
tag's title and description. Each example is one real build. Either it fails, and every line
it prints is ``path:line: message`` about a file we wrote, with the old site left in place;
or it succeeds, and each page shows each text exactly (as ``safetext`` defines it), with no
element, attribute or URL that the templates did not put there (the link checker, which
holds every page to its Content-Security-Policy, finds nothing).
"""

from __future__ import annotations

import json
import re
from pathlib import Path

import lxml.html
import pytest
import yaml
from hypothesis import HealthCheck, Phase, example, given, settings
from hypothesis import strategies as st

from conftest import make_project, run_generator
from generator.linkcheck import check_site
from generator.safetext import check
from generator.yamlio import quote

pytestmark = pytest.mark.slow

TRAPS = [
    "<script>alert(1)</script>",
    "<img src=x onerror=alert(1)>",
    "[link](javascript:alert(1))",
    "![img](https://evil.example/x.png)",
    "{{ 7*7 }}",
    "{% raw %}",
    "&amp;",
    "&#60;b&#62;",
    "---",
    "...",
    "title: x",
    "<!--",
    "`code`",
    "$x$",
    "_a_ *b*",
    "\\",
    '"',
    "\u202e",
    "\ufeff",
    "\ufffe",
    "\x85",
    "\x00",
    "\x1b[31m",
    "\t",
    "\ud800",
    "\U0001f600",
    "\u2028",
]
PIECES = st.one_of(st.sampled_from(TRAPS), st.text(st.characters(codec=None), max_size=12))
TEXT = st.lists(PIECES, min_size=1, max_size=4).map("".join)
FIELDS = ("dump_title", "dump_abstract", "title", "abstract", "note", "topic_title", "topic_text", "tag_title")
PROBLEM_LINE = re.compile(r"^(?:[^:\n]+):\d+: ")


def expected(text: str, *, multiline: bool = False) -> str | None:
    """What the site shows of ``text`` in a field: None when it is refused."""
    checked = check(text.strip(), multiline=multiline)
    return None if checked.refused else checked.text.strip()


def write_project(root: Path, texts: dict[str, str]) -> None:
    """The fixture project plus one dump entry, one record and one topic and tag holding ``texts``."""
    content = root / "content"
    # Fixed words around scraped text keep each line a title or an abstract (never a date line).
    dump = f"Title {texts['dump_title']}\n\nAbstract {texts['dump_abstract']}\n"
    (content / "sources" / "hostile.txt").write_bytes(dump.encode("utf-8", "surrogatepass"))
    manifest = content / "sources" / "sources.yml"
    manifest.write_text(manifest.read_text(encoding="utf-8") + "hostile.txt:\n  capture_year: 2025\n")
    (content / "papers" / "hostile-record.yml").write_text(
        f"title: {quote(texts['title'])}\nabstract: {quote(texts['abstract'])}\nnote: {quote(texts['note'])}\n"
        "topics:\n  - hostile-topic\ntags:\n  - hostile-tag\n",
        encoding="utf-8",
    )
    taxonomy = yaml.safe_load((content / "taxonomy.yml").read_text(encoding="utf-8"))
    added = {
        "topics": f"- id: hostile-topic\n  title: {quote(texts['topic_title'])}\n"
        f"  description: {quote(texts['topic_text'])}\n",
        "tags": f"- id: hostile-tag\n  title: {quote(texts['tag_title'])}\n  description: A tag.\n",
    }
    sections = [
        yaml.safe_dump({name: items}, allow_unicode=True) + added.get(name, "") for name, items in taxonomy.items()
    ]
    (content / "taxonomy.yml").write_text("".join(sections), encoding="utf-8")


SHOWN = [
    "<b>x</b>\u202e y",
    "[a](javascript:alert(1)) {{ 7*7 }}",
    "&amp; `c`",
    "<script>",
    "a\n\nb",
    "t: x",
    "---",
    "*t*",
]


def text_of(site: Path, url: str, where: str) -> str:
    """The text of the one element of the page at ``url`` that ``where`` names (an XPath)."""
    found = lxml.html.fromstring((site / url / "index.html").read_bytes()).xpath(where)
    assert len(found) == 1, (url, where, len(found))
    return str(found[0].text_content())


H1 = "//article//h1"


def of_class(name: str) -> str:
    return f"//*[contains(concat(' ', normalize-space(@class), ' '), ' {name} ')]"


@settings(
    max_examples=6,
    deadline=None,
    derandomize=True,
    phases=[Phase.explicit, Phase.generate],  # a failing build is printed as it is: shrinking takes minutes
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow, HealthCheck.data_too_large],
)
@given(st.fixed_dictionaries({field: TEXT for field in FIELDS}))
@example(dict(zip(FIELDS, SHOWN, strict=True)))  # shown as text; the bidi override dropped with a warning
@example(dict.fromkeys(FIELDS, "ok \ud800"))  # refused: a lone surrogate in every field
def test_untrusted_text_is_refused_with_its_line_or_shown_exactly(
    tmp_path_factory: pytest.TempPathFactory, texts: dict[str, str]
) -> None:
    root = make_project(tmp_path_factory.mktemp("hostile-property") / "project")
    write_project(root, texts)
    done = run_generator(root, "build")
    if done.returncode != 0:
        lines = [line for line in done.stderr.splitlines() if line.strip()]
        problems = [line for line in lines[:-1]]  # the last line is the summary
        assert problems, done.stderr
        assert "Traceback" not in done.stderr
        assert all(PROBLEM_LINE.match(line) for line in problems), done.stderr
        assert any(line.startswith("content/") and ": warning" not in line for line in problems), done.stderr
        assert not (root / "site").exists()
        return
    site = root / "site"
    shown = {
        "dump_title": expected("Title " + texts["dump_title"]),
        "dump_abstract": expected("Abstract " + texts["dump_abstract"]),
        "title": expected(texts["title"]),
        "abstract": expected(texts["abstract"], multiline=True),
        "note": expected(texts["note"], multiline=True),
        "topic_title": expected(texts["topic_title"]),
        "topic_text": expected(texts["topic_text"]),
        "tag_title": expected(texts["tag_title"]),
    }
    assert None not in shown.values(), (shown, done.stderr)  # a refused text must fail the build
    papers = {p["title"]: p for p in json.loads((site / "papers.json").read_text(encoding="utf-8"))}
    assert shown["dump_title"] in papers and shown["title"] in papers, (sorted(papers), shown)
    dumped = papers[shown["dump_title"]]
    assert dumped["abstract"] == shown["dump_abstract"]
    assert text_of(site, dumped["url"], H1) == shown["dump_title"]
    assert text_of(site, dumped["url"], of_class("pl-abstract")) == shown["dump_abstract"]
    record = papers[shown["title"]]
    assert text_of(site, record["url"], H1) == shown["title"]
    assert text_of(site, record["url"], of_class("pl-abstract")) == shown["abstract"]
    assert text_of(site, record["url"], of_class("pl-note")) == f"Curator's note: {shown['note']}"
    assert text_of(site, "topics/hostile-topic", H1) == shown["topic_title"]
    assert text_of(site, "topics/hostile-topic", of_class("pl-lead")) == shown["topic_text"]
    assert text_of(site, "tags/hostile-tag", H1) == shown["tag_title"]
    checked, problems = check_site(site)
    assert checked > 0
    assert problems == [], [str(p) for p in problems[:5]]
