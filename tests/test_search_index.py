"""The search index (generator/search.py): its bundle read back with the format its docstring
specifies, the same bytes for the same catalog, hostile text kept exact, written only when a
paper changes, and no planted link followed. Searching it in Chromium is in the browser tests."""

from __future__ import annotations

import hashlib
import json
import os
import signal
import subprocess
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest
from test_output import _elsewhere as elsewhere  # a directory outside, holding kept.txt
from test_render import catalog, paper

from conftest import REPO, make_project, run_generator
from generator import search
from generator.catalog import Catalog
from generator.problems import BuildError
from generator.urls import SEARCH_BUNDLE

Postings = dict[str, list[tuple[int, int]]]


def tiny() -> Catalog:
    """Three papers whose weighted term frequencies are worked out by hand below."""
    return catalog(
        [
            paper("a", "Regret bounds", abstract="Bounds, bounds!", topics=("bandits",)),
            paper("b", "Low rank", abstract="Regret.", topics=("low-rank",), tags=("lora",)),
            paper("c", "Émigré " + "loop " * 26, abstract="a" * 65 + " émigré" + " loop" * 130, topics=("unlearning",)),
        ]
    )


# The term-frequency byte: 128 when the title holds the stem, plus its count in the abstract
# and labels (topic and tag titles count twice), at most 127.
TINY: Postings = {
    "regret": [(0, 128), (1, 1)],
    "bound": [(0, 128 + 2)],
    "bandit": [(0, 2)],
    "low": [(1, 128 + 2)],
    "rank": [(1, 128 + 2)],
    "matrix": [(1, 2)],
    "method": [(1, 2)],
    "lora": [(1, 2)],
    "émigré": [(2, 128 + 1)],
    "loop": [(2, 128 + 127)],  # 130 in the abstract, at most 127
    "machin": [(2, 2)],
    "unlearn": [(2, 2)],
}


def varints(data: bytes) -> Iterator[int]:
    value = shift = 0
    for byte in data:
        value |= (byte & 0x7F) << shift
        shift += 7
        if not byte & 0x80:
            yield value
            value = shift = 0
    assert shift == 0, "a varint cut off"


def decode(files: dict[str, bytes]) -> tuple[dict[str, object], Postings, list[tuple[str, list[str]]]]:
    """index.json, every stem's postings and the buckets' stems, read as the spec says."""
    index = json.loads(files["index.json"])
    postings: Postings = {}
    buckets = []
    for prefix, k in index["buckets"]:
        entries = json.loads(files[f"v/{k}.json"])
        buckets.append((prefix, [entry[0] for entry in entries]))
        for stem, count, file, offset, size in entries:
            data = files[f"p/{file}.bin"][offset : offset + size]
            assert len(data) == size
            n, found = -1, []
            for gap, tf in _pairs(data):
                n += gap + 1
                found.append((n, tf))
            assert len(found) == count, stem
            postings[stem] = found
    return index, postings, buckets


def _pairs(data: bytes) -> Iterator[tuple[int, int]]:
    """(gap, tf) pairs: a varint, then one byte."""
    at = 0
    while at < len(data):
        end = at
        while data[end] & 0x80:
            end += 1
        [gap] = varints(data[at : end + 1])
        yield gap, data[end + 1]
        at = end + 2


def test_the_bundle_gives_back_each_stem_s_papers_and_weighted_frequencies() -> None:
    files = dict(search.bundle_files(tiny()))
    index, postings, _ = decode(files)
    assert postings == TINY
    assert {k: index[k] for k in ("format", "papers")} == {"format": search.FORMAT, "papers": 3}
    # The abstract's and labels' weighted lengths / 4, rounded up: 2 + 2, 1 + 10, 1 + 130 + 4
    # (the title not counted, nor the word too long to index).
    assert list(files["lengths.bin"]) == [1, 3, 34]
    assert index["average"] == round((4 + 11 + 135) / 3 / 4, 3)


