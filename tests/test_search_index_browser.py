"""The site's own search index read by search.js in a real browser.

The browser's words and stems are the generator's (a query word finds the papers the index
filed it under), results are ranked, linked and counted as readers expect, a bundle's edge
cases (long postings, buckets in runs, long queries) are read right, and an index
that fails to load says so and is tried again.
"""

from __future__ import annotations

import json
import math
import re
import shutil
import unicodedata
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import numpy as np
import pytest
import yaml
from browser import RESULT_LINKS, RESULTS, STATUS, answer, build_site, poll, seed_project, served

from conftest import REPO
from generator.search import Stems, words
from generator.urls import SEARCH_BUNDLE

pytestmark = pytest.mark.browser

ASSETS = REPO / "overrides" / "assets"
# Words a stemmer that counts UTF-16 units instead of letters gets wrong (an astral letter is two units).
ASTRAL_WORDS = ["𝔸y", "o𝔸e", "fa𝔸ed", "𝒪ies", "𝔸𝔸s", "x𝔸ing"]
# Mixed scripts and edge cases for the tokenizer: final sigma, Turkish dotted and dotless I,
# combining marks, CJK, circled and superscript digits, emoji, underscores, 64 and 65 letters,
# astral letters (64 of them with one astral is 65 UTF-16 units).
HOSTILE_TEXTS = [
    "ΟΔΥΣΣΕΥΣ ΣΑΣ σοφίας ΣΟΦΙΑΣ.",
    "İSTANBUL ıI DİYARBAKIR iİ",
    "café cafe\u0301 naïve nai\u0308ve Å Å",
    "深度学习模型 and 日本語のテキスト 한국어",
    "①②③ ¹²³ ½ ٣٤٥ x² Ⅻ ⅷ",
    "emoji 🙂model👍🏽 ok ❤️x",
    "snake_case __init__ a_b _",
    "a" * 64 + " " + "b" * 65 + " " + "c" * 63 + "𝔸 " + "d" * 64 + "𝔸",
    "𝔸𝔹ℂ 𝒪(n) 𝟙𝟚 𝐱𝐲",
    "ǅungla ﬁne straße ẞ K Ω",
    "zero\u200bwidth joi\u200dner soft\u00adhyphen",
    "ᾼ ΐ ﬃ ŉ",
]


# Run in the page with search.js's ``words``: the words of each code point alone, where there
# are any, from planes 0 to 3 and 14 (planes 4 to 13 are unassigned, 15 and 16 private use).
_EVERY_CHARACTER = """const found = [];
for (let c = 0; c < 0xf0000; c = c === 0x3ffff ? 0xe0000 : c + 1) {
  if (c >= 0xd800 && c <= 0xdfff) continue;
  const got = words(String.fromCodePoint(c));
  if (got.length) found.push([c, got]);
}
return JSON.stringify(found);"""  # one string: quicker to hand over than 100,000 arrays


def _query_words() -> str:
    """search.js's own tokenizer (its constants and ``words``), as one JavaScript function of a list of texts."""
    source = (ASSETS / "search.js").read_text(encoding="utf-8")
    names = ("WORD", "LONGEST", "indexed", "words")
    parts = [re.search(rf"^\s*(const {name} = .*;)(\s*//.*)?$", source, re.M) for name in names]
    assert all(parts), "search.js no longer defines WORD, LONGEST, indexed and words on one line each"
    return "(texts) => {" + "\n".join(p.group(1) for p in parts if p) + "\nreturn texts.map(words); }"


@pytest.fixture(scope="module")
def blank(browser: Any, tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[Any, str]]:
    """A blank page served beside the shipped porter2.js, and its base URL."""
    root = tmp_path_factory.mktemp("porter2")
    shutil.copy(ASSETS / "porter2.js", root / "porter2.js")
    (root / "index.html").write_text("<!doctype html><title>blank</title>", encoding="utf-8")
    with served(root) as base:
        page = browser.new_page()
        page.goto(base)
        yield page, base
        page.close()


def _strings(value: Any) -> Iterator[str]:
    if isinstance(value, str):
        yield value
    elif isinstance(value, dict):
        for item in value.values():
            yield from _strings(item)
    elif isinstance(value, list):
        for item in value:
            yield from _strings(item)


