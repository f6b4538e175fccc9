"""Caches under build/ hold data, never code: a planted, corrupt or foreign cache is discarded.

Whatever sits at a cache's path (a pickle that runs code, JSON of the wrong shape, a cut-off
file, a symlink, a FIFO, a cache of another code version), ``check`` and the build run
nothing, hang on nothing, and give exactly what a build without caches gives.
"""

from __future__ import annotations

import json
import os
import pickle
import shutil
import subprocess
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from conftest import REPO, run_generator
from generator import cache, written
from generator.build import generate
from generator.codecs import DUMPS, RECORDS, TAXONOMY
from generator.project import Project
from generator.search import STAMP, write_search_index

KINDS = {"dumps": DUMPS.kind, "taxonomy": TAXONOMY.kind, "records": RECORDS.kind, "links": "links"}


def cache_files(root: Path) -> dict[Path, str]:
    """Every cache file a build reads, and the kind its header names."""
    project = Project(root)
    files = {project.cache(name): kind for name, kind in KINDS.items()}
    files[project.docs_written] = written.WrittenFiles.KIND
    return files


def legacy_files(root: Path) -> list[Path]:
    """Where builds before JSON kept their pickles, and the search index's stamp (plain text, no cache kind)."""
    cached = [root / "build" / "cache" / f"{name}.pickle" for name in ("dumps", "records", "links", "docs")]
    return [*cached, root / "build" / "search" / "written.pickle", Project(root).search_index / STAMP]


def generated(root: Path) -> tuple[list[str], dict[str, bytes]]:
    """Everything before MkDocs, in this process: the problems printed, and what build/ holds besides caches."""
    project = Project(root)
    result = generate(project)
    write_search_index(result.catalog, project.search_index)
    skip = set(cache_files(root)) | set(legacy_files(root))
    outputs = {
        str(path.relative_to(root)): path.read_bytes()
        for base in (project.docs, project.search_index, project.papers)
        for path in sorted(base.rglob("*"))
        if path.is_file() and path not in skip
    }
    return sorted(str(p) for p in result.problems), outputs


@pytest.fixture
def warm(project: Path) -> tuple[Path, tuple[list[str], dict[str, bytes]]]:
    """A project built once (records ingested, every cache written), and what a cold build gives."""
    generated(project)
    shutil.rmtree(project / "build")
    cold = generated(project)
    assert all(path.is_file() for path in cache_files(project)), "every cache is written"
    return project, cold


class _Plant:
    """Unpickling this runs code: it creates ``marker``."""

    def __init__(self, marker: Path) -> None:
        self.marker = marker

    def __reduce__(self) -> tuple[Any, ...]:
        return (exec, (f"open({str(self.marker)!r}, 'w').close()",))


def hostile_pickle(marker: Path) -> bytes:
    payload = pickle.dumps({b"key": _Plant(marker)})
    pickle.loads(payload)  # proves the payload is live: it must create the marker
    assert marker.exists()
    marker.unlink()
    return payload


def plant(root: Path, payload: bytes) -> None:
    """``payload`` at every cache path, today's and the pickles' of old."""
    for path in [*cache_files(root), *legacy_files(root)]:
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(payload)


def test_a_planted_pickle_at_any_cache_path_runs_nothing(
    warm: tuple[Path, tuple[list[str], dict[str, bytes]]], tmp_path: Path
) -> None:
    root, cold = warm
    marker = tmp_path / "pwned"
    plant(root, hostile_pickle(marker))
    checked = run_generator(root, "check")
    assert not marker.exists(), "check ran code from a cache"
    assert checked.returncode == 0, checked.stderr
    assert generated(root) == cold
    assert not marker.exists(), "the build ran code from a cache"


@pytest.mark.slow
def test_the_whole_build_succeeds_over_planted_pickles(project: Path, tmp_path: Path) -> None:
    marker = tmp_path / "pwned"
    plant(project, hostile_pickle(marker))
    built = run_generator(project, "build")
    assert built.returncode == 0, built.stderr
    assert not marker.exists()
    assert (project / "site" / "index.html").is_file()


