"""Words for search (BD5): folding, stop words and stemming in English and Norwegian Bokmål.

- :func:`fold` — one word's comparison form: Unicode-normalised, case-folded, without accents
  ("Pässord" → "passord"; "ø", "æ", "ł" fold to "o", "ae", "l", letters Unicode does not
  decompose).
- :func:`spans` / :func:`words` — a text's words (runs of letters and digits), folded.
- :data:`STOP_WORDS` — words too common to tell articles apart ("how", "does", "my", "hvordan",
  "jeg", …), per language; :func:`guess_language` picks the language whose stop words a
  text uses more (English when it cannot tell).
- :func:`stem` — a light suffix stemmer per language, in the spirit of Snowball's: it takes
  inflections off ("deliveries" → "deliveri", "takes" → "take", "shipped" → "ship",
  "passordet" → "passord") so that forms of one word meet. Stems are keys, not words.

English (:func:`stem_en`): possessives and plurals first ("ies" → "i", "sses" → "ss", a
plain "s" unless the word ends in "ss", "us" or "is"), then one derivational or inflectional
ending ("ational" → "ate", "ization" → "ize", "fully", "fulness", "ingly", "edly", "ing",
"ed", "ly", "ment", "ness", "ful", "ation" → "ate"), keeping at least three letters and a
vowel; a doubled final consonant left behind is undoubled ("shipp" → "ship", except "ll",
"ss", "zz"), a final "e" is dropped ("take" and "taking" → "tak") and a final consonant +
"y" becomes "i" ("delivery" → "deliveri").

Norwegian (:func:`stem_nb`): Snowball's three steps in a region after the first three
letters: the longest of the inflection endings ("hetene", "ene", "ane", "en", "er", "et",
"a", "e", …; "erte"/"ert" → "er"; "s" after a letter that may take it), then "dt"/"vt" →
"d"/"v", then a derivational ending ("lig", "els", "leg", …).
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterable, Sequence
from enum import StrEnum

__all__ = [
    "STOP_WORDS",
    "SearchLanguage",
    "fold",
    "guess_language",
    "spans",
    "stem",
    "stem_en",
    "stem_nb",
    "words",
]

_WORD = re.compile(r"[^\W_]+")
# Letters Unicode does not decompose into a base letter and a mark.
_FOLD_TABLE = str.maketrans(
    {"ø": "o", "æ": "ae", "œ": "oe", "đ": "d", "ð": "d", "ł": "l", "þ": "th", "ı": "i"}
)
_VOWELS = frozenset("aeiouy")


class SearchLanguage(StrEnum):
    EN = "en"
    NB = "nb"


def fold(word: str) -> str:
    """The comparison form of one word: no accents, case-folded (``"Pässord"`` → ``"passord"``)."""
    decomposed = unicodedata.normalize("NFKD", word.casefold())
    bare = "".join(char for char in decomposed if not unicodedata.combining(char))
    return bare.translate(_FOLD_TABLE)


def spans(text: str) -> Iterable[tuple[int, int, str]]:
    """Each word of ``text`` (already NFC-normalised): its start, end and folded form."""
    for match in _WORD.finditer(text):
        yield match.start(), match.end(), fold(match.group())


def words(text: str) -> list[str]:
    """The folded words of ``text``, in order."""
    return [folded for _, _, folded in spans(unicodedata.normalize("NFC", text))]


# Folded (no accents: "nar" is "når", "pa" is "på"); one string each, easy to read and edit.
_EN_STOP = """a about after all also am an and any are as at be been before being but by can
        cannot could did do does doing done for from get gets got had has have having he her
        here hers him his how i if in into is it its just me might more most must my no not
        of on once only or our ours out please so some such than that the their them then
        there these they this those to too up us very was we were what when where which while
        who whom why will with would you your yours"""
_NB_STOP = """alle at av bare ble blir bli da de deg dem den denne der deres det dette di din
        disse dit ditt du eller en er et etter for fra ha hadde han hans har hva hvem hvis
        hvor hvordan hvorfor i ikke inn jeg kan kunne man mange med meg men mer min mine mitt
        mot na nar noe noen og om opp oss pa seg selv sin sine sitt skal skulle slik som
        til ut var vi vil ville vaere vart"""
STOP_WORDS: dict[SearchLanguage, frozenset[str]] = {
    SearchLanguage.EN: frozenset(_EN_STOP.split()),
    SearchLanguage.NB: frozenset(_NB_STOP.split()),
}


def guess_language(found: Sequence[str]) -> SearchLanguage | None:
    """The language whose stop words ``found`` (folded words) uses more; ``None`` when
    neither wins."""
    english = sum(1 for word in found if word in STOP_WORDS[SearchLanguage.EN])
    norwegian = sum(1 for word in found if word in STOP_WORDS[SearchLanguage.NB])
    if english > norwegian:
        return SearchLanguage.EN
    if norwegian > english:
        return SearchLanguage.NB
    return None


# ---------------------------------------------------------------- English


_EN_ENDINGS: tuple[tuple[str, str], ...] = (
    ("izational", "ize"),
    ("ational", "ate"),
    ("ization", "ize"),
    ("fulness", ""),
    ("iveness", "ive"),
    ("fully", ""),
    ("ingly", ""),
    ("ation", "ate"),
    ("edly", ""),
    ("ment", ""),
    ("ness", ""),
    ("ing", ""),
    ("ful", ""),
    ("ed", ""),
    ("ly", ""),
)
_UNDOUBLED = frozenset("bdfgmnprt")


def _has_vowel(text: str) -> bool:
    return any(char in _VOWELS for char in text)


def _plural(word: str) -> str:
    if word.endswith("'s"):
        word = word[:-2]
    if word.endswith("sses"):
        return word[:-2]
    if word.endswith("ies") and len(word) > 4:
        return word[:-2]
    if word.endswith(("ches", "shes", "xes")):
        return word[:-2]
    if word.endswith("s") and not word.endswith(("ss", "us", "is")):
        return word[:-1]
    return word


def stem_en(word: str) -> str:
    """A light English stem of one folded word (see the module docstring)."""
    if len(word) <= 3:
        return word
    word = _plural(word)
    for ending, replacement in _EN_ENDINGS:
        if word.endswith(ending):
            base = word[: -len(ending)]
            if len(base) >= 3 and _has_vowel(base):
                word = base + replacement
                if not replacement and base[-1] == base[-2] and base[-1] in _UNDOUBLED:
                    word = base[:-1]
            break
    if len(word) > 3 and word.endswith("e"):
        word = word[:-1]
    if len(word) > 3 and word.endswith("y") and word[-2] not in _VOWELS:
        word = word[:-1] + "i"
    return word


# ---------------------------------------------------------------- Norwegian (Bokmål)


# Snowball's Norwegian step 1, longest first.
_NB_STEP1 = (
    "hetenes",
    "hetene",
    "hetens",
    "endes",
    "heten",
    "heter",
    "ande",
    "edes",
    "ende",
    "enes",
    "ede",
    "ane",
    "ene",
    "ens",
    "ers",
    "ets",
    "het",
    "ast",
    "en",
    "ar",
    "er",
    "as",
    "es",
    "et",
    "a",
    "e",
)
_NB_S_AFTER = frozenset("bcdfghjlmnoprtvyz")
_NB_STEP3 = ("hetslov", "eleg", "elig", "elov", "slov", "leg", "eig", "lig", "els", "lov", "ig")


def _nb_region(word: str) -> int:
    """Where Snowball's R1 starts: after the first non-vowel that follows a vowel, but not
    before the fourth letter."""
    for index in range(1, len(word)):
        if word[index] not in _VOWELS and word[index - 1] in _VOWELS:
            return max(index + 1, 3)
    return len(word)


def stem_nb(word: str) -> str:
    """A light Norwegian (Bokmål) stem of one folded word (see the module docstring)."""
    region = _nb_region(word)
    tail = word[region:]
    if tail.endswith(("erte", "ert")):
        word = word[: -len("erte" if tail.endswith("erte") else "ert")] + "er"
    else:
        for ending in _NB_STEP1:
            if tail.endswith(ending):
                word = word[: -len(ending)]
                break
        else:
            if tail.endswith("s") and (
                word[-2:-1] in _NB_S_AFTER or (word.endswith("ks") and word[-3:-2] not in _VOWELS)
            ):
                word = word[:-1]
    if word[region:].endswith(("dt", "vt")):
        word = word[:-1]
    for ending in _NB_STEP3:
        if word[region:].endswith(ending):
            return word[: -len(ending)]
    return word


def stem(word: str, language: SearchLanguage) -> str:
    """The stem of one folded word in ``language``."""
    return stem_en(word) if language is SearchLanguage.EN else stem_nb(word)