def test_porter2_stems_every_word_as_snowball_does(blank: tuple[Any, str]) -> None:
    """Every word of the seed site's records and taxonomy (and astral ones): the browser's stem
    is the index's, or a query word misses the papers filed under the Python stem."""
    page, base = blank
    texts = [
        s for path in sorted((REPO / "content").rglob("*.yml")) for s in _strings(yaml.safe_load(path.read_text()))
    ]
    vocabulary = sorted({word for text in texts for word in words(text)} | set(ASTRAL_WORDS))
    assert len(vocabulary) > 5000
    stems = Stems()
    got = page.evaluate(
        "async ([url, words]) => { const { stem } = await import(url); return words.map(stem); }",
        [base + "porter2.js", vocabulary],
    )
    differ = [(word, stems(word), js) for word, js in zip(vocabulary, got, strict=True) if stems(word) != js]
    assert not differ, differ[:20]


def test_the_query_s_words_are_the_index_s_on_hostile_text(blank: tuple[Any, str]) -> None:
    page, _ = blank
    assert page.evaluate(_query_words(), HOSTILE_TEXTS) == [words(text) for text in HOSTILE_TEXTS]


@pytest.fixture(scope="module")
def one_character_words(blank: tuple[Any, str]) -> dict[int, list[str]]:
    """The words search.js finds in each code point alone (those where it finds any), by code point."""
    page, _ = blank
    found = page.evaluate(_query_words().replace("return texts.map(words);", _EVERY_CHARACTER), None)
    return {c: got for c, got in json.loads(found)}


def _known(c: int) -> bool:
    """Whether Python's Unicode database (the index's) assigns code point ``c`` (private use aside)."""
    return unicodedata.category(chr(c)) not in ("Cn", "Co", "Cs")


def test_the_query_s_words_are_the_index_s_for_every_character_python_knows(
    one_character_words: dict[int, list[str]],
) -> None:
    """Each character Python's Unicode assigns is a letter or digit, lowercased and counted, in
    the browser exactly when it is in the index. (Characters assigned after Python's Unicode
    version, about 14,000 letters of Unicode 15-16 for Python 3.11, are letters to the browser
    and not to the index: a word holding one is split in the index and not in a query. The
    index follows the Python that builds it; SCALING.md says so.)"""
    assert not any(_known(c) for c in range(0x40000, 0xE0000)), "Python's Unicode assigns planes 4 to 13"
    python = {c: got for c in range(0xF0000) if _known(c) and (got := words(chr(c)))}
    browser = {c: got for c, got in one_character_words.items() if _known(c)}
    assert len(python) > 100_000
    differ = [(f"U+{c:04X}", python.get(c), browser.get(c)) for c in sorted(python.keys() | browser.keys())]
    differ = [d for d in differ if d[1] != d[2]]
    assert not differ, differ[:20]


# --- on built sites (MkDocs: slow) -----------------------------------------------------------

LOLDU = "papers/loldu-low-rank-adaptation-via-lower-diag-upper"


