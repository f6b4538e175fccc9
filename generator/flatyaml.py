"""The flat YAML our records are written in, read without building a YAML node tree.

A cold build parses every record: at 10,000 papers PyYAML's constructor (Python, even over
libyaml's parser) was two thirds of the check phase. Records as ``curate`` writes them and as
curators edit them are a flat mapping: one ``key: value`` per line, the value a double-quoted
string, ``null``, a whole number, a date, or a block list of plain or double-quoted items.

``load`` reads exactly that grammar (and whole-line comments) and returns None for anything
else: a comment after a value, single quotes, a folded or multi-line string, an anchor, a tab, a duplicate key, a
character YAML refuses, an escape it would refuse. The caller then parses the text with
PyYAML as before, so every error message and every unusual file go the usual way. Where
``load`` answers, its value is the one PyYAML gives: plain scalars are typed by PyYAML's own
resolver, escapes follow its table, and ``tests/test_flatyaml.py`` compares the two on
arbitrary text.
"""

from __future__ import annotations

import datetime
import functools
import re
from typing import Any

import yaml

_KEY_VALUE = re.compile(r"([A-Za-z_][A-Za-z0-9_]*):(?: (.*))?")
_ITEM = re.compile(r"( *)- (.*)")
_SKIPPED = re.compile(r" *(?:#.*)?")  # a blank or comment line
# Plain scalars made of these characters cannot be YAML syntax (no ": ", " #", indicator at the
# start, flow character or quote); which type they are is the resolver's to say.
_PLAIN = re.compile(r"[A-Za-z0-9][A-Za-z0-9._/+-]*")
_INT = re.compile(r"0|[1-9][0-9]{0,17}")
_DATE = re.compile(r"([0-9]{4})-([0-9]{2})-([0-9]{2})")
_DOUBLE_QUOTED = re.compile(r'"([^"\\]*(?:\\.[^"\\]*)*)"', re.S)  # unrolled: no alternation per character
_ESCAPE = re.compile(r"\\(?:([0abt\tnvfre \"/\\N_LP])|x([0-9A-Fa-f]{2})|u([0-9A-Fa-f]{4})|U([0-9A-Fa-f]{8}))")
_ESCAPES = {
    "0": "\0", "a": "\x07", "b": "\x08", "t": "\t", "\t": "\t", "n": "\n", "v": "\x0b", "f": "\x0c",
    "r": "\r", "e": "\x1b", " ": " ", '"': '"', "/": "/", "\\": "\\", "N": "\x85", "_": "\xa0",
    "L": "\u2028", "P": "\u2029",
}  # fmt: skip
# What YAML's reader refuses anywhere in a stream (PyYAML's Reader.NON_PRINTABLE), and the
# line breaks and BOM that libyaml counts as such: a file holding any goes to PyYAML.
_ASCII_UNUSUAL = re.compile("[\x00-\x08\x0b-\x1f\x7f]")  # the same, for ASCII text (most records)
_UNUSUAL = re.compile("[^\x09\x0a\x20-\x7e\x85\xa0-\ud7ff\ue000-\ufffd\U00010000-\U0010ffff]|[\x85\u2028\u2029\ufeff]")
_STR = "tag:yaml.org,2002:str"
_RESOLVER = yaml.resolver.Resolver()


@functools.lru_cache(maxsize=4096)  # keys and ids repeat across records
def is_str(plain: str) -> bool:
    """Whether PyYAML reads the plain scalar ``plain`` as a string (not a bool, number, date, null)."""
    tag: str = _RESOLVER.resolve(yaml.ScalarNode, plain, (True, False))  # type: ignore[no-untyped-call]
    return tag == _STR


class _NotFlat(Exception):
    """The text is outside the grammar: PyYAML reads it."""


def load(text: str) -> dict[str, Any] | None:
    """The mapping ``text`` holds, exactly as PyYAML loads it, or None when it is not flat YAML."""
    if (_ASCII_UNUSUAL if text.isascii() else _UNUSUAL).search(text) or "\t" in text:
        return None
    # No string spans lines in this grammar, so comment and blank lines are nothing but that.
    lines = [line for line in text.split("\n") if not _SKIPPED.fullmatch(line)]
    result: dict[str, Any] = {}
    try:
        at = 0
        while at < len(lines):
            match = _KEY_VALUE.fullmatch(lines[at])
            if match is None:
                return None
            key, value = match.groups()
            if key in result or not is_str(key):
                return None
            at += 1
            if value is not None:
                result[key] = _value(value)
                continue
            items: list[Any] = []
            indent = None
            while at < len(lines) and (item := _ITEM.fullmatch(lines[at])):
                if indent is None:
                    indent = item.group(1)
                elif item.group(1) != indent:
                    return None
                items.append(_item(item.group(2)))
                at += 1
            if not items:
                return None  # "key:" alone is null in YAML; rare enough to leave to PyYAML
            result[key] = items
    except _NotFlat:
        return None
    return result if result else None


def _value(text: str) -> Any:
    if text.startswith('"'):
        return _quoted(text)
    if text == "null":
        return None
    if text == "[]":
        return []
    if _INT.fullmatch(text):
        return int(text)
    if date := _DATE.fullmatch(text):
        try:
            return datetime.date(*(int(part) for part in date.groups()))
        except ValueError:
            raise _NotFlat from None  # PyYAML reports it, on its line
    return _plain(text)


def _item(text: str) -> str:
    return _quoted(text) if text.startswith('"') else _plain(text)


def _plain(text: str) -> str:
    if not _PLAIN.fullmatch(text) or not is_str(text):
        raise _NotFlat
    return text


def _quoted(text: str) -> str:
    match = _DOUBLE_QUOTED.fullmatch(text)
    if match is None:
        raise _NotFlat
    body = match.group(1)
    if "\\" not in body:
        return body
    parts = _ESCAPE.split(body)
    # split gives: text, then for each escape its 4 groups, then text again
    out = [parts[0]]
    for i in range(1, len(parts), 5):
        simple, hex2, hex4, hex8 = parts[i : i + 4]
        if simple is not None:
            out.append(_ESCAPES[simple])
        else:
            code = int(hex2 or hex4 or hex8, 16)
            if 0xD800 <= code <= 0xDFFF or code > 0x10FFFF:
                raise _NotFlat  # libyaml refuses these escapes
            out.append(chr(code))
        if "\\" in parts[i + 4]:
            raise _NotFlat  # an escape YAML does not know
        out.append(parts[i + 4])
    if "\\" in parts[0]:
        raise _NotFlat
    return "".join(out)
