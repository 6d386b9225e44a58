"""Words for search (BD5): folding, stop words, the language a text looks like, and the light
English and Norwegian stemmers (forms of one word meet; different words stay apart)."""

from __future__ import annotations

import pytest

from reference_server.domain.text_analysis import (
    STOP_WORDS,
    SearchLanguage,
    fold,
    guess_language,
    stem,
    stem_en,
    stem_nb,
    words,
)

EN = SearchLanguage.EN
NB = SearchLanguage.NB


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
def test_stop_words_are_folded_like_the_words_they_drop() -> None:
    for language in SearchLanguage:
        assert all(fold(word) == word for word in STOP_WORDS[language])
    assert {"how", "does", "my"} <= STOP_WORDS[EN]
    assert {"hvordan", "jeg", "nar", "pa"} <= STOP_WORDS[NB]


@pytest.mark.feature("BD5")
@pytest.mark.parametrize(
    ("text", "language"),
    [
        ("how long does delivery take", EN),
        ("hvor lang tid tar leveringen", NB),
        ("password", None),
        ("", None),
    ],
)
def test_the_language_is_the_one_whose_stop_words_the_text_uses(
    text: str, language: SearchLanguage | None
) -> None:
    assert guess_language(words(text)) is language


@pytest.mark.feature("BD5")
@pytest.mark.parametrize(
    "forms",
    [
        ("deliveries", "delivery"),
        ("takes", "take", "taking"),
        ("ships", "shipped", "shipping"),
        ("passwords", "password", "password's"),
        ("refunds", "refunded", "refund"),
        ("arrives", "arrived", "arrive", "arriving"),
        ("boxes", "box"),
        ("watches", "watch"),
        ("classes", "class"),
        ("quickly", "quick"),
        ("payments", "payment", "pay"),
        ("organizational", "organization", "organize"),
        ("hopefulness", "hopeful"),
        ("helpfully", "helpful", "help"),
    ],
)
def test_english_forms_of_one_word_share_a_stem(forms: tuple[str, ...]) -> None:
    assert len({stem_en(form) for form in forms}) == 1, [stem_en(form) for form in forms]


@pytest.mark.feature("BD5")
@pytest.mark.parametrize(
    ("word", "kept"),
    [
        ("bus", "bus"),  # "us", "ss", "is" are not plurals
        ("glass", "glass"),
        ("basis", "basis"),
        ("the", "the"),  # short words stay as they are
        ("sing", "sing"),  # too little left: not an ending
        ("bed", "bed"),
        ("rhythm", "rhythm"),
        ("fall", "fall"),
        ("falling", "fall"),  # "ll" stays doubled
        ("key", "key"),  # a vowel before the y
        ("sky", "sky"),
        ("ties", "tie"),
        ("hope", "hop"),  # a final e goes, as from "hoping"
        ("hoping", "hop"),
        ("stopping", "stop"),
    ],
)
def test_english_stems_leave_words_that_only_look_inflected(word: str, kept: str) -> None:
    assert stem_en(word) == kept


@pytest.mark.feature("BD5")
@pytest.mark.parametrize(
    "forms",
    [
        ("passord", "passordet", "passordene"),
        ("levering", "leveringen", "leveringer"),
        ("pakke", "pakken", "pakkene"),
        ("bestilling", "bestillingen", "bestillinger"),
        ("konto", "kontoen", "kontoer"),
        ("levert", "leverte", "levere"),
        ("hjelp", "hjelpens"),
    ],
)
def test_norwegian_forms_of_one_word_share_a_stem(forms: tuple[str, ...]) -> None:
    assert len({stem_nb(form) for form in forms}) == 1, [stem_nb(form) for form in forms]


@pytest.mark.feature("BD5")
@pytest.mark.parametrize(
    ("word", "stemmed"),
    [
        ("hus", "hus"),  # nothing after the first three letters
        ("kjekks", "kjekk"),  # "ks" after a consonant
        ("virkeligheten", "virk"),  # inflection, then a derivational ending
        ("bedt", "bedt"),
        ("forbedt", "forbed"),  # "dt" in the region
        ("oppskrivt", "oppskriv"),
        ("vennlig", "venn"),
        ("oppdatering", "oppdatering"),
        ("aaa", "aaa"),  # no region at all
    ],
)
def test_norwegian_stems(word: str, stemmed: str) -> None:
    assert stem_nb(word) == stemmed


@pytest.mark.feature("BD5")
def test_stem_picks_the_languages_stemmer() -> None:
    assert stem("passordene", NB) == stem_nb("passordene")
    assert stem("passwords", EN) == stem_en("passwords")
