"""Keyword rules that suggest topics and tags for a new paper.

Rules live in ``content/taxonomy.yml`` next to the vocabulary they serve, so a curator can
read why a paper landed where it did. They only *suggest*: once a record exists, its
``topics`` and ``tags`` are the curator's and no rule touches them again.
"""

from __future__ import annotations

import bisect
import functools
import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

TITLE_WEIGHT = 3  # a phrase in the title says more about a paper than one in its abstract


@dataclass(frozen=True)
class Rule:
    """The phrases that vote for one topic or tag."""

    target: str
    keywords: tuple[str, ...] = ()  # case-insensitive
    acronyms: tuple[str, ...] = ()  # case-sensitive
    min_score: int = 1


def compile_phrase(phrase: str, *, ignore_case: bool) -> re.Pattern[str]:
    """A whole-word pattern: spaces and hyphens are interchangeable, a final ``*`` is a prefix."""
    prefix = phrase.endswith("*")
    words = re.split(r"[\s-]+", phrase.rstrip("*").strip())
    body = r"[\s-]+".join(re.escape(w) for w in words if w)
    tail = r"\w*" if prefix else ""
    flags = re.IGNORECASE if ignore_case else 0
    return re.compile(rf"(?<!\w){body}{tail}(?!\w)", flags)


WORD = re.compile(r"\w+")
ASCII_WORD = re.compile(r"[A-Za-z0-9_]+")


@dataclass(frozen=True)
class _Phrase:
    rule: int  # index into Matcher.rules
    phrase: str  # as the taxonomy writes it
    words: frozenset[str]  # whole words the text must contain (lower-cased when folded)
    folded: bool
    # The ASCII word every match starts with (lower-cased when folded), or None when the phrase
    # starts otherwise and the pattern must search the whole text.
    start: str | None = None

    @functools.cached_property
    def pattern(self) -> re.Pattern[str]:
        """Compiled when first needed: most of the taxonomy's ~1,200 phrases never are in a small ingest."""
        return compile_phrase(self.phrase, ignore_case=self.folded)


@dataclass(frozen=True)
class _Text:
    r"""A text's words, and where a phrase's first word can be looked for cheaply.

    A match of ``(?<!\w)word…`` starts at the first character of a ``\w+`` token. Where the
    characters it matches are ASCII they equal the phrase's first word (ignoring ASCII case
    when folded), so finding that word in the text (or in its lower-case copy) finds every such
    start; a token with other characters might match through Unicode case folding (``ſ``,
    ``K``), so the pattern is also tried at each of those. The regex has the last word.
    """

    words: frozenset[str]
    lowered: frozenset[str]
    ordered: tuple[str, ...]  # ``lowered`` sorted: the words beginning with a prefix are adjacent
    lower: str | None  # the text lower-cased, when that keeps every offset (else None)
    other: tuple[int, ...]  # offsets of tokens with non-ASCII characters


@functools.lru_cache(maxsize=16)  # topics and tags score the same title and abstract in turn
def _index(text: str) -> _Text:
    words = frozenset(WORD.findall(text))
    lowered = frozenset(map(str.lower, words))
    lower = text.lower()  # each character lowers to one or more: equal lengths mean equal offsets
    other = () if text.isascii() else tuple(m.start() for m in WORD.finditer(text) if not m.group().isascii())
    return _Text(words, lowered, tuple(sorted(lowered)), lower if len(lower) == len(text) else None, other)


def _begins(index: _Text, prefix: str) -> bool:
    """Whether some lower-cased word of the text begins with ``prefix``."""
    at = bisect.bisect_left(index.ordered, prefix)
    return at < len(index.ordered) and index.ordered[at].startswith(prefix)


def _found(phrase: _Phrase, text: str, index: _Text) -> bool:
    """Whether ``phrase.pattern`` occurs in ``text`` (``index`` is its index): as ``pattern.search`` says, faster."""
    haystack = index.lower if phrase.folded else text
    if phrase.start is None or haystack is None:
        return phrase.pattern.search(text) is not None
    match, start = phrase.pattern.match, phrase.start
    at = haystack.find(start)
    while at >= 0:
        if match(text, at):
            return True
        at = haystack.find(start, at + 1)
    # Only case folding lets a non-ASCII character match an ASCII one: exact phrases were all found above.
    return bool(index.other) and phrase.folded and any(match(text, o) for o in index.other)


def _start(words: list[str], phrase: str, ignore_case: bool) -> str | None:
    """The first word of ``phrase`` when it is plain ASCII and starts the phrase, else None."""
    first = re.split(r"[\s-]+", phrase.rstrip("*").strip())[0]
    if not words or first != words[0] or not ASCII_WORD.fullmatch(first):
        return None
    return first.lower() if ignore_case else first


