"""Plain JSON data checked back into typed values: what every cache codec is made of.

A cache (cache.py) holds strings, whole numbers, lists, mappings and ``null`` only. A
``Codec`` turns one kind of value into that and back; decoding checks every field's type with
the functions here, each of which returns its value or raises ``Invalid``, and rebuilds
frozen dataclasses with ``restore``. Nothing here reads or writes a file.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date
from typing import Any, Generic, TypeVar

from .problems import Problem, Severity

T = TypeVar("T")
_DIGEST_HEX = 40  # blake2b, 20 bytes: cache keys (cache.cache_key)


class Invalid(ValueError):
    """A cache value that is not what its codec writes."""


@dataclass(frozen=True)
class Codec(Generic[T]):
    """How one kind of cache value becomes plain JSON data and back; ``decode`` raises on anything else."""

    kind: str
    encode: Callable[[T], Any]
    decode: Callable[[Any], T]


def restore(cls: type[T], *values: Any) -> T:
    """An instance of the dataclass ``cls`` with ``values`` for its fields, in order, already checked.

    As pickle and ``copy`` do, without calling ``__init__``: a frozen dataclass's sets each
    field through ``object.__setattr__``, and for 10,000 papers that took 0.05 s of a
    no-change rebuild, as long as parsing their JSON.
    """
    instance = object.__new__(cls)
    names = _FIELDS.get(cls) or _FIELDS.setdefault(cls, tuple(f.name for f in dataclasses.fields(cls)))  # type: ignore[arg-type]
    instance.__dict__.update(zip(names, values, strict=True))
    return instance


_FIELDS: dict[type, tuple[str, ...]] = {}


# --- checks: each returns its value or raises Invalid ---------------------------------------------


def text(value: Any) -> str:
    if type(value) is not str:
        raise Invalid(f"expected text, got {type(value).__name__}")
    return value


def whole(value: Any) -> int:
    if type(value) is not int:  # not bool, not float
        raise Invalid(f"expected a whole number, got {type(value).__name__}")
    return value


def count(value: Any) -> int | None:
    """A whole number >= 0, or None."""
    if value is None:
        return None
    if type(value) is not int or value < 0:
        raise Invalid("expected a whole number >= 0")
    return value


def texts(value: Any) -> tuple[str, ...]:
    if type(value) is not list:
        raise Invalid("expected a list of texts")
    "".join(value)  # TypeError unless every item is text: in C, four times as fast as a loop here
    return tuple(value)


def listed(value: Any) -> list[Any]:
    if type(value) is not list:
        raise Invalid("expected a list")
    return value


def items(value: Any, size: int) -> list[Any]:
    """``value`` as a list of exactly ``size`` items."""
    found = listed(value)
    if len(found) != size:
        raise Invalid(f"expected a list of {size}")
    return found


def mapping(value: Any) -> dict[str, Any]:
    if type(value) is not dict:  # JSON object keys are always strings
        raise Invalid("expected a mapping")
    return value


def day(value: Any) -> date | None:
    """A date written by ``encode_day``, or None."""
    return None if value is None else date.fromisoformat(text(value))


def encode_day(value: date | None) -> str | None:
    return None if value is None else value.isoformat()


def digest(value: Any) -> str:
    """A cache key: lower-case hex of the digest size ``cache_key`` makes."""
    if type(value) is not str or len(value) != _DIGEST_HEX or value.strip("0123456789abcdef"):
        raise Invalid("expected a digest")
    return value


def encode_problem(problem: Problem) -> list[Any]:
    return [problem.path, problem.line, problem.message, problem.severity.value]


def decode_problems(value: Any) -> tuple[Problem, ...]:
    if value == []:  # the usual case: no problems
        return ()
    found = []
    for item in listed(value):
        path, line, message, severity = items(item, 4)
        found.append(Problem(text(path), whole(line), text(message), Severity(severity)))
    return tuple(found)
