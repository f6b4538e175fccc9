"""YAML at the edges: fast safe reads, exact quoting, comment-preserving edits."""

from __future__ import annotations

import contextlib
import functools
import gc
import hashlib
import io
import os
import pickle
import re
import unicodedata
from collections.abc import Hashable, Iterator
from pathlib import Path
from typing import Any

import yaml
from ruamel.yaml import YAML

from . import files
from .problems import Problem

_BaseLoader: type[yaml.SafeLoader] = getattr(yaml, "CSafeLoader", yaml.SafeLoader)


class _Loader(_BaseLoader):  # type: ignore[valid-type,misc]
    """Safe loader (libyaml where present) that refuses duplicate keys and impossible values."""


class _BadValue(yaml.constructor.ConstructorError):
    """A well-formed scalar that is no value of its type, such as the date 2024-13-45."""


def _mapping(loader: _Loader, node: yaml.MappingNode, deep: bool = False) -> dict[Any, Any]:
    loader.flatten_mapping(node)
    result: dict[Any, Any] = {}
    first_line: dict[Any, int] = {}
    for key_node, value_node in node.value:
        key = loader.construct_object(key_node, deep=deep)
        if not isinstance(key, Hashable):
            raise yaml.constructor.ConstructorError(None, None, "a key must be a plain value", key_node.start_mark)
        if key in first_line:
            raise yaml.constructor.ConstructorError(
                None, None, f"duplicate key {key!r} (first on line {first_line[key]})", key_node.start_mark
            )
        first_line[key] = key_node.start_mark.line + 1
        try:
            result[key] = loader.construct_object(value_node, deep=deep)
        except (ValueError, OverflowError) as exc:  # e.g. the timestamp constructor on 2024-13-45
            raise _BadValue(None, None, f"{key}: {value_node.value!r} ({exc})", value_node.start_mark) from exc
    return result


_Loader.add_constructor(yaml.resolver.BaseResolver.DEFAULT_MAPPING_TAG, _mapping)


def load_yaml_text(text: str, path: str) -> tuple[Any, list[Problem]]:
    try:
        return yaml.load(text, Loader=_Loader), []  # noqa: S506 - a SafeLoader subclass
    except _BadValue as exc:
        line = exc.problem_mark.line + 1 if exc.problem_mark else 1
        return None, [Problem(path, line, f"invalid value: {exc.problem}")]
    except yaml.MarkedYAMLError as exc:
        mark = exc.problem_mark or exc.context_mark
        line = mark.line + 1 if mark else 1
        what = exc.problem or exc.context or "invalid YAML"
        if exc.problem and exc.context and exc.context_mark:
            what += f" ({exc.context} on line {exc.context_mark.line + 1})"
        return None, [Problem(path, line, f"invalid YAML: {what}")]
    except yaml.YAMLError as exc:
        return None, [Problem(path, 1, f"invalid YAML: {exc}")]
    except (ValueError, OverflowError) as exc:  # a lone top-level scalar that is no value of its type
        return None, [Problem(path, 1, f"invalid value: {exc}")]


class FileCache:
    """What parsing a file gave, keyed by the file's bytes: a build re-parses only what changed.

    Stored as one pickle under ``build/`` (ours, never committed). The key also holds the
    generator's own source, so a change to a parser invalidates every entry it made. Entries
    not used by a run are dropped when it saves.
    """

    def __init__(self, path: Path) -> None:
        self.path = path
        self._old: dict[bytes, Any] = {}
        self._new: dict[bytes, Any] = {}
        self._changed = False
        broken = (OSError, pickle.PickleError, EOFError, AttributeError, ValueError)
        with contextlib.suppress(*broken), _loading_long_lived():
            loaded = pickle.loads(read_bytes(path))  # noqa: S301 - our own file under build/
            if isinstance(loaded, dict):
                self._old = loaded

    @staticmethod
    def key(path: Path, data: bytes, *extra: str) -> bytes:
        digest = hashlib.blake2b(code_version(), digest_size=20)
        for part in (str(path), *extra):
            digest.update(part.encode("utf-8", "surrogateescape") + b"\0")
        digest.update(data)
        return digest.digest()

    def get(self, key: bytes) -> Any:
        """The cached value, or None."""
        if key in self._new:
            return self._new[key]
        if key in self._old:
            self._new[key] = self._old[key]
            return self._new[key]
        return None

    def put(self, key: bytes, value: Any) -> None:
        self._new[key] = value
        self._changed = True

    def save(self) -> None:
        """Write the entries used since loading, if anything differs from what was loaded."""
        if not self._changed and len(self._new) == len(self._old):
            return
        with contextlib.suppress(OSError):
            write_bytes_atomic(self.path, pickle.dumps(self._new, protocol=pickle.HIGHEST_PROTOCOL))
        self._old, self._changed = dict(self._new), False