def _leaves(value: Any, at: tuple[Any, ...] = ()) -> Iterator[tuple[Any, ...]]:
    """The path to every value inside ``value``, containers included, outermost first."""
    yield at
    if isinstance(value, list):
        for index, item in enumerate(value):
            yield from _leaves(item, (*at, index))
    elif isinstance(value, dict):
        for key, item in value.items():
            yield from _leaves(item, (*at, key))


def _other_type(value: Any) -> Any:
    """A JSON value of another type than ``value``."""
    if isinstance(value, bool):
        return "yes"
    if isinstance(value, int):
        return str(value)
    if isinstance(value, str):
        return 1
    if value is None:
        return []
    if isinstance(value, list):
        return {"0": value[0]} if value else None
    return list(value.values())


def _replaced(document: Any, at: tuple[Any, ...], value: Any) -> Any:
    copy = json.loads(json.dumps(document))
    target = copy
    for step in at[:-1]:
        target = target[step]
    target[at[-1]] = value
    return copy


def test_every_value_of_the_wrong_type_discards_the_whole_cache(
    warm: tuple[Path, tuple[list[str], dict[str, bytes]]],
) -> None:
    """For each cache, each value in its first entry in turn gets another JSON type: nothing loads."""
    root, _ = warm
    for path, kind in cache_files(root).items():
        document = json.loads(path.read_bytes())
        assert cache.load(path, kind, _decoder(kind)), f"{path.name}: a cache this build wrote loads"
        entries = document["entries"]
        if kind == written.WrittenFiles.KIND:  # by column: each column, and its first value
            places = [(c, *at) for c in entries for at in ((), (0,))]
        else:  # by entry: every value of the first
            name, first = next(iter(entries.items()))
            places = [(name, *at) for at in _leaves(first)]
        tried = 0
        for at in places:
            wrong = _replaced(document, ("entries", *at), _other_type(_get(entries, at)))
            path.write_text(json.dumps(wrong), encoding="utf-8")
            assert cache.load(path, kind, _decoder(kind)) == {}, f"{path.name}: {at} of another type was accepted"
            tried += 1
        assert tried > 3
        for header in ("format", "kind", "code"):
            wrong = _replaced(document, (header,), _other_type(document[header]))
            path.write_text(json.dumps(wrong), encoding="utf-8")
            assert cache.load(path, kind, _decoder(kind)) == {}


def _get(value: Any, at: tuple[Any, ...]) -> Any:
    for step in at:
        value = value[step]
    return value


def _decoder(kind: str) -> Any:
    """What ``cache.load`` takes after the kind, as the build passes it."""
    from generator.catalog import LINKS

    if kind == written.WrittenFiles.KIND:
        return written.decode_written
    return cache.keyed({c.kind: c.decode for c in (DUMPS, TAXONOMY, RECORDS, LINKS)}[kind])


def test_a_cache_of_the_wrong_shape_gives_the_output_of_a_cold_build(
    warm: tuple[Path, tuple[list[str], dict[str, bytes]]],
) -> None:
    """A title that is a number, a date that is no date: the build recomputes instead of using them."""
    root, cold = warm
    for path in cache_files(root):
        document = json.loads(path.read_bytes())
        for at in list(_leaves(document["entries"]))[1:]:
            leaf = _get(document["entries"], at)
            if isinstance(leaf, str) and not isinstance(leaf, bool):
                document = _replaced(document, ("entries", *at), 12345)
        path.write_text(json.dumps(document), encoding="utf-8")
    assert generated(root) == cold


