"""Searching a knowledge base's articles (BD5): which articles answer a question, in what
order, and the snippet the widget shows under each title.

The reference server calls :func:`search` with a knowledge base's articles when an agent or a
visitor searches; nothing here reads storage.

Words
-----
Texts and queries are split into folded words, stop words are dropped and the rest stemmed
(:mod:`.text_analysis`, English and Norwegian Bokmål). Each article is analysed in the
language its words look like (:func:`~.text_analysis.guess_language`, English when it cannot
tell); a query word is tried in both languages, so "how long does delivery take" and
"hvor lang tid tar leveringen" are questions, not exact phrases.

Ranking: BM25
-------------
An article scores, for each query word, the BM25 weight of its best match (k1 = 1.2,
b = 0.75; title words count :data:`TITLE_BOOST` times, so a title match weighs more), times
how good the match is:

==========================================  ======
match                                       weight
==========================================  ======
the word's own stem                         1
a related word (:data:`RELATED`)            0.5
a word one typo away ("pasword")            0.7
two typos away (words of 6+ letters)        0.5
the last word as a prefix ("reset pass")    0.8
==========================================  ======

A typo is an inserted, missing, changed or swapped letter (optimal string alignment), tried
only for query words of 4+ letters that match no article word, against the articles' words
and their stems ("refnud" is one typo from "refund", the stem of "refunds"). :data:`RELATED` groups
help-centre words that ask for the same thing in either language ("parcel", "package",
"pakke"; "delivery", "shipping", "arrive", "levering").

Articles that score above zero come back best first, down to :data:`MIN_SHARE` of the best
score (a stray common word does not list the whole help centre); equal scores are ordered by
folded title, then by id, so the order never depends on the order articles are given in.

Snippets
--------
The snippet is the body's text around its first word that matches the query, cut at word
boundaries to about ``snippet_length`` characters, with "…" where text was left out. When only
the title matches, the snippet is the start of the body.
"""

from __future__ import annotations

import math
import re
import unicodedata
from collections import Counter
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field

from .text_analysis import STOP_WORDS, SearchLanguage, fold, guess_language, spans, stem, words

__all__ = [
    "MIN_SHARE",
    "RELATED",
    "TITLE_BOOST",
    "Article",
    "SearchHit",
    "fold",
    "search",
    "typo_distance",
    "words",
]

TITLE_BOOST = 3
K1 = 1.2
B = 0.75
MIN_SHARE = 0.25
RELATED_WEIGHT = 0.5
PREFIX_WEIGHT = 0.8
TYPO_WEIGHTS = {1: 0.7, 2: 0.5}
ELLIPSIS = "…"

_SPACE = re.compile(r"\s+")

RELATED: tuple[frozenset[str], ...] = tuple(
    frozenset(group.split())
    for group in (
        # getting things delivered
        "delivery deliver shipping ship shipment dispatch arrive arrival levering levere "
        "frakt sending ankomme",
        "parcel package packet order shipment pakke pakken forsendelse ordre bestilling",
        "track tracking trace status spore sporing",
        "time times long days soon fast quickly tid lang dager raskt",
        # money
        "refund refunds reimburse reimbursement money refusjon tilbakebetaling penger",
        "payment pay paying card cards invoice bill billing vipps betaling betale kort faktura",
        "cost price fee charge pris kostnad gebyr",
        # returns and sizes
        "return returns send retur returnere",
        "exchange swap size fit smaller bigger larger bytte bytt storrelse",
        # the account
        "password passwords login log logging signin credentials passord innlogging logge",
        "account signup register registration profile konto registrere",
        "address adresse",
        "email mail epost",
    )
)


@dataclass(frozen=True, slots=True)
class Article:
    """An article as search sees it."""

    id: str
    title: str
    body: str
    category: str = ""


@dataclass(frozen=True, slots=True)
class SearchHit:
    """One article found: its score (higher is better) and the snippet to show."""

    article_id: str
    title: str
    category: str
    score: float
    snippet: str


