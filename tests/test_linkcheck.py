"""The link checker on tiny hand-written sites: what it accepts, what it reports and where."""

from __future__ import annotations

import base64
import hashlib
from pathlib import Path

import pytest

from generator.cli import main
from generator.linkcheck import check_site, scheme


def write_site(root: Path, files: dict[str, str]) -> Path:
    for relpath, text in files.items():
        path = root / relpath
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text, encoding="utf-8")
    return root


def html(body: str) -> str:
    return f"<!doctype html>\n<html><head><title>t</title></head>\n<body>\n{body}\n</body></html>\n"


def messages(site: Path) -> list[str]:
    _, problems = check_site(site)
    return [f"{Path(p.path).relative_to(site).as_posix()}:{p.line}: {p.message}" for p in problems]


def test_a_healthy_site_has_no_problems(tmp_path: Path) -> None:
    site = write_site(
        tmp_path,
        {
            "index.html": html(
                '<a href="papers/a/">dir</a> <a href="papers/a/index.html">file</a> <a href="papers/a">no slash</a>\n'
                '<a href="#main">here</a> <a href="#">top</a> <a href="#top">top</a> <h1 id="main">x</h1>\n'
                '<a href="papers/a/#related">there</a> <a href="./">self</a> <a href="?q=1">query</a>\n'
                '<a href="https://example.org/x">out</a> <a href="mailto:x@example.org">mail</a>\n'
                '<script src="assets/x.js"></script> <link rel="stylesheet" href="assets/site.css">\n'
                '<img src="assets/a%20b.png" srcset="assets/a%20b.png 1x, /assets/a%20b.png 2x" alt="">\n'
                '<a href="/papers/a/">site-absolute</a> <a name="legacy"></a> <a href="#legacy">legacy</a>'
            ),
            "papers/a/index.html": html(
                '<h2 id="related">R</h2> <a href="../../">home</a> <a href="../../#main">h</a>'
            ),
            "assets/site.css": "body{}",
            "assets/x.js": "",
            "assets/a b.png": "",
        },
    )
    checked, problems = check_site(site)
    assert problems == []
    assert checked == 20


def test_broken_links_and_assets_are_reported_with_their_line(tmp_path: Path) -> None:
    site = write_site(
        tmp_path,
        {
            "index.html": html(
                '<a href="papers/missing/">gone</a>\n'
                '<link rel="stylesheet" href="assets/missing.css">\n'
                '<script src="assets/missing.js"></script>\n'
                '<img src="ok.png" srcset="ok.png 1x, missing@2x.png 2x" alt="">\n'
                '<a href="../../../etc/passwd">escape</a>'
            ),
            "ok.png": "",
        },
    )
    assert messages(site) == [
        "index.html:4: broken link 'papers/missing/'",
        "index.html:5: broken link 'assets/missing.css'",
        "index.html:6: broken link 'assets/missing.js'",
        "index.html:7: broken link 'missing@2x.png'",
        "index.html:8: link '../../../etc/passwd' leaves the site",
    ]


def test_missing_anchors_are_reported_on_the_page_and_across_pages(tmp_path: Path) -> None:
    site = write_site(
        tmp_path,
        {
            "index.html": html('<a href="#nowhere">x</a> <a href="b/#gone">y</a> <a href="b/#here">z</a>'),
            "b/index.html": html('<p id="here">b</p>'),
        },
    )
    assert messages(site) == ["index.html:4: broken anchor '#nowhere'", "index.html:4: broken anchor 'b/#gone'"]


UNSAFE = [
    '<a href="javascript:alert(1)">',
    '<a href="JaVaScRiPt:alert(1)">',
    '<a href="   javascript:alert(1)">',
    '<a href="jav&#x61;script:alert(1)">',
    '<a href="jav&#97;script&colon;alert(1)">',
    '<a href="java&#x09;script:alert(1)">',
    '<a href="&#x20;&#x01;javascript:alert(1)">',
    '<a href="java\nscript:alert(1)">',
    '<a href="data:text/html;base64,PHNjcmlwdD4=">',
    '<a href="vbscript:msgbox(1)">',
    '<a href="VBScript:msgbox(1)">',
    '<iframe src="javascript:alert(1)"></iframe>',
    '<form action="javascript:alert(1)"><button formaction="data:,x">b</button></form>',
    '<img src="ok.png" srcset="ok.png 1x, javascript:alert(1) 2x" alt="">',
    '<object data="javascript:alert(1)"></object>',
    '<meta http-equiv="refresh" content="0; url=javascript:alert(1)">',
    '<svg><a xlink:href="javascript:alert(1)"><text>x</text></a></svg>',
]


