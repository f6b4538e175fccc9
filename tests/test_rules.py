"""Topic and tag suggestions are exactly what the rules say, however the matcher finds them.

``generator.rules.Matcher`` indexes phrases by word and looks prefixes up in sorted word
lists so that 10,000 new papers are suggested quickly. ``reference_scores`` below is the
plain statement of the rules: a phrase counts when every whole word it names is among the
text's words (a final ``word*`` needs some word that begins with it) and its pattern is
found, 3 in the title or else 1 in the abstract. Every test compares the two on real seed
records and on texts Hypothesis writes from the taxonomy's own phrases, bent by case,
hyphens, suffixes, punctuation and Unicode that folds onto ASCII (``ſ``, ``K``, ``İ``).
"""

from __future__ import annotations

import functools
import re
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from conftest import REPO, examples
from generator.cache import FileCache
from generator.codecs import RECORDS
from generator.records import load_records
from generator.rules import TITLE_WEIGHT, WORD, Matcher, Rule, compile_phrase
from generator.taxonomy import MAX_TOPICS, Taxonomy, load_taxonomy

TAXONOMY, _ = load_taxonomy(REPO / "content" / "taxonomy.yml")


@functools.cache  # the taxonomy's ~1,200 phrases, met once per text otherwise
def _read(phrase: str, fold: bool) -> tuple[str | None, frozenset[str], re.Pattern[str]] | None:
    """What a phrase asks of a text: a word to begin some word (``unlearn*`` alone), whole words, a pattern."""
    named = WORD.findall(phrase.rstrip("*"))
    if not named:
        return None
    pattern = compile_phrase(phrase, ignore_case=fold)
    if phrase.endswith("*") and len(re.split(r"[\s-]+", phrase.strip())) == 1 and len(named) == 1:
        return named[0].lower(), frozenset(), pattern
    whole = named[:-1] if phrase.endswith("*") else named
    return None, frozenset(w.lower() if fold else w for w in whole), pattern


def reference_scores(rules: tuple[Rule, ...], title: str, abstract: str) -> dict[str, int]:
    """The rules read literally, one regular expression search per phrase (slow, plain)."""
    words = set(WORD.findall(title)) | set(WORD.findall(abstract))
    lowered = {w.lower() for w in words}
    totals: dict[int, int] = {}
    for index, rule in enumerate(rules):
        for phrase, fold in [(p, True) for p in rule.keywords] + [(p, False) for p in rule.acronyms]:
            read = _read(phrase, fold)
            if read is None:
                continue
            begins, whole, pattern = read
            if begins is not None and not any(word.startswith(begins) for word in lowered):
                continue
            if not whole <= (lowered if fold else words):
                continue
            if pattern.search(title):
                totals[index] = totals.get(index, 0) + TITLE_WEIGHT
            elif pattern.search(abstract):
                totals[index] = totals.get(index, 0) + 1
    result: dict[str, int] = {}
    for index, score in totals.items():
        rule = rules[index]
        if score >= rule.min_score:
            result[rule.target] = max(score, result.get(rule.target, 0))
    return result


def reference_suggest(scores: dict[str, int], limit: int | None = None) -> list[str]:
    ranked = sorted(scores.items(), key=lambda kv: (-kv[1], kv[0]))
    return [target for target, _ in (ranked if limit is None else ranked[:limit])]


def assert_same(taxonomy: Taxonomy, title: str, abstract: str) -> None:
    for matcher, limit in ((taxonomy.topic_matcher, MAX_TOPICS), (taxonomy.tag_matcher, None)):
        expected = reference_scores(matcher.rules, title, abstract)
        assert matcher.scores(title, abstract) == expected
        assert matcher.suggest(title, abstract, limit) == reference_suggest(expected, limit)


def test_every_seed_record_gets_the_suggestions_the_rules_give(tmp_path: Path) -> None:
    cache = FileCache(tmp_path / "records.json", RECORDS)
    papers, problems = load_records(REPO / "content" / "papers", TAXONOMY, "seed", cache, REPO / "content")
    assert len(papers) > 400 and not problems
    suggested = 0
    for paper in papers:
        assert_same(TAXONOMY, paper.title, paper.abstract)
        suggested += bool(TAXONOMY.topic_matcher.suggest(paper.title, paper.abstract))
    assert suggested > len(papers) // 2  # the comparison is not between two empty answers


def test_a_prefix_phrase_matches_words_that_begin_with_it() -> None:
    matcher = Matcher.build([Rule("unlearning", ("unlearn*", "model edit*")), Rule("rag", (), ("RAG*",))])
    assert matcher.suggest("Unlearning at scale", "") == ["unlearning"]
    assert matcher.suggest("Model-editing and RAGs", "") == ["rag", "unlearning"]
    assert matcher.suggest("Relearning the model; editor", "rag and unlearn") == ["unlearning"]
    assert matcher.suggest("Nothing here", "unlearn") == ["unlearning"]