@contextlib.contextmanager
def _loading_long_lived() -> Iterator[None]:
    """Make objects that live to the end of the build (a loaded cache) without the collector
    walking them again and again.

    Unpickling a cache creates hundreds of thousands of objects, none of them garbage, yet each
    batch of allocations sets off a collection that walks them all again: the collector is
    paused meanwhile (half the time to load the record cache of 10,000 papers). Then the new
    objects go straight to the oldest generation, unexamined (``gc.freeze`` then
    ``gc.unfreeze`` moves every tracked object there): left in the youngest, the first
    collection after loading would walk them all once more (0.1-0.4 s at 10,000 papers).
    Not for use inside ``long_lived_frozen``, whose objects this would unfreeze.
    """
    enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        gc.freeze()
        gc.unfreeze()
        if enabled:
            gc.enable()


@contextlib.contextmanager
def long_lived_frozen() -> Iterator[None]:
    """Everything alive on entry is left out of cyclic garbage collection until exit (gc.freeze).

    A build keeps what it loaded (caches, records, the catalog) to its end. A phase that makes
    many small objects sets off full collections, and each walks all of that again: two took
    0.25 s of a no-change rebuild's render at 10,000 papers. Frozen objects are still freed by
    reference counting; a cycle among them waits for the exit. Not reentrant: the exit
    unfreezes everything.
    """
    gc.freeze()
    try:
        yield
    finally:
        gc.unfreeze()


@functools.cache
def code_version() -> bytes:
    """A digest of the generator's source files: a new parser makes old cache entries unusable."""
    digest = hashlib.blake2b(digest_size=20)
    for source in sorted(Path(__file__).parent.glob("*.py")):
        digest.update(source.name.encode() + b"\0" + source.read_bytes())
    return digest.digest()


def read_bytes(path: str | Path) -> bytes:
    """The bytes of one of our own files (under ``build/``): a regular file, unbuffered.

    Content is read through ``files`` with its root and bound; raises OSError as
    ``Path.read_bytes`` does.
    """
    return files.read_bytes(path, files.ANY)


def unreadable(path: Path, exc: OSError) -> Problem:
    return Problem(str(path), 1, f"cannot read: {exc.strerror or exc}")


def parse_yaml_bytes(path: Path, raw: bytes) -> tuple[Any, list[Problem]]:
    """Parse the bytes of a YAML file read from ``path``; a syntax error becomes a Problem on its line."""
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError as exc:
        return None, [Problem(str(path), 1, f"not valid UTF-8 (byte {exc.start + 1})")]
    if "\r" in text:  # as reading in text mode does
        text = text.replace("\r\n", "\n").replace("\r", "\n")
    return load_yaml_text(text, str(path))


def load_yaml_file(
    path: Path, cache: FileCache | None = None, kind: files.Kind = files.ANY, root: Path | None = None
) -> tuple[Any, list[Problem]]:
    """Parse one YAML file, read as ``files.read_bytes`` reads (``kind``, ``root``); a syntax
    error becomes a Problem on its line."""
    try:
        raw = files.read_bytes(path, kind, root)
    except OSError as exc:
        return None, [files.unreadable(path, exc)]
    key = FileCache.key(path, raw) if cache is not None else b""
    if cache is not None and (hit := cache.get(key)) is not None:
        data, problems = hit
        return data, list(problems)
    data, problems = parse_yaml_bytes(path, raw)
    if cache is not None:
        cache.put(key, (data, tuple(problems)))
    return data, problems


def key_lines(text: str) -> dict[str, int]:
    """Line of each top-level key, and of each item of a top-level list as ``key[i]``."""
    try:
        node = yaml.compose(text, Loader=yaml.SafeLoader)
    except yaml.YAMLError:
        return {}
    lines: dict[str, int] = {}
    if not isinstance(node, yaml.MappingNode):
        return lines
    for key, value in node.value:
        name = str(key.value)
        lines[name] = key.start_mark.line + 1
        if isinstance(value, yaml.SequenceNode):
            for index, item in enumerate(value.value):
                lines[f"{name}[{index}]"] = item.start_mark.line + 1
                if isinstance(item, yaml.MappingNode):
                    for sub_key, _ in item.value:
                        lines[f"{name}[{index}].{sub_key.value}"] = sub_key.start_mark.line + 1
    return lines


_SAFE_CONTROL = {"\t": "\\t", "\n": "\\n", "\r": "\\r", '"': '\\"', "\\": "\\\\"}
_INVISIBLE = {"Cc", "Cf", "Cs", "Co", "Cn", "Zl", "Zp"}
_NEEDS_CARE = re.compile(r'[^ -~]|["\\]')  # everything but printable ASCII, and the two escapes


def _escape(match: re.Match[str]) -> str:
    char = match.group()
    if char in _SAFE_CONTROL:
        return _SAFE_CONTROL[char]
    if unicodedata.category(char) in _INVISIBLE or char == "\ufeff":
        code = ord(char)
        return f"\\u{code:04x}" if code <= 0xFFFF else f"\\U{code:08x}"
    return char


