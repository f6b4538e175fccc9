"""Whether ``site/`` already is what MkDocs and the search index would make: then a build skips them.

A build that changed nothing still parsed, checked and rendered (each from its cache); what
is left, MkDocs and the durable swap, costs seconds even for the seed site. They
read only the files under ``build/docs``, the search index (by its stamp), ``mkdocs.yml``, the theme
(``overrides/``), the generator's code and the hook files it names, the installed packages and a few
environment variables; the extra files (``papers.json``, feeds) come from the catalog. A
digest of all of that (files by their stat: an edit changes a file's ctime, which no tool
sets back) is recorded with the stat of every file of the published site. When both match,
the site on disk is byte for byte what the build would publish, and it is left alone.

The record is a cache (``cache.load``: JSON, checked, bound to the code version): a file that
is not exactly what this code writes means "not current", and the build runs in full.

Unlike the record of written pages (``written.WrittenFiles``), this one trusts stat alone and
never falls back to comparing bytes: ``site/`` is not restored from CI's cache (only
``build/`` is), so after a restore MkDocs must run anyway, and a stat that differs for any
other reason (a touch, a copy) costs one MkDocs run, never a stale site. Reading every
page of ``build/`` and ``site/`` to spare that run would cost the warm path what it saves.
"""

from __future__ import annotations

import hashlib
import os
import re
import sys
from collections.abc import Iterable, Mapping
from pathlib import Path
from typing import Any

from . import cache, search
from .output import read_bytes
from .project import Project

KIND = "published site"
_ENV_NAME = re.compile(r"!ENV\s+\[?\s*([A-Za-z_][A-Za-z0-9_]*)")
_HOOK = re.compile(r"^\s*-\s+['\"]?([^'\"\s#]+\.py)['\"]?\s*$", re.MULTILINE)  # a hook file mkdocs.yml names


def _tree(digest: Any, root: Path) -> None:
    """Feed every file under ``root`` (relative path, mode, size, times, inode) into ``digest``, in order."""
    stack = [(str(root), "")]
    while stack:
        directory, prefix = stack.pop()
        try:
            entries = sorted(os.scandir(directory), key=lambda e: e.name)
        except OSError:
            digest.update(b"missing\0" + prefix.encode("utf-8", "surrogateescape"))
            continue
        lines = []
        for entry in entries:
            info = entry.stat(follow_symlinks=False)
            name = prefix + entry.name
            lines.append(f"{name}\0{info.st_mode} {info.st_size} {info.st_mtime_ns} {info.st_ctime_ns} {info.st_ino}\n")
            if entry.is_dir(follow_symlinks=False):
                stack.append((entry.path, name + "/"))
        digest.update("".join(lines).encode("utf-8", "surrogateescape"))


def _installed() -> Iterable[str]:
    """The name and version of every installed distribution (the dist-info directories' names)."""
    for entry in sys.path:
        try:
            names = os.listdir(entry or ".")
        except OSError:
            continue
        yield from sorted(n for n in names if n.endswith((".dist-info", ".egg-info")))


def inputs_digest(project: Project, epoch: int, extra_files: Mapping[str, bytes]) -> str:
    """A digest of everything the published site is made from, once ``build/docs`` and
    the search index are written: same digest, same site. ``extra_files``: the files written
    next to the pages, each with a digest of its bytes (sitefiles.write_site_files)."""
    digest = hashlib.blake2b(cache.code_version(), digest_size=20)
    config = project.root / "mkdocs.yml"
    try:
        config_text = config.read_bytes()
    except OSError:
        config_text = b""
    names = set(_ENV_NAME.findall(config_text.decode("utf-8", "replace")))
    environment = sorted((k, v) for k, v in os.environ.items() if k.startswith("PAPERLIST_") or k in names)
    digest.update(repr((sys.executable, sys.version, epoch, environment)).encode("utf-8", "surrogateescape"))
    digest.update(b"\0config\0" + config_text)
    for hook in sorted(set(_HOOK.findall(config_text.decode("utf-8", "replace")))):
        try:
            digest.update(b"\0hook\0" + (project.root / hook).read_bytes())
        except OSError:
            digest.update(b"\0no hook\0" + hook.encode("utf-8", "surrogateescape"))
    for name in _installed():
        digest.update(name.encode("utf-8", "surrogateescape") + b"\0")
    for directory in (project.docs, project.root / "overrides"):
        digest.update(b"\0tree\0" + str(directory).encode("utf-8", "surrogateescape"))
        _tree(digest, directory)
    # The search index by its stamp (the digest of what it was written from, its files counted):
    # its files are linked into each published site, so their ctimes move with every publish.
    try:
        digest.update(b"\0search\0" + read_bytes(project.search_index / search.STAMP))
    except OSError:
        digest.update(b"\0no search index\0")
    for relpath, content in sorted(extra_files.items()):
        digest.update(b"\0file\0" + relpath.encode("utf-8", "surrogateescape") + b"\0")
        digest.update(content)
    return digest.hexdigest()


def site_digest(site: Path) -> str:
    """A digest of the stat of every file of ``site`` (a path that is not a directory: its own)."""
    digest = hashlib.blake2b(str(site).encode("utf-8", "surrogateescape"), digest_size=20)
    if not site.is_dir() or site.is_symlink():
        digest.update(b"not a directory")
        return digest.hexdigest()
    _tree(digest, site)
    return digest.hexdigest()


def _decode(value: Any) -> dict[str, str]:
    entries = cache.mapping(value)
    if set(entries) != {"inputs", "site"}:
        raise cache.Invalid("not a record of the published site")
    return {"inputs": cache.digest(entries["inputs"]), "site": cache.digest(entries["site"])}


def _record(project: Project, site: Path) -> Path:
    # One record per site directory (``--site-dir``), named by a digest of its path.
    name = hashlib.blake2b(str(site).encode("utf-8", "surrogateescape"), digest_size=8).hexdigest()
    return project.root / "build" / "cache" / f"site-{name}.json"


def current(project: Project, site: Path, inputs: str) -> bool:
    """Whether ``site`` is what was published from ``inputs`` and untouched since."""
    recorded = cache.load(_record(project, site), KIND, _decode, long_lived=False)
    return recorded.get("inputs") == inputs and recorded.get("site") == site_digest(site)


def forget(project: Project, site: Path) -> None:
    """Drop the record before ``site`` changes: a build that dies midway leaves no claim behind."""
    _record(project, site).unlink(missing_ok=True)


def remember(project: Project, site: Path, inputs: str) -> None:
    """Record that ``site``, as it is now, was published from ``inputs``."""
    cache.save(_record(project, site), KIND, {"inputs": inputs, "site": site_digest(site)})