KEYWORDS = sorted({p for rule in (*TAXONOMY.topic_matcher.rules, *TAXONOMY.tag_matcher.rules) for p in rule.keywords})
ACRONYMS = sorted({p for rule in (*TAXONOMY.topic_matcher.rules, *TAXONOMY.tag_matcher.rules) for p in rule.acronyms})
# Characters that fold onto ASCII letters under re.IGNORECASE, or change length when lowered.
FOLDING = "ſKİıµÅﬁßẞΣς"


@st.composite
def bent_phrase(draw: st.DrawFn) -> str:
    """A taxonomy phrase as a paper might write it: other case, hyphens, a suffix, a letter folded."""
    phrase = draw(st.sampled_from(KEYWORDS + ACRONYMS)).rstrip("*")
    case = draw(st.sampled_from([str, str.upper, str.lower, str.title, str.capitalize, str.swapcase]))
    phrase = case(phrase)
    phrase = re.sub(r" ", lambda _: draw(st.sampled_from([" ", "-", "  ", " - ", "\n", ""])), phrase)
    if draw(st.booleans()) and phrase:  # swap one character for a look-alike
        at = draw(st.integers(0, len(phrase) - 1))
        phrase = phrase[:at] + draw(st.sampled_from(FOLDING + "Ss_0é")) + phrase[at + 1 :]
    cut = draw(st.integers(0, len(phrase)))  # a prefix of the phrase, or the whole of it
    phrase = phrase[: cut if draw(st.booleans()) else len(phrase)]
    return phrase + draw(st.sampled_from(["", "", "s", "ing", "ed", "-based", "'s", "_x", "é", "*", "2"]))


NOISE = st.text(alphabet=st.sampled_from("abcdefghijklmnopqrstuvwxyz ABCDEFGH-_.,;:()'\"\n0123456789" + FOLDING + "é—"))
SEPARATORS = st.sampled_from([" ", " ", ", ", ". ", "-", "(", ")", "/", "\n", "", "_", "é", "—", ":"])
TEXT = st.lists(st.one_of(bent_phrase(), NOISE, st.sampled_from(KEYWORDS)), max_size=12).flatmap(
    lambda parts: st.lists(SEPARATORS, min_size=len(parts), max_size=len(parts)).map(
        lambda seps: "".join(part + sep for part, sep in zip(parts, seps, strict=True))
    )
)


@settings(max_examples=examples(400), deadline=None)
@given(title=TEXT, abstract=TEXT)
def test_texts_made_of_taxonomy_phrases_get_the_suggestions_the_rules_give(title: str, abstract: str) -> None:
    assert_same(TAXONOMY, title, abstract)


RULE_WORD = st.text(alphabet=st.sampled_from("abcAB" + "ſKİé'+_"), min_size=1, max_size=4)
RULE_PHRASE = st.builds(
    lambda words, joins, star: "".join(w + j for w, j in zip(words, joins, strict=False)) + words[-1] + star,
    st.lists(RULE_WORD, min_size=1, max_size=3),
    st.lists(st.sampled_from([" ", "-", " - "]), max_size=2),
    st.sampled_from(["", "*"]),
)
SMALL_TEXT = st.text(alphabet=st.sampled_from("abcAB ſKİé'+_-.\n"), max_size=40)


@settings(max_examples=examples(500), deadline=None)
@given(
    rules=st.lists(
        st.builds(Rule, st.sampled_from("xyz"), st.tuples(RULE_PHRASE), st.tuples(RULE_PHRASE), st.integers(1, 4)),
        max_size=4,
    ),
    title=SMALL_TEXT,
    abstract=SMALL_TEXT,
)
def test_any_rules_on_any_text_give_what_the_rules_say(rules: list[Rule], title: str, abstract: str) -> None:
    matcher = Matcher.build(rules)
    assert matcher.scores(title, abstract) == reference_scores(tuple(rules), title, abstract)


@pytest.mark.parametrize("phrase", ["unlearn*", "Kernel", "self-correct*", "o'reilly*", "c++", 'schr\\"odinger'])
def test_unicode_that_folds_onto_a_phrase_is_treated_as_the_rules_say(phrase: str) -> None:
    matcher = Matcher.build([Rule("t", (phrase,))])
    for text in ("ſelf-correcting", "\u212aernel", "O'Reilly's", "c++ and C++", "İ unlearn", 'Schr\\"odinger'):
        assert matcher.scores(text, text) == reference_scores(matcher.rules, text, text)


@pytest.mark.parametrize(
    ("title", "abstract", "score"),
    [
        ("Self. ſelf correction", "", 3),  # long s folds onto s: the match starts in a non-ASCII word
        ("Self. \u212aernel correction", "kernel", 3),  # the Kelvin sign lowers to k
        ("İ self correction", "", 3),  # İ lowers to two characters: offsets of the lower-case copy shift
        ("Self. Correction", "self. ſelf correction", 1),
        ("Self. Correction", "self. correction", 0),
    ],
)
def test_a_phrase_written_with_letters_that_fold_onto_ascii_counts(title: str, abstract: str, score: int) -> None:
    matcher = Matcher.build([Rule("t", ("self correction", "kernel correction"))])
    assert matcher.scores(title, abstract) == reference_scores(matcher.rules, title, abstract)
    assert matcher.scores(title, abstract).get("t", 0) == score
