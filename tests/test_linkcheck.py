"""The link checker on tiny hand-written sites: what it accepts, what it reports and where."""

from __future__ import annotations

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
                '<script src="//cdn.example.org/x.js"></script> <link rel="stylesheet" href="assets/site.css">\n'
                '<img src="assets/a%20b.png" srcset="assets/a%20b.png 1x, /assets/a%20b.png 2x" alt="">\n'
                '<a href="/papers/a/">site-absolute</a> <a name="legacy"></a> <a href="#legacy">legacy</a>'
            ),
            "papers/a/index.html": html(
                '<h2 id="related">R</h2> <a href="../../">home</a> <a href="../../#main">h</a>'
            ),
            "assets/site.css": "body{}",
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
    assert found and all("unsafe link" in m for m in found), found


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