# ---------------------------------------------------------------- analysed articles


@dataclass(frozen=True, slots=True)
class _Document:
    article: Article
    body: str  # NFC-normalised
    spans: tuple[tuple[int, int, str], ...]  # the body's words
    stem_of: Mapping[str, str]  # folded word -> its stem in the article's language
    terms: Counter[str]  # stem -> weighted frequency (title words count TITLE_BOOST times)
    length: int


def _analyse(article: Article) -> _Document:
    body = unicodedata.normalize("NFC", article.body)
    body_spans = tuple(spans(body))
    title_words = words(article.title)
    body_words = [folded for _, _, folded in body_spans]
    language = guess_language([*title_words, *body_words]) or SearchLanguage.EN
    stop = STOP_WORDS[language]
    stem_of = {word: stem(word, language) for word in {*title_words, *body_words}}
    terms: Counter[str] = Counter()
    length = 0
    for found, boost in ((title_words, TITLE_BOOST), (body_words, 1)):
        for word in found:
            if word in stop:
                continue
            terms[stem_of[word]] += boost
            length += boost
    return _Document(article, body, body_spans, stem_of, terms, length)


# ---------------------------------------------------------------- the query


@dataclass(slots=True)
class _QueryWord:
    word: str
    alternatives: dict[str, float] = field(default_factory=dict)  # stem -> best weight

    def add(self, term: str, weight: float) -> None:
        if weight > self.alternatives.get(term, 0.0):
            self.alternatives[term] = weight


def _stems(word: str) -> set[str]:
    return {stem(word, language) for language in SearchLanguage}


def _related_stems() -> dict[str, set[str]]:
    """Stem (either language) -> the stems of every word related to it."""
    related: dict[str, set[str]] = {}
    for group in RELATED:
        members = set().union(*(_stems(word) for word in group))
        for member in members:
            related.setdefault(member, set()).update(members)
    return related


_RELATED_STEMS = _related_stems()


def typo_distance(a: str, b: str, limit: int) -> int:
    """The number of edits (insert, delete, change, swap two neighbours) from ``a`` to
    ``b``, or ``limit + 1`` when it is more than ``limit``."""
    if abs(len(a) - len(b)) > limit:
        return limit + 1
    previous2: list[int] = []
    previous = list(range(len(b) + 1))
    for i in range(1, len(a) + 1):
        current = [i] + [0] * len(b)
        for j in range(1, len(b) + 1):
            cost = 0 if a[i - 1] == b[j - 1] else 1
            current[j] = min(previous[j] + 1, current[j - 1] + 1, previous[j - 1] + cost)
            if i > 1 and j > 1 and a[i - 1] == b[j - 2] and a[i - 2] == b[j - 1]:
                current[j] = min(current[j], previous2[j - 2] + 1)
        if min(current) > limit:
            return limit + 1
        previous2, previous = previous, current
    return min(previous[-1], limit + 1)


def _typo_limit(word: str) -> int:
    return 0 if len(word) < 4 else 1 if len(word) < 6 else 2


def _query(text: str, vocabulary: Mapping[str, set[str]]) -> list[_QueryWord]:
    """The query's words with what each may match. ``vocabulary``: every folded word of the
    articles -> its stems."""
    found = words(text)
    language = guess_language(found)
    stop = set().union(*STOP_WORDS.values()) if language is None else STOP_WORDS[language]
    content = [word for word in found if word not in stop] or found
    known_stems = set().union(*vocabulary.values()) if vocabulary else set()
    query: list[_QueryWord] = []
    seen: set[str] = set()
    for index, word in enumerate(content):
        if word in seen:
            continue
        seen.add(word)
        item = _QueryWord(word)
        own = _stems(word)
        for term in own:
            item.add(term, 1.0)
            for related in _RELATED_STEMS.get(term, ()):
                item.add(related, RELATED_WEIGHT)
        if not own & known_stems:
            limit = _typo_limit(word)
            for other, stems in vocabulary.items():
                distance = typo_distance(word, other, limit) if limit else limit + 1
                if distance <= limit:
                    for term in stems:
                        item.add(term, TYPO_WEIGHTS[distance])
        if index == len(content) - 1 and len(word) >= 2:
            for other, stems in vocabulary.items():
                if other.startswith(word) and other != word:
                    for term in stems:
                        item.add(term, PREFIX_WEIGHT)
        query.append(item)
    return query


