"""The terms of a text: PyStemmer (the compiled Snowball stemmers the indexer uses) stems every
word as the pure-Python ``snowballstemmer`` does, and the indexer's shortcuts (folding ASCII
text without decomposing it, the stems kept per language, an entry's body stemmed part by part)
give the terms the plain definition gives."""

from __future__ import annotations

import re
import unicodedata

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from snowballstemmer.english_stemmer import EnglishStemmer
from snowballstemmer.french_stemmer import FrenchStemmer

from galerie.search import text

PURE = {"fr": FrenchStemmer(), "en": EnglishStemmer()}

FRENCH = """
    électroménager réfrigérateur congélateur lave-vaisselle aspirateur cafetière bouilloire
    chaussures chaussettes pantalons vêtements manteaux écharpes bijoux colliers bracelets
    livres romans policiers enquêtes commissaire mystères histoire historiques géographie
    cheval chevaux travail travaux journal journaux animal animaux bateau bateaux œil yeux
    mangeons mangeaient mangerions finissaient finissons choisirent aperçu aperçoivent
    nationalisation nationalement internationales gouvernementales anticonstitutionnellement
    heureusement heureuses lentement précisément évidemment couramment abondamment
    créatrice créateurs créations ingénieur ingénieuse ingénieusement maîtresse maîtrise
    qu'il jusqu'à aujourd'hui presqu'île d'occasion l'éditeur français française françaises
    garçon noël naïve hôtel forêt août ambiguë ambiguïté canoë citoyenneté égalité fraternité
    téléphones ordinateurs portables écrans pouces mémoire vive processeur cuisine équipée
    jardin maison tondeuse perceuse visseuse marteau tournevis ampoule lampadaire
    y ii iii a à ô ou où ça été êtes étaient sommes furent fûmes
"""

ENGLISH = """
    running runner runs ran easily fairly generously generation generations generalization
    happiness happily happier happiest national nationality nationalization relational
    conditional rational valency hesitancy digitizer conformability radically differently
    vileness analogously vietnamization predication operator feudalism decisiveness
    hopefulness callousness formality sensitivity sensibility triplicate formative formalize
    electricity electrical goodness cats ponies caresses ties sky news dying lying tying
    skis skies idly gently ugly early only singly inning outing canning herring earring
    proceed exceed succeed generous generously arsenal communism communities universe
    universal university commune communicate cookbooks laptops headphones keyboards mice
    knives wolves children women books novels crimes mysteries kitchen equipped garden
    y yy a i is as us the of ll's dog's dogs' cat's
"""


def _words(sample: str) -> list[str]:
    return sorted({w for w in text.words(sample)} | {w.lower() for w in sample.split()})


@pytest.mark.parametrize(("language", "sample"), [("fr", FRENCH), ("en", ENGLISH)])
def test_pystemmer_stems_every_word_as_the_pure_python_stemmer(language, sample):
    words = _words(sample)
    assert len(words) > 100
    compiled = text._stemmer(language)
    assert [compiled.stemWord(w) for w in words] == [PURE[language].stemWord(w) for w in words]
    # And through the cache, twice (the second time from it).
    for _ in range(2):
        assert [text.stem(w, language) for w in words] == [
            w if w.isdigit() else PURE[language].stemWord(w) for w in words
        ]


def test_the_stems_are_those_of_the_snowball_algorithms():
    """A few stems known from the algorithms' descriptions: the comparison above compares
    two stemmers, this one pins them to Snowball."""
    assert [text.stem(w, "fr") for w in ["chevaux", "continuellement", "mangeons"]] == [
        "cheval",
        "continuel",
        "mangeon",
    ]
    assert [text.stem(w, "en") for w in ["generously", "ponies", "running"]] == [
        "generous",
        "poni",
        "run",
    ]


WORD_CHARS = st.sampled_from("abcdefghijklmnopqrstuvwxyzàâäçéèêëîïôöùûüÿœæ0123456789'")


@settings(max_examples=400, deadline=None)
@given(words=st.lists(st.text(WORD_CHARS, min_size=1, max_size=20), min_size=1, max_size=20))
def test_random_words_stem_alike(words):
    for language in ("fr", "en"):
        compiled = text._stemmer(language)
        assert [compiled.stemWord(w) for w in words] == [PURE[language].stemWord(w) for w in words]


@settings(max_examples=200, deadline=None)
@given(digits=st.text("0123456789", min_size=1, max_size=14))
def test_digits_are_kept_as_they_are(digits):
    assert text.stem(digits, "fr") == digits == text.stem(digits, "en")
    assert text.terms(digits, "fr") == [digits]


# Text as catalogues and customers write it: accents, ligatures, capitals, punctuation,
# combining marks, compatibility forms (ﬁ, ², ½), other scripts.
TEXT = st.text(
    st.one_of(
        st.sampled_from("AaBbÉéÈèÇçŒœÆæßØøĐđŁłİıΣσς ,.;:'-’/½²ﬁ\u0301\u0327\u00a0\t"),
        st.characters(codec="utf-8"),
    ),
    max_size=60,
)


def _fold_reference(value: str) -> str:
    """Folding as first written: ligatures spelt out, decomposed, every combining mark dropped."""
    decomposed = unicodedata.normalize("NFKD", value.lower().translate(text.LIGATURES))
    return "".join(c for c in decomposed if not (unicodedata.combining(c) and ord(c) < 0x10000))


def _terms_reference(value: str, language: str) -> list[str]:
    stop = text.stop_words(language)
    pure = PURE[text._language(language)]
    return [
        w if w.isdigit() else pure.stemWord(w)
        for w in re.findall(r"[a-z0-9]+", _fold_reference(value))
        if w not in stop
    ]


@settings(max_examples=400, deadline=None)
@given(value=TEXT)
def test_folding_and_terms_match_their_plain_definition(value):
    assert text.fold(value) == _fold_reference(value)
    for language in ("fr", "en", "fr-CA"):
        assert text.terms(value, language) == _terms_reference(value, language)


@settings(max_examples=400, deadline=None)
@given(parts=st.lists(TEXT, max_size=6))
def test_the_terms_of_texts_joined_are_the_terms_of_each_in_turn(parts):
    """What the indexer relies on to stem an entry's body part by part (search/services.py)."""
    for language in ("fr", "en"):
        joined = text.terms(" ".join(parts), language)
        assert joined == [term for part in parts for term in text.terms(part, language)]
        assert text.words(" ".join(parts)) == [w for part in parts for w in text.words(part)]


def test_the_stems_kept_are_bounded(monkeypatch):
    monkeypatch.setattr(text, "STEMS_KEPT", 3)
    monkeypatch.setattr(text, "_stems", {language: {} for language in text.STEMMERS})
    assert text.terms("chevaux mangeons continuellement bateaux journaux", "fr") == [
        "cheval",
        "mangeon",
        "continuel",
        "bateau",
        "journal",
    ]
    assert len(text._stems["fr"]) <= 3
