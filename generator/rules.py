"""Keyword rules that suggest topics and tags for a new paper.

Rules live in ``content/taxonomy.yml`` next to the vocabulary they serve, so a curator can
read why a paper landed where it did. They only *suggest*: once a record exists, its
``topics`` and ``tags`` are the curator's and no rule touches them again.
"""

from __future__ import annotations

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
    pattern: re.Pattern[str]
    words: frozenset[str]  # whole words the text must contain (lower-cased when folded)
    folded: bool
    # The ASCII word every match starts with (lower-cased when folded), or None when the phrase
    # starts otherwise and the pattern must search the whole text.
    start: str | None = None
    prefix: bool = False  # a single word ending in ``*``: the first token only begins with ``start``


@dataclass(frozen=True)
class _Text:
    r"""Where each word of a text starts, so a phrase is tried only where a match can begin.

    A match of ``(?<!\w)word…`` starts at the first character of a ``\w+`` token. An ASCII
    token can match an ASCII word only if the two are equal (ignoring ASCII case when folded);
    a token with other characters might match through Unicode case folding (``ſ``, ``K``), so
    the pattern is tried at every such token too. The regex has the last word at each spot.
    """

    words: frozenset[str]
    lowered: frozenset[str]
    starts: dict[str, tuple[int, ...]]  # ASCII token -> offsets
    folded_starts: dict[str, tuple[int, ...]]  # lower-cased ASCII token -> offsets
    other: tuple[int, ...]  # offsets of tokens with non-ASCII characters


@functools.lru_cache(maxsize=16)  # topics and tags score the same title and abstract in turn
def _index(text: str) -> _Text:
    starts: dict[str, list[int]] = {}
    folded: dict[str, list[int]] = {}
    other: list[int] = []
    words: set[str] = set()
    for match in WORD.finditer(text):
        token = match.group()
        words.add(token)
        if token.isascii():
            starts.setdefault(token, []).append(match.start())
            folded.setdefault(token.lower(), []).append(match.start())
        else:
            other.append(match.start())
    return _Text(
        frozenset(words),
        frozenset(w.lower() for w in words),
        {k: tuple(v) for k, v in starts.items()},
        {k: tuple(v) for k, v in folded.items()},
        tuple(other),
    )


def _found(phrase: _Phrase, text: str) -> bool:
    """Whether ``phrase.pattern`` occurs in ``text``: the same answer as ``pattern.search``, faster."""
    if phrase.start is None:
        return phrase.pattern.search(text) is not None
    index = _index(text)
    table = index.folded_starts if phrase.folded else index.starts
    if phrase.prefix:
        offsets: Iterable[int] = [o for token, found in table.items() if token.startswith(phrase.start) for o in found]
    else:
        offsets = table.get(phrase.start, ())
    match = phrase.pattern.match
    return any(match(text, o) for o in offsets) or any(match(text, o) for o in index.other)


def _start(words: list[str], phrase: str, ignore_case: bool) -> str | None:
    """The first word of ``phrase`` when it is plain ASCII and starts the phrase, else None."""
    first = re.split(r"[\s-]+", phrase.rstrip("*").strip())[0]
    if not words or first != words[0] or not ASCII_WORD.fullmatch(first):
        return None
    return first.lower() if ignore_case else first


@dataclass(frozen=True)
class Matcher:
    """Compiled rules for one vocabulary (topics or tags).

    Running every pattern over every abstract is slow at 10,000 papers, so each phrase is
    indexed by the first word it must contain (its anchor); a paper's words pick the few
    phrases worth running, and each runs only where its first word occurs in the text.
    """

    rules: tuple[Rule, ...]
    exact: dict[str, tuple[_Phrase, ...]]  # anchor -> phrases, case-sensitive anchors
    folded: dict[str, tuple[_Phrase, ...]]  # lower-cased anchor -> phrases
    prefix_lengths: tuple[int, ...]  # lengths of anchors that are word prefixes (``unlearn*``)
    prefixes: dict[str, tuple[_Phrase, ...]]  # lower-cased prefix -> phrases

    @classmethod
    def build(cls, rules: Iterable[Rule]) -> Matcher:
        rules = tuple(rules)
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
                    compile_phrase(phrase, ignore_case=ignore_case),
                    frozenset(w.lower() if ignore_case else w for w in whole),
                    ignore_case,
                    _start(words, phrase, ignore_case),
                    single_prefix,
                )
                anchor = words[0].lower() if ignore_case else words[0]
                if single_prefix and len(words) == 1:
                    prefixes.setdefault(anchor.lower(), []).append(phrase_obj)
                elif ignore_case:
                    folded.setdefault(anchor, []).append(phrase_obj)
                else:
                    exact.setdefault(anchor, []).append(phrase_obj)
        return cls(
            rules,
            {k: tuple(v) for k, v in exact.items()},
            {k: tuple(v) for k, v in folded.items()},
            tuple(sorted({len(k) for k in prefixes})),
            {k: tuple(v) for k, v in prefixes.items()},
        )

    def _candidates(self, title: str, abstract: str) -> list[_Phrase]:
        first, second = _index(title), _index(abstract)
        words, lowered = first.words | second.words, first.lowered | second.lowered
        found: dict[int, _Phrase] = {}
        for word in words:
            for phrase in self.exact.get(word, ()):
                found[id(phrase)] = phrase
        for word in lowered:
            for phrase in self.folded.get(word, ()):
                found[id(phrase)] = phrase
            for length in self.prefix_lengths:
                if len(word) < length:
                    break
                for phrase in self.prefixes.get(word[:length], ()):
                    found[id(phrase)] = phrase
        return [p for p in found.values() if p.words <= (lowered if p.folded else words)]

    def scores(self, title: str, abstract: str) -> dict[str, int]:
        """Score every target: TITLE_WEIGHT per phrase found in the title, 1 per phrase in the abstract."""
        totals: dict[int, int] = {}
        for phrase in self._candidates(title, abstract):
            if _found(phrase, title):
                totals[phrase.rule] = totals.get(phrase.rule, 0) + TITLE_WEIGHT
            elif _found(phrase, abstract):
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