@pytest.fixture(scope="module")
def seed_built(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The real corpus (content/ of this repo), built in a temp copy: its site directory."""
    return build_site(seed_project(tmp_path_factory.mktemp("seeds") / "project"))


@pytest.fixture(scope="module")
def seed(seed_built: Path) -> Iterator[str]:
    with served(seed_built) as base:
        yield base


@pytest.fixture
def site_copy(seed_built: Path, tmp_path: Path) -> Path:
    """A copy of the built seed site to tamper with (the bundle's files are links to build/: copied, not linked)."""
    site = tmp_path / "site"
    shutil.copytree(seed_built, site)
    return site


def _page(browser: Any, base: str) -> Any:
    context = browser.new_context()
    context.grant_permissions(["clipboard-read", "clipboard-write"], origin=base.rstrip("/"))
    page = context.new_page()
    page.goto(base)
    return page


def _postings(bundle: Path, stem: str) -> set[int]:
    """The papers holding ``stem``, read from the bundle as the format says (generator/search.py)."""
    for _, k in json.loads((bundle / "index.json").read_text(encoding="utf-8"))["buckets"]:
        for entry, papers, file, offset, size in json.loads((bundle / "v" / f"{k}.json").read_text(encoding="utf-8")):
            if entry == stem:
                data = (bundle / "p" / f"{file}.bin").read_bytes()[offset : offset + size]
                found, n, at = set(), -1, 0
                while at < len(data):
                    gap = shift = 0
                    while data[at] & 0x80:
                        gap, shift, at = gap | (data[at] & 0x7F) << shift, shift + 7, at + 1
                    gap, at = gap | data[at] << shift, at + 2  # the last byte of the gap, then the tf byte
                    n += gap + 1
                    found.add(n)
                assert len(found) == papers
                return found
    return set()


@pytest.mark.slow
@pytest.mark.parametrize(
    ("query", "title"),
    [
        ("speculative decoding", "Online Speculative Decoding"),
        ("architecture continual", "Architecture Matters in Continual Learning"),
        ("beam search", "Best-First Beam Search"),
    ],
)
def test_a_paper_whose_title_holds_the_query_ranks_first(browser: Any, seed: str, query: str, title: str) -> None:
    """Other papers hold the words in their abstracts: the title's weight puts this one first."""
    page = _page(browser, seed)
    status, _ = answer(page, query + " ")
    assert int(status.split()[0]) > 2, status
    assert page.locator(f"{RESULTS} h1").first.inner_text() == title
    page.context.close()


@pytest.mark.slow
def test_every_result_holds_every_word(browser: Any, seed: str, seed_built: Path) -> None:
    """The papers found are those that hold each word (the index's postings, read here in Python)."""
    both = _postings(seed_built / SEARCH_BUNDLE, "diffus") & _postings(seed_built / SEARCH_BUNDLE, "languag")
    fragments = [json.loads((seed_built / SEARCH_BUNDLE / "f" / f"{n}.json").read_text(encoding="utf-8")) for n in both]
    assert 1 < len(both) < len(_postings(seed_built / SEARCH_BUNDLE, "diffus"))
    page = _page(browser, seed)
    status, links = answer(page, "diffusion languages ")
    page.context.close()
    assert status == f"{len(both)} matching papers"
    assert {link.removeprefix(seed) for link in links} <= {f["url"] for f in fragments}


def _constant(name: str) -> float:
    found = re.search(rf"^\s*const {name} = ([0-9.]+);", (ASSETS / "search.js").read_text(encoding="utf-8"), re.M)
    assert found, f"search.js no longer defines {name}"
    return float(found.group(1))


def _ranked(bundle: Path, stems: list[str]) -> tuple[int, list[int]]:
    """How many papers hold every stem, and the ten best, ranked as the format's docstring and
    search.js say (BM25 over the abstract and labels plus a fixed score for a title hit), with
    search.js's float32 arrays: a paper's best per term, their sum, and the length norm."""
    k1, b, title = _constant("K1"), _constant("B"), _constant("TITLE")
    index = json.loads((bundle / "index.json").read_text(encoding="utf-8"))
    papers, average = index["papers"], index["average"]
    lengths = (bundle / "lengths.bin").read_bytes()
    norm = [float(np.float32(k1 * (1 - b + (b * lengths[n]) / (average or 1)))) for n in range(papers)]
    total = [0.0] * papers
    held = [0] * papers
    for stem in stems:
        lists = _postings_with_tf(bundle, stem)
        idf = math.log(1 + (papers - len(lists) + 0.5) / (len(lists) + 0.5))
        for n, field in lists:
            tf = field & 0x7F
            score = float(np.float32(1 * idf * ((tf * (k1 + 1)) / (tf + norm[n]) + (title if field & 0x80 else 0))))
            total[n] = float(np.float32(total[n] + score))
            held[n] += 1
    found = [n for n in range(papers) if held[n] == len(stems)]
    found.sort(key=lambda n: (-total[n], n))
    return len(found), found[:10]


def _postings_with_tf(bundle: Path, stem: str) -> list[tuple[int, int]]:
    for _, k in json.loads((bundle / "index.json").read_text(encoding="utf-8"))["buckets"]:
        for entry, _, file, offset, size in json.loads((bundle / "v" / f"{k}.json").read_text(encoding="utf-8")):
            if entry == stem:
                data = (bundle / "p" / f"{file}.bin").read_bytes()[offset : offset + size]
                found, n, at = [], -1, 0
                while at < len(data):
                    gap = shift = 0
                    while data[at] & 0x80:
                        gap, shift, at = gap | (data[at] & 0x7F) << shift, shift + 7, at + 1
                    gap |= data[at] << shift
                    n += gap + 1
                    found.append((n, data[at + 1]))
                    at += 2
                return found
    return []


@pytest.mark.slow
def test_results_are_counted_and_ranked_as_the_format_says(browser: Any, seed: str, seed_built: Path) -> None:
    """The count and the ten best of whole-word queries, from one word of many papers to three
    words, against the ranking computed here from the bundle (ties in catalog order)."""
    bundle = seed_built / SEARCH_BUNDLE
    url = {json.loads(p.read_text(encoding="utf-8"))["url"]: int(p.stem) for p in (bundle / "f").glob("*.json")}
    stems = Stems()
    page = _page(browser, seed)
    queries = [
        "model ",
        "learning ",
        "language models ",
        "diffusion models ",
        "reinforcement learning agents ",
        "graph neural ",
        "efficient training of transformers ",
        "benchmark ",
        "the of and ",
    ]
    for query in queries:
        wanted = list(dict.fromkeys(stems(word) for word in words(query)))
        count, best = _ranked(bundle, wanted)
        status, links = answer(page, query, paste=True)
        assert count > 1, query
        assert status == f"{count} matching papers", query
        assert [url[link.removeprefix(seed)] for link in links] == best, query
    page.context.close()


@pytest.mark.slow
@pytest.mark.parametrize("query", ["zzzqxj", "diffusion zzzqxj", "!!! ___ ", "x" * 65])
def test_a_query_no_paper_matches_says_so(browser: Any, seed: str, query: str) -> None:
    page = _page(browser, seed)
    assert answer(page, query, paste=True) == ("No matching papers", [])
    page.context.close()


@pytest.mark.slow
def test_a_fragment_s_off_site_url_never_becomes_a_link(browser: Any, site_copy: Path) -> None:
    """A tampered bundle: results whose URL leads off the site show as text, not as links."""
    bundle = site_copy / SEARCH_BUNDLE
    hostile = {"LoLDU": "javascript:alert(1)", "unlearning": "https://evil.example/", "diffusion": "//evil.example/x"}
    for query, url in hostile.items():
        # The first result of each query: the paper with the query in its title and the fewest words.
        n = min(
            (
                n
                for n in _postings(bundle, Stems()(query.lower()))
                if query.lower() in _fragment(bundle, n)["title"].lower()
            ),
            key=lambda n: len(_fragment(bundle, n)["text"]),
        )
        fragment = _fragment(bundle, n)
        (bundle / "f" / f"{n}.json").unlink()
        (bundle / "f" / f"{n}.json").write_text(json.dumps({**fragment, "url": url}), encoding="utf-8")
    with served(site_copy) as base:
        page = _page(browser, base)
        for query in hostile:
            status, links = answer(page, query + " ")
            assert "matching paper" in status
            assert page.locator(f"{RESULTS} h1").count() == min(10, int(status.split()[0]))
            assert not [link for link in links if not link.startswith(base)], (query, links)
        page.context.close()


def _fragment(bundle: Path, n: int) -> dict[str, str]:
    return dict(json.loads((bundle / "f" / f"{n}.json").read_text(encoding="utf-8")))


@pytest.mark.slow
@pytest.mark.parametrize("damage", ["missing", "malformed", "unknown format"])
def test_an_index_that_fails_to_load_says_so_and_is_tried_again(browser: Any, site_copy: Path, damage: str) -> None:
    index = site_copy / SEARCH_BUNDLE / "index.json"
    good = index.read_bytes()
    index.unlink()
    if damage == "malformed":
        index.write_text('{"format": 1, "papers": ', encoding="utf-8")
    elif damage == "unknown format":
        index.write_text(json.dumps({**json.loads(good), "format": 99}), encoding="utf-8")
    with served(site_copy) as base:
        page = _page(browser, base)
        page.keyboard.press("s")
        page.keyboard.type("LoLDU")
        poll(page, lambda: "unavailable" in page.inner_text(STATUS), "search to say it is unavailable")
        assert page.inner_text(STATUS) == "Search is unavailable: its index could not be loaded."
        assert page.locator(RESULT_LINKS).count() == 0
        index.unlink(missing_ok=True)
        index.write_bytes(good)
        status, links = answer(page, "LoLDU ")
        assert status == "1 matching paper" and LOLDU in links[0]
        page.context.close()


def _varint(value: int) -> bytes:
    out = bytearray()
    while value >= 0x80:
        out.append(value & 0x7F | 0x80)
        value >>= 7
    return bytes(out) + bytes([value])


# A bundle written by hand: postings whose gaps need one, two and three bytes; the stem "die"
# (of "dying") in a bucket of its own before the bucket of "dyingz" (which "dying" starts);
# forty one-paper words, each in a bucket and a postings file of its own.
ZETA = [0, 128, 257, 16_641, 33_026, 39_999]  # gaps of 0, 127, 128, 16,383, 16,384 and 6,972
MANY = [f"w{i:02}" for i in range(40)]


def _write_bundle(bundle: Path) -> None:
    shutil.rmtree(bundle)
    for folder in ("v", "p", "f"):
        (bundle / folder).mkdir(parents=True)
    papers = 40_000
    (bundle / "lengths.bin").write_bytes(bytes([10]) * papers)
    lists = {"zeta": ZETA, "die": [5], "dyingz": [6], **{w: [7] for w in MANY}}
    buckets = [("die", ["die"]), ("dyingz", ["dyingz"]), *((w, [w]) for w in MANY), ("zeta", ["zeta"])]
    for k, (_, stems) in enumerate(buckets):
        vocabulary = []
        for stem in stems:
            found = lists[stem]
            data = b"".join(_varint(n - last - 1) + b"\x01" for last, n in zip([-1, *found], found, strict=False))
            (bundle / "p" / f"{k}.bin").write_bytes(data)
            vocabulary.append([stem, len(lists[stem]), k, 0, len(data)])
        (bundle / "v" / f"{k}.json").write_text(json.dumps(vocabulary), encoding="utf-8")
    for n in {n for found in lists.values() for n in found}:
        fragment = {"url": f"papers/p{n}/", "title": f"Paper {n}", "topics": "", "text": "zeta die w00"}
        (bundle / "f" / f"{n}.json").write_text(json.dumps(fragment), encoding="utf-8")
    index = {"format": 2, "papers": papers, "average": 10, "buckets": [[p, k] for k, (p, _) in enumerate(buckets)]}
    (bundle / "index.json").write_text(json.dumps({**index, "version": "handmade"}), encoding="utf-8")


@pytest.mark.slow
def test_a_handmade_bundle_is_read_as_its_format_says(browser: Any, site_copy: Path) -> None:
    _write_bundle(site_copy / SEARCH_BUNDLE)
    with served(site_copy) as base:
        page = _page(browser, base)
        status, links = answer(page, "zeta ")
        assert status == "6 matching papers"
        assert sorted(links) == sorted(f"{base}papers/p{n}/" for n in ZETA)
        # "dying", being typed: its stem "die" is not a prefix of it, and sits in another bucket.
        status, links = answer(page, "dying")
        assert f"{base}papers/p5/" in links, (status, links)
        # A pasted paragraph is searched by its first twelve words: twelve vocabulary and postings files.
        fetched: list[str] = []
        page.on("requestfinished", lambda request: fetched.append(request.url))
        status, links = answer(page, " ".join(MANY) + " ", paste=True)
        assert (status, links) == ("1 matching paper", [f"{base}papers/p7/"])
        assert len([url for url in fetched if "/v/" in url]) <= 12, fetched
        assert len([url for url in fetched if "/p/" in url and url.endswith("bin?v=handmade")]) <= 12, fetched
        page.context.close()
