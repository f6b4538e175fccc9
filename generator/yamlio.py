"""YAML at the edges: fast safe reads, exact quoting, comment-preserving edits."""

from __future__ import annotations

import io
import re
import unicodedata
from collections.abc import Hashable, Iterator
from pathlib import Path
from typing import TYPE_CHECKING, Any

import yaml

from . import flatyaml
from .problems import Problem
from .safetext import shown

if TYPE_CHECKING:
    from ruamel.yaml import YAML

_BaseLoader: type[yaml.SafeLoader] = getattr(yaml, "CSafeLoader", yaml.SafeLoader)


class _Loader(_BaseLoader):  # type: ignore[valid-type,misc]
    """Safe loader (libyaml where present) that refuses duplicate keys and impossible values."""


# Deepest nesting of collections a file may hold: a record needs 2, the taxonomy 4. Deeper
# input would make libyaml's composer (recursive C: a segfault) or the constructor (a
# RecursionError) fail before any check could see it.
MAX_DEPTH = 8


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
                None, None, f"duplicate key {shown(key)} (first on line {first_line[key]})", key_node.start_mark
            )
        first_line[key] = key_node.start_mark.line + 1
        try:
            result[key] = loader.construct_object(value_node, deep=deep)
        except (ValueError, OverflowError) as exc:  # e.g. the timestamp constructor on 2024-13-45
            what = f"{shown(key)}: {shown(value_node.value)} ({exc})"
            raise _BadValue(None, None, what, value_node.start_mark) from exc
    return result


_Loader.add_constructor(yaml.resolver.BaseResolver.DEFAULT_MAPPING_TAG, _mapping)


# Which files need the event scan below. A file may skip it only when it provably holds no
# anchor, alias or nesting past MAX_DEPTH (scanning every record would add 70% to a cold
# parse; these tests cost 3-5% of it and send ~1.5% of generated records to the scan):
# - no "&" or "*": anchors and aliases need them;
# - no unusual line break or BOM (libyaml counts lines and columns by those too);
# - no block collection starts at column 3 or more (_DEEP_BLOCK: a line whose first three
#   characters are spaces or indicators and that goes on with an indicator or a key). A
#   nested block collection starts at least one column right of its parent, or at the same
#   column for a sequence under a mapping key, never twice in a row: columns 0-2 hold at
#   most 6 levels;
# - at most one level of flow collections. An inner flow collection follows an opening
#   bracket or a comma (_NESTED_FLOW), or a flow mapping's ":" or "?"; in that last case its
#   outer collection is not empty, and a non-empty flow collection in block context follows
#   a block indicator and a blank (_FLOW_AFTER_INDICATOR) or starts a line
#   (_FLOW_AT_LINE_START), past a tag. So `tags: []` needs no scan.
# Quotes are not understood: "R&D" or ", [1]" in an abstract only sends a file to the scan.
_UNUSUAL = ("&", "*", "\x85", "\u2028", "\u2029", "\ufeff")
_DEEP_BLOCK = re.compile(r"\n[ \t?:-]{3,}(?:[-?:](?:[ \t]|$)|[^\n]*:(?:[ \t]|$))", re.MULTILINE)
_TAG = r"(?:![^ \t\n]*[ \t]+)?"
_NON_EMPTY = r"[\[{](?![ \t]*[\]}])"
_NESTED_FLOW = re.compile(r"[\[{,](?:[ \t\n]|#[^\n]*)*(?:![^ \t\n]*(?:[ \t\n]|#[^\n]*)*)?[\[{]")
_FLOW_AFTER_INDICATOR = re.compile(rf"[:?-][ \t]+{_TAG}{_NON_EMPTY}")
_FLOW_AT_LINE_START = re.compile(rf"\n[ \t]*{_TAG}{_NON_EMPTY}")


def _may_be_unbounded(text: str) -> bool:
    if any(mark in text for mark in _UNUSUAL):
        return True
    lines = "\n" + text  # every line, the first too, after a newline: a fast literal search
    if ("[" in text or "{" in text) and (
        _NESTED_FLOW.search(text) or _FLOW_AFTER_INDICATOR.search(text) or _FLOW_AT_LINE_START.search(lines)
    ):
        return True
    return _DEEP_BLOCK.search(lines) is not None


def _events(text: str) -> Iterator[Any]:
    """The parser events of ``text`` one at a time, never a node: libyaml's parser is
    iterative, so depth costs no stack. Raises yaml.YAMLError as loading would."""
    loader = _BaseLoader(text)
    try:
        while loader.check_event():
            yield loader.get_event()  # type: ignore[no-untyped-call]
    finally:
        loader.dispose()