@pytest.mark.parametrize("markup", UNSAFE)
def test_unsafe_urls_are_reported_however_they_are_spelled(tmp_path: Path, markup: str) -> None:
    site = write_site(tmp_path, {"index.html": html(markup), "ok.png": ""})
    found = messages(site)
    assert any("unsafe link" in m for m in found), found


@pytest.mark.parametrize(
    "markup",
    ['<img src="ok.png" onerror="alert(1)" alt="">', '<body ONLOAD="x()">', '<a href="#" onclick="x()">a</a>'],
)
def test_event_handler_attributes_are_reported(tmp_path: Path, markup: str) -> None:
    site = write_site(tmp_path, {"index.html": html(markup), "ok.png": ""})
    assert any("event handler attribute 'on" in m for m in messages(site)), messages(site)


@pytest.mark.parametrize(
    ("url", "expected"),
    [
        ("https://x", "https"),
        ("papers/a/", ""),
        ("./javascript:x", ""),
        ("a:b", "a"),
        ("\x00\x01 javascript:x", "javascript"),
        ("ja\tva\nscript:x", "javascript"),
        ("#x:y", ""),
        ("?a=b:c", ""),
        ("1http:x", ""),
    ],
)
def test_scheme_is_read_as_a_browser_reads_it(url: str, expected: str) -> None:
    assert scheme(url) == expected