@dataclass(frozen=True)
class _Anchors:
    """A vocabulary's phrases by the first word they must contain (their anchor)."""

    exact: dict[str, tuple[_Phrase, ...]]  # anchor -> phrases, case-sensitive anchors
    folded: dict[str, tuple[_Phrase, ...]]  # lower-cased anchor -> phrases
    prefixes: dict[str, tuple[_Phrase, ...]]  # lower-cased prefix (``unlearn*`` alone) -> phrases
    exact_words: frozenset[str]
    folded_words: frozenset[str]


def _anchors(rules: tuple[Rule, ...]) -> _Anchors:
    exact: dict[str, list[_Phrase]] = {}
    folded: dict[str, list[_Phrase]] = {}
    prefixes: dict[str, list[_Phrase]] = {}
    for index, rule in enumerate(rules):
        phrases = [(p, True) for p in rule.keywords] + [(p, False) for p in rule.acronyms]
        for phrase, ignore_case in phrases:
            words = WORD.findall(phrase.rstrip("*"))
            if not words:
                continue
            whole = words[:-1] if phrase.endswith("*") else words
            single_prefix = phrase.endswith("*") and len(re.split(r"[\s-]+", phrase.strip())) == 1
            phrase_obj = _Phrase(
                index,
                phrase,
                frozenset(w.lower() if ignore_case else w for w in whole),
                ignore_case,
                _start(words, phrase, ignore_case),
            )
            anchor = words[0].lower() if ignore_case else words[0]
            if single_prefix and len(words) == 1:
                prefixes.setdefault(anchor.lower(), []).append(phrase_obj)
            elif ignore_case:
                folded.setdefault(anchor, []).append(phrase_obj)
            else:
                exact.setdefault(anchor, []).append(phrase_obj)
    return _Anchors(
        {k: tuple(v) for k, v in exact.items()},
        {k: tuple(v) for k, v in folded.items()},
        {k: tuple(v) for k, v in prefixes.items()},
        frozenset(exact),
        frozenset(folded),
    )


@dataclass(frozen=True)
class Matcher:
    """The rules of one vocabulary (topics or tags), indexed when first asked to suggest.

    Running every pattern over every abstract is slow at 10,000 papers, so each phrase is
    indexed by the first word it must contain (its anchor); a paper's words pick the few
    phrases worth running, and each runs only where its first word occurs in the text.
    Loading a taxonomy builds no index and compiles no pattern: a build that suggests nothing
    pays for neither.
    """

    rules: tuple[Rule, ...]

    @classmethod
    def build(cls, rules: Iterable[Rule]) -> Matcher:
        return cls(tuple(rules))

    @functools.cached_property
    def _anchors(self) -> _Anchors:
        return _anchors(self.rules)

    def _candidates(self, first: _Text, second: _Text) -> list[_Phrase]:
        words, lowered = first.words | second.words, first.lowered | second.lowered
        anchors = self._anchors
        found = [p for word in words & anchors.exact_words for p in anchors.exact[word]]
        found += [p for word in lowered & anchors.folded_words for p in anchors.folded[word]]
        for prefix, phrases in anchors.prefixes.items():
            if _begins(first, prefix) or _begins(second, prefix):
                found += phrases
        return [p for p in found if p.words <= (lowered if p.folded else words)]

    def scores(self, title: str, abstract: str) -> dict[str, int]:
        """Score every target: TITLE_WEIGHT per phrase found in the title, 1 per phrase in the abstract."""
        totals: dict[int, int] = {}
        in_title, in_abstract = _index(title), _index(abstract)
        for phrase in self._candidates(in_title, in_abstract):
            if _found(phrase, title, in_title):
                totals[phrase.rule] = totals.get(phrase.rule, 0) + TITLE_WEIGHT
            elif _found(phrase, abstract, in_abstract):
                totals[phrase.rule] = totals.get(phrase.rule, 0) + 1
        result: dict[str, int] = {}
        for index, score in totals.items():
            rule = self.rules[index]
            if score >= rule.min_score:
                result[rule.target] = max(score, result.get(rule.target, 0))
        return result

    def suggest(self, title: str, abstract: str, limit: int | None = None) -> list[str]:
        """Targets whose score reaches their rule's threshold, best first, ties by id."""
        ranked = sorted(self.scores(title, abstract).items(), key=lambda kv: (-kv[1], kv[0]))
        chosen: Sequence[tuple[str, int]] = ranked if limit is None else ranked[:limit]
        return [target for target, _ in chosen]
