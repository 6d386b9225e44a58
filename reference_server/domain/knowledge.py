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
also matches as a prefix — the visitor may still be typing — so "reset pass" finds
"Resetting your password"? No: "reset" must be a whole word; it finds "How to reset your
password". A query without words matches nothing.

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

    def count(self, found: Sequence[str]) -> tuple[int, bool]:
        """How many words of ``found`` match, and whether every query word is among them."""
        hits = 0
        seen: set[str] = set()
        last_seen = False
        for word in found:
            if word in self.whole:
                hits += 1
                seen.add(word)
            elif word.startswith(self.last):
                hits += 1
                last_seen = True
            if word == self.last:
                last_seen = True
        return hits, last_seen and seen == self.whole


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
        title_hits, title_all = parsed.count(words(article.title))
        body = unicodedata.normalize("NFC", article.body)
        body_spans = list(_spans(body))
        body_hits, body_all = parsed.count([folded for _, _, folded in body_spans])
        if not (title_hits or body_hits):
            continue
        if not _covers(parsed, words(article.title), [f for _, _, f in body_spans]):
            continue
        del title_all, body_all
        score = title_hits * TITLE_WEIGHT + body_hits * BODY_WEIGHT
        hit = SearchHit(
            article_id=article.id,
            title=article.title,
            category=article.category,
            score=score,
            snippet=_snippet(body, body_spans, parsed, length),
        )
        scored.append(((-score, fold(article.title), article.id), hit))
    scored.sort(key=lambda item: item[0])
    return [hit for _, hit in scored[:limit]]


def _covers(query: _Query, title: Sequence[str], body: Sequence[str]) -> bool:
    """Every query word occurs in the title or the body (the last one possibly as a prefix)."""
    present = set(title) | set(body)
    if not query.whole <= present:
        return False
    return any(word.startswith(query.last) for word in present)


def _snippet(
    body: str, spans: Sequence[tuple[int, int, str]], query: _Query, length: int
) -> str:
    first = next((start for start, _, folded in spans if query.matches(folded)), 0)
    start = max(0, first - length // 3)
    end = min(len(body), start + length)
    start = max(0, min(start, end - length))
    # Cut at word boundaries: never through a word.
    if start > 0:
        space = body.find(" ", start, first + 1)
        start = space + 1 if space >= 0 else first
    if end < len(body):
        space = body.rfind(" ", start, end + 1)
        end = space if space > start else end
    text = " ".join(body[start:end].split())
    prefix = ELLIPSIS if start > 0 else ""
    suffix = ELLIPSIS if end < len(body) else ""
    return f"{prefix}{text}{suffix}"
