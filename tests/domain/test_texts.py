"""The widget's own texts (OP1): every language says everything, with the same blanks."""

from __future__ import annotations

import string

import pytest

from reference_server.domain.chatflow import Language
from reference_server.domain.texts import TEXTS, text


def _blanks(template: str) -> set[str]:
    return {name for _, name, _, _ in string.Formatter().parse(template) if name}


@pytest.mark.feature("OP1")
def test_every_language_has_every_text_with_the_same_blanks() -> None:
    english = TEXTS[Language.EN]
    for language in Language:
        assert TEXTS[language].keys() == english.keys()
        for key, template in TEXTS[language].items():
            assert template.strip(), f"{language}:{key} is empty"
            assert _blanks(template) == _blanks(english[key]), f"{language}:{key}"


@pytest.mark.feature("OP1")
def test_texts_are_filled_in_the_chosen_language() -> None:
    assert text(Language.EN, "widget.email_thanks", email="a@b.no") == (
        "Thanks! We'll follow up at a@b.no."
    )
    assert text(Language.NB, "widget.typing", name="Kari") == "Kari skriver…"
