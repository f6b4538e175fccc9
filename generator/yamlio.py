"""YAML at the edges: fast safe reads, exact quoting, comment-preserving edits."""

from __future__ import annotations

import functools
import hashlib
import io
import os
import re
import unicodedata
from collections.abc import Hashable
from pathlib import Path
from typing import Any

import yaml
from ruamel.yaml import YAML

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


@functools.cache
def code_version() -> bytes:
    """A digest of the generator's source files: a new parser makes old cache entries unusable."""
    digest = hashlib.blake2b(digest_size=20)
    for source in sorted(Path(__file__).parent.glob("*.py")):
        digest.update(source.name.encode() + b"\0" + source.read_bytes())
    return digest.digest()


def read_bytes(path: str | Path) -> bytes:
    """The bytes of a file, as ``Path.read_bytes`` but without a buffered file object.

    A build reads every record; skipping ``open()``'s buffered reader halves the cost of
    reading 10,000 small files. Raises OSError as ``Path.read_bytes`` does.
    """
    fd = os.open(path, os.O_RDONLY)
    try:
        chunks = []
        while chunk := os.read(fd, 1 << 20):
            chunks.append(chunk)
        return b"".join(chunks)
    finally:
        os.close(fd)


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


def load_yaml_file(path: Path) -> tuple[Any, list[Problem]]:
    """Parse one YAML file; a syntax error becomes a Problem on its line."""
    try:
        raw = read_bytes(path)
    except OSError as exc:
        return None, [unreadable(path, exc)]
    return parse_yaml_bytes(path, raw)


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