# ---------------------------------------------------------------- search


def search(
    articles: Iterable[Article], query: str, *, limit: int = 20, snippet_length: int = 160
) -> list[SearchHit]:
    """The articles that answer ``query``, best first (see the module docstring).

    ``limit`` caps the number of hits (0 or less: none); ``snippet_length`` is the snippet's
    approximate length in characters (at least 20).
    """
    if limit <= 0:
        return []
    documents = [_analyse(article) for article in articles]
    vocabulary: dict[str, set[str]] = {}  # the articles' words and stems -> their stems
    for document in documents:
        for word, term in document.stem_of.items():
            vocabulary.setdefault(word, set()).add(term)
            vocabulary.setdefault(term, set()).add(term)
    parsed = _query(query, vocabulary)
    if not parsed or not documents:
        return []
    count = len(documents)
    average = sum(d.length for d in documents) / count or 1.0
    frequency: Counter[str] = Counter()
    for document in documents:
        frequency.update(document.terms.keys())

    def weight(term: str, document: _Document) -> float:
        tf = document.terms.get(term, 0)
        if not tf:
            return 0.0
        idf = math.log(1 + (count - frequency[term] + 0.5) / (frequency[term] + 0.5))
        norm = tf + K1 * (1 - B + B * document.length / average)
        return idf * tf * (K1 + 1) / norm

    scored: list[tuple[float, _Document, set[str]]] = []
    for document in documents:
        total = 0.0
        matched: set[str] = set()
        for item in parsed:
            best, best_term = 0.0, ""
            for term, factor in item.alternatives.items():
                value = factor * weight(term, document)
                # equal values: the smaller term, so the snippet never depends on order
                if value > best or (value == best > 0 and term < best_term):
                    best, best_term = value, term
            if best > 0:
                total += best
                matched.add(best_term)
        if total > 0:
            scored.append((total, document, matched))
    if not scored:
        return []
    top = max(score for score, _, _ in scored)
    scored.sort(key=lambda item: (-item[0], fold(item[1].article.title), item[1].article.id))
    length = max(snippet_length, 20)
    hits = []
    for score, document, matched in scored[:limit]:
        if score < top * MIN_SHARE:
            break
        article = document.article
        hits.append(
            SearchHit(
                article_id=article.id,
                title=article.title,
                category=article.category,
                score=round(score, 4),
                snippet=_snippet(document, matched, length),
            )
        )
    return hits


def _snippet(document: _Document, matched: set[str], length: int) -> str:
    """About ``length`` characters of the body around its first word whose stem matched
    (or its start), cut at whitespace, with "…" on each side where text was left out."""
    body = document.body
    first = next(
        (start for start, _, folded in document.spans if document.stem_of[folded] in matched), 0
    )
    end = min(len(body), max(0, first - length // 3) + length)
    start = max(0, min(first - length // 3, end - length))
    if start > 0:  # skip the word the window cuts into (or begin at the hit)
        before = [m.end() for m in _SPACE.finditer(body, start, first)]
        start = before[0] if before else first
    if end < len(body):  # end at the last whitespace after the hit, if there is one
        after = [m.start() for m in _SPACE.finditer(body, first, end + 1)]
        end = after[-1] if after else end
    text = " ".join(body[start:end].split())
    prefix = ELLIPSIS if start > 0 else ""
    suffix = ELLIPSIS if end < len(body) else ""
    return f"{prefix}{text}{suffix}"
