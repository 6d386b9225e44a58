"""Knowledge base search (BD5): folding, AND matching with a prefix last word, ranking, snippets."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from reference_server.domain.knowledge import (
    BODY_WEIGHT,
    TITLE_WEIGHT,
    Article,
    fold,
    search,
    words,
)

PASSWORD = Article("a1", "How to reset your password", "Open settings and choose Reset.", "Account")
BILLING = Article("a2", "Billing and invoices", "Your invoice shows the password-free plan.")
NORSK = Article("a3", "Bytte passord", "Gå til Innstillinger og velg «Bytt passord». Søk hjelp.")
CAFE = Article("a4", "Café opening hours", "The CAFÉ is open from 09:00.")


def ids(hits: list) -> list[str]:  # type: ignore[type-arg]
    return [hit.article_id for hit in hits]


@pytest.mark.feature("BD5")
@pytest.mark.parametrize(
    ("word", "folded"),
    [
        ("Pässord", "passord"),
        ("CAFÉ", "cafe"),
        ("Søk", "sok"),
        ("Æble", "aeble"),
        ("Łódź", "lodz"),
        ("Straße", "strasse"),
        ("ﬁle", "file"),
    ],
)
def test_words_fold_case_and_accents(word: str, folded: str) -> None:
    assert fold(word) == folded


@pytest.mark.feature("BD5")
def test_words_split_on_anything_but_letters_and_digits() -> None:
    assert words("Reset_your pass-word, 2 times!") == [
        "reset",
        "your",
        "pass",
        "word",
        "2",
        "times",
    ]
    assert words("cafe\u0301") == ["cafe"]  # a decomposed accent stays inside its word


@pytest.mark.feature("BD5")
def test_the_last_query_word_matches_as_a_prefix() -> None:
    assert ids(search([PASSWORD, CAFE], "pass")) == ["a1"]
    assert ids(search([PASSWORD, CAFE], "reset pass")) == ["a1"]


@pytest.mark.feature("BD5")
def test_other_query_words_must_match_whole_words() -> None:
    assert search([PASSWORD], "rese password") == []


@pytest.mark.feature("BD5")
def test_every_query_word_must_match_somewhere() -> None:
    assert search([PASSWORD], "reset invoice") == []
    assert ids(search([PASSWORD], "settings password")) == ["a1"]  # body and title together


@pytest.mark.feature("BD5")
def test_search_ignores_case_and_accents_both_ways() -> None:
    assert ids(search([CAFE], "cafe")) == ["a4"]
    assert ids(search([NORSK], "SOK")) == ["a3"]
    assert ids(search([PASSWORD], "PÄSSWORD")) == ["a1"]


@pytest.mark.feature("BD5")
def test_title_matches_weigh_more_than_body_matches() -> None:
    hits = search([BILLING, PASSWORD], "password")
    assert ids(hits) == ["a1", "a2"]
    assert hits[0].score == TITLE_WEIGHT
    assert hits[1].score == BODY_WEIGHT


@pytest.mark.feature("BD5")
def test_equal_scores_are_ordered_by_title_then_id() -> None:
    b = Article("b", "Beta", "word")
    a2 = Article("z", "alpha", "word")
    a1 = Article("y", "Alpha", "word")
    assert ids(search([b, a2, a1], "word")) == ["y", "z", "b"]


@pytest.mark.feature("BD5")
def test_a_query_without_words_or_a_zero_limit_finds_nothing() -> None:
    assert search([PASSWORD], "  ?! ") == []
    assert search([PASSWORD], "password", limit=0) == []


@pytest.mark.feature("BD5")
def test_the_limit_caps_the_hits() -> None:
    many = [Article(str(i), f"Topic {i}", "same words") for i in range(5)]
    assert len(search(many, "same", limit=3)) == 3


@pytest.mark.feature("BD5")
def test_a_repeated_last_word_is_not_required_twice() -> None:
    assert ids(search([PASSWORD], "password password")) == ["a1"]


@pytest.mark.feature("BD5")
def test_hits_carry_title_and_category() -> None:
    (hit,) = search([PASSWORD], "reset")
    assert (hit.title, hit.category) == (PASSWORD.title, "Account")


@pytest.mark.feature("BD5")
def test_a_short_body_is_the_whole_snippet() -> None:
    (hit,) = search([PASSWORD], "settings")
    assert hit.snippet == "Open settings and choose Reset."


@pytest.mark.feature("BD5")
def test_a_title_only_match_shows_the_start_of_the_body() -> None:
    long_body = " ".join(["filler"] * 60)
    (hit,) = search([Article("x", "Password help", long_body)], "password", snippet_length=40)
    assert hit.snippet.startswith("filler filler")
    assert hit.snippet.endswith("…")
    assert len(hit.snippet) <= 41


@pytest.mark.feature("BD5")
def test_the_snippet_is_cut_at_word_boundaries_around_the_first_hit() -> None:
    body = " ".join(["lorem"] * 40) + " the password is here " + " ".join(["ipsum"] * 40)
    (hit,) = search([Article("x", "Help", body)], "password", snippet_length=60)
    assert hit.snippet.startswith("…lorem")
    assert hit.snippet.endswith("ipsum…")
    assert "password" in hit.snippet
    inner = hit.snippet.strip("…").split(" ")
    assert set(inner) <= {"lorem", "ipsum", "the", "password", "is", "here"}


@pytest.mark.feature("BD5")
def test_a_hit_near_the_end_pulls_the_window_back() -> None:
    body = " ".join(["lorem"] * 40) + " password"
    (hit,) = search([Article("x", "Help", body)], "password", snippet_length=30)
    assert hit.snippet.startswith("…")
    assert hit.snippet.endswith("password")


@pytest.mark.feature("BD5")
def test_a_snippet_inside_one_huge_word_cuts_through_it() -> None:
    body = "x" * 100 + " password " + "y" * 100
    (hit,) = search([Article("x", "Help", body)], "password", snippet_length=30)
    assert "password" in hit.snippet
    assert hit.snippet.startswith("…") and hit.snippet.endswith("…")
    body = "password" + "y" * 100
    (hit,) = search([Article("x", "Help", body)], "password", snippet_length=30)
    assert hit.snippet == "password" + "y" * 22 + "…"


@pytest.mark.feature("BD5")
def test_a_snippet_length_below_twenty_counts_as_twenty() -> None:
    body = " ".join(["word"] * 30)
    (hit,) = search([Article("x", "Word", body)], "word", snippet_length=1)
    assert 10 <= len(hit.snippet) <= 21


@pytest.mark.feature("BD5")
@given(st.text(max_size=40), st.lists(st.text(max_size=60), max_size=4))
def test_search_never_fails_and_every_hit_contains_every_query_word(
    query: str, texts: list[str]
) -> None:
    articles = [Article(str(i), text[:20], text) for i, text in enumerate(texts)]
    hits = search(articles, query)
    query_words = words(query)
    for hit in hits:
        article = articles[int(hit.article_id)]
        found = words(article.title) + words(article.body)
        assert all(word in found for word in query_words[:-1])
        assert any(word.startswith(query_words[-1]) for word in found)
    scores = [hit.score for hit in hits]
    assert scores == sorted(scores, reverse=True)