def test_gaps_of_many_bytes_and_postings_split_across_files_decode(monkeypatch: pytest.MonkeyPatch) -> None:
    # Papers are numbered in catalog order (by id): p000 is 0, p399 is 399.
    papers = [paper(f"p{n:03}", "Filler", abstract=f"rare{n % 3}" + (" common" if n % 2 else "")) for n in range(400)]
    papers[0] = paper("p000", "Rare", abstract="first")
    papers[-1] = paper("p399", "Rare", abstract="last")
    monkeypatch.setattr(search, "POSTINGS_BYTES", 64)
    files = dict(search.bundle_files(catalog(papers)))
    _, postings, _ = decode(files)
    assert postings["rare"] == [(0, 128), (399, 128)]  # a gap of 398: two bytes
    assert postings["common"] == [(n, 1) for n in range(1, 399, 2)]
    assert postings["rare1"] == [(n, 1) for n in range(1, 399) if n % 3 == 1]
    assert len([name for name in files if name.startswith("p/")]) > 3


@pytest.mark.parametrize("limit", [2, 3, search.BUCKET_STEMS])
def test_the_buckets_are_runs_of_the_vocabulary_in_the_browser_s_string_order(
    monkeypatch: pytest.MonkeyPatch, limit: int
) -> None:
    # "𝔸" (U+1D538) sorts after "ｚ" (U+FF5A) in Python, before it in JavaScript (UTF-16 units).
    words = ["a", "ab", "abc", "abd", "abcd", "abcx", "b", "ba", "bab", "babe", "z", "zz", "ｚ", "𝔸"]
    monkeypatch.setattr(search, "BUCKET_STEMS", limit)
    _, postings, buckets = decode(dict(search.bundle_files(catalog([paper("x", " ".join(words), abstract="1")]))))
    stems = [stem for _, members in buckets for stem in members]
    assert set(stems) == {*words, "1", "bandit"} == set(postings)  # each word its own stem; "Bandits", the topic
    assert stems == sorted(stems, key=lambda stem: stem.encode("utf-16-be"))
    assert stems.index("𝔸") < stems.index("ｚ")
    assert [first for first, _ in buckets] == [members[0] for _, members in buckets]
    assert [len(members) for _, members in buckets] == [min(limit, len(stems) - k) for k in range(0, len(stems), limit)]