def test_the_command_prints_path_line_problems_and_fails(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    site = write_site(tmp_path / "site", {"index.html": html('<a href="nope/">x</a> <a href="javascript:x">y</a>')})
    assert main(["linkcheck", str(site)]) == 1
    out, err = capsys.readouterr()
    assert err.splitlines() == [
        f"{site}/index.html:4: broken link 'nope/'",
        f"{site}/index.html:4: unsafe link 'javascript:x' in href",
    ]
    assert "2 problem(s)" in out
    (site / "nope").mkdir()
    (site / "nope" / "index.html").write_text(html("ok"), encoding="utf-8")
    (site / "index.html").write_text(html('<a href="nope/">x</a>'), encoding="utf-8")
    assert main(["linkcheck", str(site)]) == 0
    assert main(["linkcheck", str(tmp_path / "absent")]) == 1
    assert "no such site directory" in capsys.readouterr().err


def test_an_empty_or_odd_page_does_not_crash(tmp_path: Path) -> None:
    site = write_site(
        tmp_path,
        {"empty.html": "", "binary.html": "\x00\x01<a href='x'>", "latin.html": "<p>caf\u00e9</p>", "x": ""},
    )
    (site / "bad-utf8.html").write_bytes(b"<a href='\xff'>x</a>")
    found = messages(site)
    assert all(":" in m for m in found)


# --- what a page runs and loads: held to its Content-Security-Policy -------------------------

POLICY = "default-src 'self'; script-src 'self' {hash}; style-src 'self'"
ALLOWED = "window.ok = 1;"
ALLOWED_HASH = "'sha256-" + base64.b64encode(hashlib.sha256(ALLOWED.encode()).digest()).decode() + "'"


def page_with_policy(body: str, policy: str = POLICY.format(hash=ALLOWED_HASH)) -> str:
    head = f'<meta http-equiv="Content-Security-Policy" content="{policy}"><title>t</title>'
    return f"<!doctype html>\n<html><head>{head}</head>\n<body>\n{body}\n</body></html>\n"


REFUSED = {
    "inline script": ("<script>alert(1)</script>", "inline <script>"),
    "inline module": ('<script type="module">import("x")</script>', "inline <script>"),
    "inline script, odd type": ('<script type="Text/JavaScript">x()</script>', "inline <script>"),
    "script from another site": ('<script src="https://cdn.example.org/mermaid.js"></script>', "from another origin"),
    "script, protocol-relative": ('<script src="//cdn.example.org/x.js"></script>', "from another origin"),
    "script, backslashes": ('<script src="\\\\cdn.example.org/x.js"></script>', "from another origin"),
    "iframe": ('<iframe src="ok.png"></iframe>', "<iframe> element"),
    "frame": ('<frameset><frame src="ok.png"></frameset>', "<frame"),
    "object": ('<object data="ok.png"></object>', "<object> element"),
    "embed": ('<embed src="ok.png">', "<embed> element"),
    "base": ('<base href="https://evil.example/">', "<base> element"),
    "srcdoc": ('<div srcdoc="&lt;script&gt;x()&lt;/script&gt;"></div>', "srcdoc attribute"),
    "style sheet from another site": (
        '<link rel="stylesheet" href="https://fonts.example.org/c.css">',
        "from another origin",
    ),
    "preconnect": ('<link rel="preconnect" href="https://fonts.example.org">', "from another origin"),
    "image from another site": ('<img src="https://tracker.example/p.gif" alt="">', "from another origin"),
    "srcset from another site": (
        '<img src="ok.png" srcset="https://e.example/a.png 2x" alt="">',
        "from another origin",
    ),
    "video poster": ('<video src="ok.png" poster="https://e.example/p.png"></video>', "from another origin"),
    "audio": ('<audio src="https://e.example/a.mp3"></audio>', "from another origin"),
    "source": ('<video><source src="https://e.example/v.mp4"></video>', "from another origin"),
    "track": ('<video src="ok.png"><track src="https://e.example/t.vtt"></video>', "from another origin"),
    "CSS url() in a style attribute": (
        "<p style=\"background: url('https://e.example/x.png')\">x</p>",
        "from another origin",
    ),
    "CSS @import": ('<style>@import "https://e.example/x.css";</style>', "from another origin"),
    "style attribute the policy blocks": ('<p style="color: red">x</p>', "inline style (style attribute)"),
    "style element the policy blocks": ("<style>p { color: red }</style>", "inline style (<style> element)"),
    "javascript: in CSS": ('<p style="background: url(javascript:alert(1))">x</p>', "unsafe link"),
    "data: image": ('<img src="data:image/svg+xml,&lt;svg/&gt;" alt="">', "unsafe link"),
    "ping": ('<a href="ok.png" ping="https://tracker.example/">x</a>', "from another origin"),
}


@pytest.mark.parametrize("case", REFUSED)
def test_what_a_page_must_not_run_or_load_is_reported_with_its_line(tmp_path: Path, case: str) -> None:
    markup, expected = REFUSED[case]
    site = write_site(tmp_path, {"index.html": page_with_policy(markup), "ok.png": ""})
    found = messages(site)
    assert any(m.startswith("index.html:4: ") and expected in m for m in found), found


def test_inline_script_passes_only_with_a_hash_its_own_policy_allows(tmp_path: Path) -> None:
    body = f'<script>{ALLOWED}</script>\n<script type="application/json">{{"data": 1}}</script>'
    site = write_site(
        tmp_path,
        {
            "hashed.html": page_with_policy(body),
            "unhashed.html": page_with_policy(body, POLICY.format(hash="")),
            "no-policy.html": html(body),
            "unsafe-inline.html": page_with_policy(body, "script-src 'self' 'unsafe-inline'"),
        },
    )
    found = messages(site)
    assert [m.split(":")[0] for m in found] == ["no-policy.html", "unhashed.html", "unsafe-inline.html"], found
    assert all(f"inline <script> ({ALLOWED_HASH})" in m for m in found)


def test_links_a_reader_follows_and_same_site_resources_pass(tmp_path: Path) -> None:
    body = (
        '<a href="https://arxiv.org/abs/1">out</a> <a href="http://example.org/">out</a>\n'
        '<script src="assets/x.js"></script> <script src="/assets/x.js"></script>\n'
        '<link rel="stylesheet" href="assets/x.css"> <link rel="alternate" href="https://example.org/feed">\n'
        '<img src="ok.png" alt=""> <svg class="bar" viewBox="0 0 1 1"><rect width="1" height="1"/></svg>'
    )
    site = write_site(
        tmp_path,
        {"index.html": page_with_policy(body), "ok.png": "", "assets/x.js": "", "assets/x.css": ""},
    )
    assert messages(site) == []