def _out_of_bounds(text: str, path: str) -> Problem | None:
    """An anchor, an alias or nesting past MAX_DEPTH, found before any node is composed or
    value constructed."""
    depth = 0
    try:
        for event in _events(text):
            line = event.start_mark.line + 1
            # libyaml's anchor names are letters, digits, "-" and "_": safe to print, if long
            if isinstance(event, yaml.AliasEvent):
                return Problem(path, line, f"alias *{str(event.anchor)[:40]}: aliases are not allowed; write it out")
            if (anchor := getattr(event, "anchor", None)) is not None:
                return Problem(path, line, f"anchor &{anchor[:40]}: anchors are not allowed; write values out")
            if isinstance(event, yaml.CollectionStartEvent):
                depth += 1
                if depth > MAX_DEPTH:
                    return Problem(path, line, f"nested more than {MAX_DEPTH} levels deep")
            elif isinstance(event, yaml.CollectionEndEvent):
                depth -= 1
    except yaml.YAMLError:
        return None  # loading reports it, with the same words as for any other file
    return None


def load_yaml_text(text: str, path: str) -> tuple[Any, list[Problem]]:
    """Parse YAML text read from ``path`` (for messages): the value, or None and its problems.

    Anchors, aliases and nesting past ``MAX_DEPTH`` are refused before anything is built:
    curated files need none of them, and they are how a few bytes cost a build its memory
    or its stack.
    """
    if "\r" in text:  # as reading in text mode does
        text = text.replace("\r\n", "\n").replace("\r", "\n")
    if (flat := flatyaml.load(text)) is not None:  # a record as written: no YAML tree needed
        return flat, []
    if _may_be_unbounded(text) and (problem := _out_of_bounds(text, path)):
        return None, [problem]
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


def parse_yaml_bytes(path: Path, raw: bytes) -> tuple[Any, list[Problem]]:
    """Parse the bytes of a YAML file read from ``path``; a syntax error becomes a Problem on its line."""
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError as exc:
        return None, [Problem(str(path), 1, f"not valid UTF-8 (byte {exc.start + 1})")]
    if "\r" in text:  # as reading in text mode does
        text = text.replace("\r\n", "\n").replace("\r", "\n")
    return load_yaml_text(text, str(path))


class _Level:
    """An open collection while walking events: what its children are named, if anything."""

    __slots__ = ("index", "key", "name", "prefix", "want_key")

    def __init__(self, prefix: str | None, *, mapping: bool) -> None:
        self.prefix = prefix  # children are named prefix + key (or prefix + [i]); None: not named
        self.want_key: bool | None = True if mapping else None  # a mapping's next child is a key; None: a sequence
        self.key: str | None = None
        self.index = -1

    def child(self, line: int, lines: dict[str, int]) -> str | None:
        """Account for a child node starting on ``line``; the name it goes by, if named."""
        if self.want_key is None:
            self.index += 1
            name = None if self.prefix is None else f"{self.prefix}[{self.index}]"
            if name is not None:
                lines[name] = line
            return name
        self.want_key = not self.want_key
        if self.want_key:  # this child was the value of self.key
            return None if self.prefix is None or self.key is None else self.prefix + self.key
        return None


def key_lines(text: str) -> dict[str, int]:
    """Line of each top-level key, of each item of a top-level list as ``key[i]``, and of
    each key of a mapping in such an item as ``key[i].sub``.

    Walks parser events (iterative) rather than composing nodes (recursive): deep input
    costs no stack. Invalid YAML gives no lines.
    """
    lines: dict[str, int] = {}
    stack: list[_Level] = []
    try:
        for event in _events(text):
            if isinstance(event, yaml.CollectionEndEvent):
                stack.pop()
                continue
            if not isinstance(event, yaml.NodeEvent) or event.start_mark is None:
                continue
            line = event.start_mark.line + 1
            parent = stack[-1] if stack else None
            is_key = parent is not None and parent.want_key is True
            name = parent.child(line, lines) if parent is not None else None
            if is_key and parent is not None and parent.prefix is not None and isinstance(event, yaml.ScalarEvent):
                parent.key = event.value
                lines.setdefault(parent.prefix + event.value, line)
            elif is_key and parent is not None:
                parent.key = None
            if isinstance(event, yaml.CollectionStartEvent):
                mapping = isinstance(event, yaml.MappingStartEvent)
                if parent is None:
                    prefix = "" if mapping else None
                elif parent.prefix == "" and not mapping and name is not None:
                    prefix = name  # a top-level list: its items are named key[i]
                elif parent.want_key is None and parent.prefix and mapping and name is not None:
                    prefix = name + "."  # a mapping in a top-level list's item
                else:
                    prefix = None
                stack.append(_Level(prefix, mapping=mapping))
    except yaml.YAMLError:
        return {}
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
    from ruamel.yaml import YAML  # only edits of existing files need it: not on a build's import path

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