def test_words_of_many_first_letters_make_few_buckets() -> None:
    """A hostile abstract of 3,000 one-letter words of 3,000 scripts' letters: three buckets, not
    one per first letter (every page fetches the list of buckets)."""
    letters = [chr(c) for c in range(0x4E00, 0x4E00 + 3000)]  # CJK ideographs: each its own word
    files = dict(search.bundle_files(catalog([paper("x", "T", abstract=" ".join(letters))])))
    assert len(json.loads(files["index.json"])["buckets"]) == -(-(3000 + 2) // search.BUCKET_STEMS)


def test_the_same_catalog_gives_the_same_bytes_whatever_the_hash_seed() -> None:
    digests = set()
    for seed in ("0", "4242"):
        code = "import sys; sys.path.insert(0, 'tests'); import test_search_index as t; print(t.digest())"
        env = {**os.environ, "PYTHONHASHSEED": seed}
        done = subprocess.run([sys.executable, "-c", code], cwd=REPO, env=env, capture_output=True, text=True)
        assert done.returncode == 0, done.stderr
        digests.add(done.stdout.strip())
    assert digests == {digest()}


def digest() -> str:
    """A digest of the tiny catalog's bundle, every name and byte."""
    files = dict(search.bundle_files(tiny()))
    assert dict(search.bundle_files(tiny())) == files
    return hashlib.sha256(json.dumps({k: v.hex() for k, v in sorted(files.items())}).encode()).hexdigest()


HOSTILE = [
    '<script>alert("PWNED")</script> "quoted" \'single\' & &amp; {{ x }}',
    "control\x01\x08\x0b\x0c\x1b\x7f chars\ttab\nline\r\nend",
    "right\u202eto\u200fleft \u2066isolate\u2069 \u200bzero width",
    "emoji 🙂 👩‍🔬 flags 🇫🇷 and \U0001f600",
    "x" * 10_000 + " long",
    " \t spaced\u00a0 out \n",
]


def test_hostile_text_reaches_the_fragments_exactly_and_long_words_are_not_indexed() -> None:
    papers = [paper(f"h{n}", text, abstract=text[::-1]) for n, text in enumerate(HOSTILE)]
    files = dict(search.bundle_files(catalog(papers)))
    for n, text in enumerate(HOSTILE):
        fragment = json.loads(files[f"f/{n}.json"].decode("utf-8"))
        assert (fragment["url"], fragment["title"], fragment["text"]) == (f"papers/h{n}/", text, text[::-1])
    _, postings, _ = decode(files)
    assert all(0 < len(stem) <= search.LONGEST for stem in postings)
    assert "pwned" in postings and "long" in postings
    assert not any(stem.startswith("x" * search.LONGEST) for stem in postings)


# --- build/search: written when needed, never through a link --------------------------------


def stamps(root: Path) -> dict[str, tuple[int, int]]:
    """Every path under ``root`` with its inode and modification time: what a write changes."""
    return {p.relative_to(root).as_posix(): (p.lstat().st_ino, p.lstat().st_mtime_ns) for p in root.rglob("*")}


def tree(root: Path) -> dict[str, bytes]:
    return {p.relative_to(root).as_posix(): p.read_bytes() for p in sorted(root.rglob("*")) if p.is_file()}


def test_the_index_is_written_again_only_when_a_paper_changes(tmp_path: Path) -> None:
    directory = tmp_path / "build" / "search"
    directory.parent.mkdir()
    assert search.write_search_index(tiny(), directory)
    assert tree(directory) == {**dict(search.bundle_files(tiny())), search.STAMP: tree(directory)[search.STAMP]}
    before = stamps(directory)
    assert not search.write_search_index(tiny(), directory)
    assert stamps(directory) == before
    edited = catalog([*tiny().papers[:2], paper("c", "Edited", topics=("unlearning",))])
    assert search.write_search_index(edited, directory)
    assert json.loads((directory / "f" / "2.json").read_bytes())["title"] == "Edited"
    assert sorted(p.name for p in directory.parent.iterdir()) == ["search"]


def test_a_worker_that_fails_is_one_problem_and_the_old_bundle_stays(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The bundle is written by a worker process: its failure is one line naming what it printed
    last, not a traceback; the bundle in place and the build directory are as they were."""
    directory = tmp_path / "build" / "search"
    directory.parent.mkdir()
    assert search.write_search_index(tiny(), directory)
    before = tree(directory)
    monkeypatch.setattr(search, "WORKER", "generator.no_such_worker")
    edited = catalog([*tiny().papers[:2], paper("c", "Edited", topics=("unlearning",))])
    with pytest.raises(BuildError) as failed:
        search.write_search_index(edited, directory)
    [problem] = failed.value.problems
    assert (problem.path, problem.line) == (str(directory), 1)
    assert problem.message.startswith("the search index was not written: ")
    assert "generator.no_such_worker" in problem.message and "\n" not in problem.message
    assert tree(directory) == before
    assert sorted(p.name for p in directory.parent.iterdir()) == ["search"]


@pytest.mark.parametrize(
    "row",
    [
        b'{"url": 1, "title": "", "abstract": "", "labels": "", "topics": ""}',
        b'{"url": "", "title": "", "abstract": "", "labels": ""}',
        b'{"url": "", "title": "", "abstract": "", "labels": "", "topics": "", "x": ""}',
        b'["url", "title"]',
        b'{"url": "", "title": "", "abstract": "", "labels": "", "topics": ""',
    ],
    ids=["number", "missing", "extra", "list", "cut"],
)
def test_the_worker_reads_rows_of_five_strings_only(tmp_path: Path, row: bytes) -> None:
    """Its input is JSON (never pickle), each row checked: anything else stops it with no bundle."""
    rows, fresh = tmp_path / "rows", tmp_path / "fresh"
    fresh.mkdir()
    rows.write_bytes(b'{"url": "a/", "title": "T", "abstract": "A", "labels": "L", "topics": "L"}\n' + row + b"\n")
    with pytest.raises(ValueError):  # plaindata.Invalid, json.JSONDecodeError
        search.main([str(rows), str(fresh)])
    assert not (fresh / "index.json").exists()


def test_a_write_left_unfinished_kills_its_worker_and_removes_its_files(tmp_path: Path) -> None:
    directory = tmp_path / "build" / "search"
    directory.parent.mkdir()
    many = catalog([paper(f"p{n}", f"Paper {n}", abstract=f"words {n} " * 200) for n in range(3000)])
    writing = search.start_search_index(many, directory)
    assert writing is not None
    with pytest.raises(KeyboardInterrupt), writing:
        assert writing.worker.poll() is None  # still writing
        raise KeyboardInterrupt
    assert writing.worker.returncode == -signal.SIGKILL  # killed, not waited for
    assert sorted(p.name for p in directory.parent.iterdir()) == []


def test_a_killed_build_leaves_no_worker_writing(tmp_path: Path) -> None:
    """The worker dies with the process that started it (as MkDocs does, see publish.module_command)."""
    directory = tmp_path / "build" / "search"
    directory.parent.mkdir()
    code = (
        "import os, sys; sys.path.insert(0, 'tests');"
        "import test_search_index as t; from test_render import catalog, paper; from generator import search;"
        "from pathlib import Path;"
        "many = catalog([paper(f'p{n}', f'Paper {n}', abstract=f'words {n} ' * 200) for n in range(3000)]);"
        "writing = search.start_search_index(many, Path(sys.argv[1]));"
        "print(writing.worker.pid, flush=True); os._exit(0)"
    )
    done = subprocess.run(
        [sys.executable, "-c", code, str(directory)], cwd=REPO, capture_output=True, text=True, timeout=60
    )
    assert done.returncode == 0, done.stderr[-500:]
    pid = int(done.stdout)
    for _ in range(100):
        try:
            state = Path(f"/proc/{pid}/stat").read_text().split(") ")[1][0]
        except FileNotFoundError:
            break
        if state == "Z":
            break
        time.sleep(0.05)
    else:
        raise AssertionError("the worker writes on after its build was killed")
    [fresh] = [p for p in directory.parent.glob("search.new-*") if p.is_dir()]  # the next build removes it
    assert not (fresh / "index.json").exists()  # written last: the worker did not finish


def test_a_killed_write_s_leftovers_are_removed_and_links_among_them_not_followed(tmp_path: Path) -> None:
    target = elsewhere(tmp_path)
    build = tmp_path / "build"
    (build / "search.new-x" / "f").mkdir(parents=True)
    (build / "search.new-x" / "f" / "0.json").write_text("{}")
    (build / "search.old-y" / "search").mkdir(parents=True)
    (build / "search.old-y" / "search" / "into").symlink_to(target)
    (build / "search.new-link").symlink_to(target)
    assert search.write_search_index(tiny(), build / "search")
    assert sorted(p.name for p in build.iterdir()) == ["search"]
    assert tree(target) == {"kept.txt": b"not ours\n"}


@pytest.mark.parametrize("where", ["search", "search/f", "search/f/0.json", "search/stamp"])
def test_a_link_planted_at_or_in_build_search_is_replaced_never_followed(tmp_path: Path, where: str) -> None:
    target = elsewhere(tmp_path)
    directory = tmp_path / "build" / "search"
    directory.parent.mkdir()
    assert search.write_search_index(tiny(), directory)
    planted = tmp_path / "build" / where
    if planted.is_dir():
        os.rename(planted, tmp_path / "moved")
    else:
        planted.unlink()
    planted.symlink_to(target / "kept.txt" if where.endswith((".json", "stamp")) else target)
    edited = catalog([*tiny().papers[:2], paper("c", "Edited", topics=("unlearning",))])
    assert search.write_search_index(edited, directory)
    assert tree(target) == {"kept.txt": b"not ours\n"} and sorted(os.listdir(target)) == ["kept.txt"]
    assert not any(p.is_symlink() for p in [directory, *directory.rglob("*")])
    assert tree(directory) == {**dict(search.bundle_files(edited)), search.STAMP: tree(directory)[search.STAMP]}


def test_a_link_at_build_search_to_a_bundle_with_the_right_stamp_is_not_trusted(tmp_path: Path) -> None:
    """A bundle elsewhere (another checkout's, or one crafted with this catalog's stamp): never published."""
    forged = tmp_path / "forged"
    forged.mkdir()
    search.write_search_index(tiny(), forged / "search")
    (forged / "search" / "f" / "0.json").write_bytes(b'{"url":"javascript:alert(1)","title":"PWNED"}')
    directory = tmp_path / "build" / "search"
    directory.parent.mkdir()
    directory.symlink_to(forged / "search")
    search.write_search_index(tiny(), directory)
    assert not directory.is_symlink()
    search.copy_bundle(directory, tmp_path / "site")
    assert b"PWNED" not in (tmp_path / "site" / SEARCH_BUNDLE / "f" / "0.json").read_bytes()


def test_a_bundle_file_removed_by_hand_is_written_again(tmp_path: Path) -> None:
    """As a page under build/docs (written.WrittenFiles): what the record does not match is written again."""
    directory = tmp_path / "search"
    search.write_search_index(tiny(), directory)
    (directory / "f" / "1.json").unlink()
    search.write_search_index(tiny(), directory)
    assert (directory / "f" / "1.json").is_file()


def test_copy_bundle_publishes_every_file_but_the_stamp_and_follows_no_link(tmp_path: Path) -> None:
    target = elsewhere(tmp_path)
    directory = tmp_path / "search"
    search.write_search_index(tiny(), directory)
    (directory / "linked.json").symlink_to(target / "kept.txt")
    (directory / "f" / "dir").symlink_to(target)
    site = tmp_path / "site"
    search.copy_bundle(directory, site)
    assert tree(site / SEARCH_BUNDLE) == dict(search.bundle_files(tiny()))
    assert not any(p.is_symlink() for p in site.rglob("*"))


@contextmanager
def umask(mask: int) -> Iterator[None]:
    old = os.umask(mask)
    try:
        yield
    finally:
        os.umask(old)


@pytest.mark.parametrize(
    "linked",
    [True, False],
    ids=["same-disk", "across-disks"],
)
def test_bundle_files_are_0644_whatever_the_umask(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, linked: bool
) -> None:
    if not linked:  # a site on another file system: copied, not linked

        def refuse(*args: object, **kwargs: object) -> None:
            raise OSError(18, "Invalid cross-device link")

        monkeypatch.setattr(search.os, "link", refuse)
    with umask(0o077):
        search.write_search_index(tiny(), tmp_path / "search")
        search.copy_bundle(tmp_path / "search", tmp_path / "site")
    for root in (tmp_path / "search", tmp_path / "site" / SEARCH_BUNDLE):
        modes = {oct(p.stat().st_mode & 0o777) for p in root.rglob("*") if p.is_file()}
        assert modes == {"0o644"}, root


@pytest.mark.parametrize("plant", ["link", "fifo"])
def test_a_stamp_that_is_no_regular_file_is_not_read(tmp_path: Path, plant: str) -> None:
    """A stamp linked to /dev/zero, or a FIFO: no endless read, no hang; the index is written again."""
    directory = tmp_path / "search"
    directory.mkdir(parents=True)
    if plant == "link":
        (directory / search.STAMP).symlink_to("/dev/zero")
    else:
        os.mkfifo(directory / search.STAMP)
    code = (
        "import resource, sys; sys.path.insert(0, 'tests');"
        "resource.setrlimit(resource.RLIMIT_AS, (1 << 30, 1 << 30));"
        "import test_search_index as t; from generator import search; from pathlib import Path;"
        "print(search.write_search_index(t.tiny(), Path(sys.argv[1])))"
    )
    try:
        done = subprocess.run(
            [sys.executable, "-c", code, str(directory)], cwd=REPO, capture_output=True, text=True, timeout=15
        )
    except subprocess.TimeoutExpired:
        raise AssertionError(f"a stamp that is a {plant} hangs the write") from None
    assert (done.returncode, done.stdout) == (0, "True\n"), done.stderr[-500:]


# --- a built site -------------------------------------------------------------------------------


@pytest.mark.slow
def test_the_site_holds_each_paper_once_and_a_rebuild_writes_nothing_under_build(tmp_path: Path) -> None:
    root = make_project(tmp_path / "project")
    assert run_generator(root, "build").returncode == 0
    bundle = root / "site" / SEARCH_BUNDLE
    papers = json.loads((root / "site" / "papers.json").read_text(encoding="utf-8"))
    papers = papers["papers"] if isinstance(papers, dict) else papers
    fragments = [json.loads(p.read_bytes()) for p in sorted((bundle / "f").glob("*.json"))]
    assert sorted(f["url"] for f in fragments) == sorted(p["url"] for p in papers)
    published = tree(bundle)
    assert run_generator(root, "build", "--no-cache").returncode == 0
    assert tree(bundle) == published, "a cold build gives the same bytes"
    written = stamps(root / "build" / "search")
    assert run_generator(root, "build").returncode == 0
    assert stamps(root / "build" / "search") == written
