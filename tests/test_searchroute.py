"""The lexicon: one page per search shard with that shard's words (generator/searchroute.py).

That the browser answers from the lexicon's shards as one index would is in
test_search_browser.py (the seed corpus in ten shards against one).
"""

from __future__ import annotations

import contextlib
import gzip
import json
import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from conftest import REPO, examples
from generator.build import BuildError, Project, generate
from generator.search import SHARD_ENV, lexicon_directory, write_search_lexicon, write_search_pages
from generator.searchroute import lexicon_page, lexicon_pages, shard_words, write_lexicon


def test_words_are_split_where_pagefind_splits_a_page() -> None:
    # Rust's White_Space: not U+001C-U+001F (Python's str.split would), nor a zero-width space.
    text = "b a\x1cb\u00a0c\u2003d\u200be\tf\n\nb"
    assert shard_words([text, "g  a"]) == ["a", "a\x1cb", "b", "c", "d\u200be", "f", "g"]
    assert shard_words([]) == []


# Every character Python or Rust may split at, among a few others.
_SPACES = "\t\n\v\f\r \x1c\x1d\x1e\x1f\x85\xa0\u1680\u2000\u200a\u200b\u2028\u2029\u202f\u205f\u3000"


@settings(max_examples=examples(400), deadline=None)
@given(st.lists(st.text(alphabet=st.sampled_from(_SPACES + "ab_-.é"), max_size=30), max_size=5))
def test_the_fast_split_splits_as_rust_does(texts: list[str]) -> None:
    rust = "\t\n\v\f\r \x85\xa0\u1680\u2000\u200a\u2028\u2029\u202f\u205f\u3000"
    expected: set[str] = set()
    for text in texts:
        expected.update(re.split("[" + re.escape(rust) + "]+", text))
    expected.discard("")
    assert shard_words(texts) == sorted(expected)


def test_a_lexicon_page_holds_hostile_words_as_text() -> None:
    hostile = ["</p><script>alert(1)</script>", "&amp;", '"onload=x', "<!--"]
    page = lexicon_page(3, sorted(hostile))
    assert "<script" not in page and "<!--" not in page.split("<p>", 1)[1]
    assert "&lt;/p&gt;&lt;script&gt;alert(1)&lt;/script&gt;" in page and "&amp;amp;" in page
    assert page.count("<p>") == 1 and "<title>3</title>" in page


def _pages(directory: Path) -> dict[str, str]:
    return {
        p.relative_to(directory).as_posix(): p.read_text(encoding="utf-8") for p in sorted(directory.rglob("*.html"))
    }


def test_the_lexicon_has_one_page_per_shard_and_drops_the_others(tmp_path: Path) -> None:
    lexicon = tmp_path / "build" / "search-lexicon"
    write_lexicon([["alpha beta"], ["beta gamma"], ["delta"]], lexicon)
    assert list(_pages(lexicon)) == ["0/index.html", "1/index.html", "2/index.html"]
    assert "<p>beta. gamma.</p>" in _pages(lexicon)["1/index.html"]
    (lexicon / "07").mkdir()  # not a shard this build writes
    write_lexicon([["alpha"]], lexicon)
    assert sorted(p.name for p in lexicon.iterdir()) == ["0"]
    assert "<p>alpha.</p>" in _pages(lexicon)["0/index.html"]


@pytest.mark.parametrize("where", ["", "0"])
def test_a_link_planted_where_the_lexicon_goes_is_refused(tmp_path: Path, where: str) -> None:
    target = tmp_path / "elsewhere"
    target.mkdir()
    (target / "kept.txt").write_text("kept", encoding="utf-8")
    lexicon = tmp_path / "build" / "search-lexicon"
    lexicon.parent.mkdir()
    if where:
        lexicon.mkdir()
    (lexicon / where if where else lexicon).symlink_to(target)
    with pytest.raises(BuildError) as refused:
        write_lexicon([["alpha"]], lexicon)
    assert "a symlink where the build writes a directory" in str(refused.value.problems[0])
    assert sorted(p.name for p in target.iterdir()) == ["kept.txt"]


def test_pagefind_gives_each_lexicon_page_the_url_of_its_shard(tmp_path: Path) -> None:
    lexicon = tmp_path / "build" / "search-lexicon"
    write_lexicon([["alpha"], ["beta"]], lexicon)
    bundle = tmp_path / "bundle"
    done = subprocess.run(
        [sys.executable, "-m", "pagefind", "--site", str(lexicon), "--output-path", str(bundle), "--quiet"],
        capture_output=True,
        check=False,
    )
    assert done.returncode == 0, done.stderr
    pages = lexicon_pages(bundle)
    assert sorted(pages.values()) == [0, 1]
    for page_id, shard in pages.items():
        fragment = gzip.decompress((bundle / "fragment" / f"{page_id}.pf_fragment").read_bytes())
        content = json.loads(fragment.removeprefix(b"pagefind_dcd"))["content"]
        assert content.split()[0].startswith(["alpha", "beta"][shard])


# A word entry of a Pagefind index chunk (CBOR): array(3), a text string (0-23 bytes, or 24-255
# with its length in the next byte), then the pages array. Bytes inside the postings that look
# like one only add a word, and words are compared one way below (the shard's within the lexicon's).
_ENTRY = re.compile(rb"\x83(?:([\x60-\x77])|\x78([\x18-\xff]))")


def _indexed_words(bundle: Path) -> set[str]:
    """The words (stems) in the index of the Pagefind bundle at ``bundle``."""
    words: set[str] = set()
    for chunk in sorted((bundle / "index").glob("*.pf_index")):
        data = gzip.decompress(chunk.read_bytes()).removeprefix(b"pagefind_dcd")
        for match in _ENTRY.finditer(data):
            length = match.group(1)[0] - 0x60 if match.group(1) is not None else match.group(2)[0]
            end = match.end() + length
            if length and end < len(data) and 0x80 <= data[end] <= 0x9B:
                with contextlib.suppress(UnicodeDecodeError):
                    words.add(data[match.end() : end].decode("utf-8"))
    return words


def _pagefind(site: Path, bundle: Path) -> set[str]:
    done = subprocess.run(
        [
            sys.executable,
            "-m",
            "pagefind",
            "--site",
            str(site),
            "--output-path",
            str(bundle),
            "--force-language",
            "en",
            "--quiet",
        ],
        capture_output=True,
        check=False,
    )
    assert done.returncode == 0, done.stderr
    return _indexed_words(bundle)


@pytest.mark.slow
def test_each_lexicon_page_holds_every_word_pagefind_indexed_in_its_shard(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The seed corpus in shards of 100: every stem of a shard's index is in its lexicon page's index."""
    root = tmp_path / "project"
    shutil.copytree(REPO / "content", root / "content")
    project = Project(root)
    monkeypatch.setenv(SHARD_ENV, "100")
    catalog = generate(project).catalog
    write_search_pages(catalog, project.search_pages)
    write_search_lexicon(catalog, project.search_pages)
    lexicon = lexicon_directory(project.search_pages)
    shards = sorted((p for p in project.search_pages.iterdir() if p.is_dir()), key=lambda p: int(p.name))
    assert len(shards) == 5
    for shard in shards:
        indexed = _pagefind(shard, tmp_path / "bundles" / shard.name)
        page = tmp_path / "lexicon" / shard.name
        page.mkdir(parents=True)
        shutil.copy(lexicon / shard.name / "index.html", page / "index.html")
        held = _pagefind(page, tmp_path / "lexicon-bundles" / shard.name)
        assert len(indexed) > 1000
        assert indexed <= held, sorted(indexed - held)[:20]