@pytest.mark.parametrize(
    "damage",
    [
        pytest.param(lambda data: data[: len(data) // 2], id="truncated"),
        pytest.param(lambda data: data[:-1], id="last-byte-cut"),
        pytest.param(lambda data: b"\xff\xfe" + data, id="not-utf8"),
        pytest.param(lambda data: b"[" * 100_000 + b"]" * 100_000, id="deeply-nested"),
        pytest.param(lambda data: b"", id="empty"),
        pytest.param(lambda data: b"null", id="null"),
        pytest.param(lambda data: data.replace(b'"entries":{', b'"entries":{"x":1,', 1), id="bad-key"),
    ],
)
def test_a_damaged_cache_is_discarded(warm: tuple[Path, tuple[list[str], dict[str, bytes]]], damage: Any) -> None:
    root, cold = warm
    for path, kind in cache_files(root).items():
        path.write_bytes(damage(path.read_bytes()))
        assert cache.load(path, kind, _decoder(kind)) == {}
    assert generated(root) == cold


def test_a_cache_that_is_no_regular_file_is_not_read(
    warm: tuple[Path, tuple[list[str], dict[str, bytes]]], tmp_path: Path
) -> None:
    """A symlink (to /dev/zero, to a file elsewhere) or a FIFO: no endless read, no hang, not used."""
    root, cold = warm
    files = list(cache_files(root))
    elsewhere = tmp_path / "elsewhere.json"
    shutil.copy(files[0], elsewhere)
    for index, path in enumerate(files):
        path.unlink()
        if index % 3 == 0:
            path.symlink_to("/dev/zero")
        elif index % 3 == 1:
            path.symlink_to(elsewhere if path == files[0] else files[0])
        else:
            os.mkfifo(path)
    assert generated(root) == cold
    assert files[2].is_fifo() is False, "the FIFO was replaced by the new cache"


def test_a_symlink_planted_at_a_cache_temp_name_is_never_followed(
    warm: tuple[Path, tuple[list[str], dict[str, bytes]]], tmp_path: Path
) -> None:
    """Caches are written through ``.<name>.<pid>.tmp``: a link planted there is replaced, its target untouched."""
    root, cold = warm
    victim = tmp_path / "victim"
    victim.write_bytes(b"not to be written")
    planted = []
    for path in cache_files(root):
        path.unlink()  # so every cache is written again
        temp = path.with_name(f".{path.name}.{os.getpid()}.tmp")
        temp.symlink_to(victim)
        planted.append(temp)
    assert generated(root) == cold
    assert victim.read_bytes() == b"not to be written"
    for path in cache_files(root):
        assert path.is_file() and not path.is_symlink(), f"{path.name} is not a file of its own"
    assert not any(temp.is_symlink() for temp in planted)


def test_a_cache_written_by_another_code_version_is_not_used(
    warm: tuple[Path, tuple[list[str], dict[str, bytes]]],
) -> None:
    """Same entries, same keys, but the header names other code: the forged title never shows."""
    root, cold = warm
    path = Project(root).cache("records")
    document = json.loads(path.read_bytes())
    for entry in document["entries"].values():
        if entry[2] is not None:
            entry[2][1] = "FORGED TITLE"
    path.write_text(json.dumps(document), encoding="utf-8")
    # With the header of this code, the cache is trusted as is (this is why build/ stays out of git) ...
    assert any(b"FORGED TITLE" in text for text in generated(root)[1].values())
    # ... and with another code's, it is not.
    document["code"] = "0" * 40
    path.write_text(json.dumps(document), encoding="utf-8")
    shutil.rmtree(root / "build" / "docs")
    assert generated(root) == cold


def test_cache_files_are_the_same_bytes_for_the_same_content(project: Path) -> None:
    run_generator(project, "check")
    first = {path: path.read_bytes() for path in cache_files(project) if path.exists()}
    assert first
    shutil.rmtree(project / "build")
    run_generator(project, "check")
    assert {path: path.read_bytes() for path in first} == first


def test_nothing_under_build_or_site_is_tracked_by_git() -> None:
    """A cache committed with ``git add -f`` would reach every checkout, CI and the Pages job included."""
    if not (REPO / ".git").exists() or shutil.which("git") is None:
        pytest.skip("not a git checkout")
    listed = subprocess.run(
        ["git", "ls-files", "--", "build", "site"], cwd=REPO, capture_output=True, text=True, check=True
    )
    assert listed.stdout == "", f"tracked build output (git rm -r --cached build site):\n{listed.stdout}"
