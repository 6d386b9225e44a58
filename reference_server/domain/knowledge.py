"""Searching a knowledge base's articles (BD5): which articles match a query, in what order,
and the snippet the widget shows under each title.

The reference server calls :func:`search` with a knowledge base's articles when an agent or a
visitor searches; nothing here reads storage.

Matching
--------
Texts and queries are split into words (letters and digits) and *folded*: Unicode-normalised,
case-folded and stripped of accents, so "Passord", "PASSORD" and "pässord" are one word, and
"ø", "æ", "ł" fold to "o", "ae", "l" (letters that Unicode does not decompose).

Every word of the query must occur in the article's title or body (AND). The last query word
also matches as a prefix — the visitor may still be typing — so "reset pass" finds "How to
reset your password", while the other words match whole words only ("rese pass" does not).
A query without words matches nothing.

Ranking
-------
Each occurrence of a query word counts :data:`TITLE_WEIGHT` in the title and
:data:`BODY_WEIGHT` in the body; a whole-word match of the last word counts the same as a
prefix match. Higher scores come first; equal scores are ordered by folded title, then by id,
so the order never depends on the order articles are given in.

Snippets
--------
The snippet is the body's text around its first word that matches the query, cut at word
boundaries to about ``snippet_length`` characters, with "…" where text was left out. When only
the title matches, the snippet is the start of the body.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

__all__ = [
    "BODY_WEIGHT",
    "TITLE_WEIGHT",
    "Article",
    "SearchHit",
    "fold",
    "search",
    "words",
]

TITLE_WEIGHT = 3
BODY_WEIGHT = 1
ELLIPSIS = "…"

_WORD = re.compile(r"[^\W_]+")
_SPACE = re.compile(r"\s+")
# Letters Unicode does not decompose into a base letter and a mark.
_FOLD_TABLE = str.maketrans(
    {"ø": "o", "æ": "ae", "œ": "oe", "đ": "d", "ð": "d", "ł": "l", "þ": "th", "ı": "i"}
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
    score: int
    snippet: str


def fold(word: str) -> str:
    """The comparison form of one word: no accents, case-folded (``"Pässord"`` → ``"passord"``)."""
    decomposed = unicodedata.normalize("NFKD", word.casefold())
    bare = "".join(char for char in decomposed if not unicodedata.combining(char))
    return bare.translate(_FOLD_TABLE)


def _spans(text: str) -> Iterable[tuple[int, int, str]]:
    """Each word of ``text`` (already NFC-normalised): its start, end and folded form."""
    for match in _WORD.finditer(text):
        yield match.start(), match.end(), fold(match.group())


def words(text: str) -> list[str]:
    """The folded words of ``text``, in order."""
    return [folded for _, _, folded in _spans(unicodedata.normalize("NFC", text))]


@dataclass(frozen=True, slots=True)
class _Query:
    whole: frozenset[str]  # every word but the last: whole-word matches only
    last: str  # the last word: a whole word or a prefix

    def matches(self, word: str) -> bool:
        return word in self.whole or word.startswith(self.last)

    def hits(self, found: Sequence[str]) -> int:
        """How many of the words ``found`` match a query word."""
        return sum(1 for word in found if self.matches(word))

    def covered_by(self, found: Sequence[str]) -> bool:
        """Every query word is among ``found`` (the last one possibly as a prefix)."""
        present = set(found)
        return self.whole <= present and any(word.startswith(self.last) for word in present)


def _query(text: str) -> _Query | None:
    found = words(text)
    if not found:
        return None
    *rest, last = found
    return _Query(whole=frozenset(rest) - {last}, last=last)


def search(
    articles: Iterable[Article], query: str, *, limit: int = 20, snippet_length: int = 160
) -> list[SearchHit]:
    """The articles that match every word of ``query``, best first (see the module docstring).

    ``limit`` caps the number of hits (0 or less: none); ``snippet_length`` is the snippet's
    approximate length in characters (at least 20).
    """
    parsed = _query(query)
    if parsed is None or limit <= 0:
        return []
    length = max(snippet_length, 20)
    scored: list[tuple[tuple[int, str, str], SearchHit]] = []
    for article in articles:
        title = words(article.title)
        body = unicodedata.normalize("NFC", article.body)
        spans = list(_spans(body))
        body_words = [folded for _, _, folded in spans]
        if not parsed.covered_by([*title, *body_words]):
            continue
        score = parsed.hits(title) * TITLE_WEIGHT + parsed.hits(body_words) * BODY_WEIGHT
        hit = SearchHit(
            article_id=article.id,
            title=article.title,
            category=article.category,
            score=score,
            snippet=_snippet(body, spans, parsed, length),
        )
        scored.append(((-score, fold(article.title), article.id), hit))
    scored.sort(key=lambda item: item[0])
    return [hit for _, hit in scored[:limit]]


def _snippet(body: str, spans: Sequence[tuple[int, int, str]], query: _Query, length: int) -> str:
    """About ``length`` characters of ``body`` around its first matching word (or its start),
    cut at whitespace, with "…" on each side where text was left out."""
    first = next((start for start, _, folded in spans if query.matches(folded)), 0)
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