def quote(text: str) -> str:
    """A YAML double-quoted scalar that loads back to exactly ``text``."""
    return '"' + _NEEDS_CARE.sub(_escape, text) + '"'


def round_trip() -> YAML:
    """A ruamel.yaml instance that keeps comments, key order and quoting."""
    rt = YAML(typ="rt")
    rt.preserve_quotes = True
    rt.width = 1 << 20  # never fold a long abstract
    rt.indent(mapping=2, sequence=4, offset=2)
    # Write an empty value as ``null``, as new records do, so an edit changes only what it edits.
    rt.representer.add_representer(type(None), lambda rep, _: rep.represent_scalar("tag:yaml.org,2002:null", "null"))
    return rt


def dump_round_trip(data: Any) -> str:
    buffer = io.StringIO()
    round_trip().dump(data, buffer)
    return buffer.getvalue()


def write_if_changed(path: Path, text: str) -> bool:
    """Write atomically (temp file + rename), and only when the bytes differ."""
    return write_bytes_if_changed(path, text.encode("utf-8"))


def write_bytes_if_changed(path: Path, data: bytes) -> bool:
    """``write_if_changed`` for bytes."""
    try:
        if read_bytes(path) == data:
            return False
    except OSError:
        pass
    write_bytes_atomic(path, data)
    return True


def _content_digest(data: bytes) -> bytes:
    return hashlib.blake2b(data, digest_size=20).digest()


_Written = tuple[bytes, int, int, int, int, bytes]  # key, size, mtime_ns, ctime_ns, inode, digest of the bytes


class WrittenFiles:
    """What a build wrote into a directory: for each file, the key it was written under and its stat.

    A page's key names everything its text depends on (render.Page). A file found with the
    key, size, times and inode recorded when it was written still holds the bytes written
    then, so a rebuild neither renders it again nor reads it back: this is what makes a
    no-change rebuild of 10,000 pages cheap. Editing, replacing or deleting a file by hand
    changes its ctime (which no tool can set back) or its inode, so the file is written again.

    Timestamps are coarse (one clock tick, a few ms): a file whose ctime is not older than the
    record's own file may have been edited in the tick it was written, so its bytes are
    compared with the recorded digest instead (what git calls "racily clean").
    """

    def __init__(self, path: Path) -> None:
        self.path = path
        self._old: dict[str, _Written] = {}
        self._new: dict[str, _Written] = {}
        self._saved_ns = 0
        with contextlib.suppress(OSError, pickle.PickleError, EOFError, AttributeError, ValueError):
            self._saved_ns = os.stat(path).st_ctime_ns
            loaded = pickle.loads(read_bytes(path))  # noqa: S301 - our own file under build/
            if isinstance(loaded, dict):
                self._old = loaded

    def unchanged(self, name: str, path: str | Path, key: bytes) -> bool:
        """Whether ``path`` still holds what was written there as ``name`` under ``key``."""
        entry = self._old.get(name)
        if entry is None or entry[0] != key:
            return False
        try:
            stat = os.stat(path)
        except OSError:
            return False
        if (stat.st_size, stat.st_mtime_ns, stat.st_ctime_ns, stat.st_ino) != entry[1:5]:
            return False
        if stat.st_ctime_ns >= self._saved_ns:  # racily clean: trust the bytes, not the times
            try:
                if _content_digest(read_bytes(path)) != entry[5]:
                    return False
            except OSError:
                return False
        self._new[name] = entry
        return True

    def write(self, name: str, path: Path, key: bytes, text: str) -> bool:
        """Write ``text`` to ``path`` unless it holds those bytes already; record it as ``name`` under ``key``."""
        data = text.encode("utf-8")
        written = write_bytes_if_changed(path, data)
        stat = os.stat(path)
        self._new[name] = (key, stat.st_size, stat.st_mtime_ns, stat.st_ctime_ns, stat.st_ino, _content_digest(data))
        return written

    def save(self) -> None:
        """Write the record of the files checked or written since loading, if it changed."""
        if self._new != self._old:
            with contextlib.suppress(OSError):  # as for FileCache: without it the next build renders all again
                write_bytes_atomic(self.path, pickle.dumps(self._new, protocol=pickle.HIGHEST_PROTOCOL))
            self._old = dict(self._new)


def write_bytes_atomic(path: Path, data: bytes) -> None:
    """Write through a temp file and a rename: a reader sees the old bytes or the new, never half."""
    if not path.parent.is_dir():
        path.parent.mkdir(parents=True, exist_ok=True)
    # One writer per file at a time (builds hold a lock), so a temp name of our own is enough:
    # cheaper than mkstemp's random names when a first ingest writes 10,000 records.
    tmp = path.with_name(f".{path.name}.{os.getpid()}.tmp")
    try:
        fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o644)
        with os.fdopen(fd, "wb") as handle:
            os.fchmod(handle.fileno(), 0o644)  # whatever the umask, as before
            handle.write(data)
        os.replace(tmp, path)
    except BaseException:
        tmp.unlink(missing_ok=True)
        raise
