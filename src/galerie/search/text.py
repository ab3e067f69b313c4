"""How text becomes search terms, the same for the index and for a query, on every database.

Words are folded (lower case, accents and ligatures removed: "Électroménager" → "electromenager"),
stop words dropped, then stemmed by the Snowball stemmer of the storefront's language (the
algorithm PostgreSQL's ``french`` and ``english`` dictionaries use; PyStemmer, the Snowball
stemmers compiled, which give the same stems as the pure-Python ``snowballstemmer`` —
tests/search/test_text.py — several times faster). Folding comes first, so a customer who
types without accents finds the accented titles (docs/search.md).
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterable
from functools import lru_cache
from typing import Any

import Stemmer

from galerie.core.identifiers import GTIN_LENGTHS, gtin_compact, gtin_key

WORD = re.compile(r"[a-z0-9]+")
LIGATURES = str.maketrans({"œ": "oe", "æ": "ae", "ß": "ss", "ø": "o", "đ": "d", "ł": "l"})

# Short lists on purpose: only words that carry no meaning in a product title.
STOP_WORDS = {
    "fr": frozenset({
        "a", "au", "aux", "avec", "ce", "ces", "d", "dans", "de", "des", "du", "en", "et", "l", "la", "le",
        "les", "leur", "leurs", "ou", "par", "pour", "sa", "se", "ses", "son", "sur", "un", "une",
    }),
    "en": frozenset({
        "a", "an", "and", "at", "by", "for", "from", "in", "into", "of", "on", "or", "the", "to", "with",
    }),
}  # fmt: skip
STEMMERS = {"fr": "french", "en": "english"}


# The combining marks of the Basic Multilingual Plane (accents once decomposed): one regex
# pass removes them, instead of a test per character (folding is the indexer's hot spot).
COMBINING = re.compile(
    "[" + "".join(re.escape(chr(c)) for c in range(0x300, 0x10000) if unicodedata.combining(chr(c))) + "]"
)


def fold(text: str) -> str:
    """Return ``text`` in lower case without accents: the form every comparison uses."""
    lowered = text.lower()
    if lowered.isascii():  # no ligature to spell out, nothing to decompose
        return lowered
    return COMBINING.sub("", unicodedata.normalize("NFKD", lowered.translate(LIGATURES)))


def words(text: str) -> list[str]:
    """Return the folded words of ``text``, in order: letters and digits, nothing else."""
    return WORD.findall(fold(text))


@lru_cache(maxsize=64)
def _language(language: str) -> str:
    base = language.split("-")[0].lower()
    return base if base in STEMMERS else "en"


@lru_cache(maxsize=8)
def _stemmer(language: str) -> Any:
    return Stemmer.Stemmer(STEMMERS[language])


# The stems met, per language: a catalogue repeats its words (a rebuild of the large seed meets
# about 40,000 distinct ones), and a dictionary look-up is cheaper than a call into the stemmer.
# Emptied when full: a long-lived process meets the words its customers type.
STEMS_KEPT = 500_000
_stems: dict[str, dict[str, str]] = {language: {} for language in STEMMERS}


def _stem_new(word: str, language: str) -> str:
    """Stem a word not in the cache of ``language`` (a base language) and remember it; digits
    are kept as they are, and not remembered (GTINs, years: rarely met twice)."""
    if word.isdigit():
        return word
    known = _stems[language]
    if len(known) >= STEMS_KEPT:
        known.clear()
    found = known[word] = _stemmer(language).stemWord(word)
    return found


def stem(word: str, language: str) -> str:
    """Return the stem of one folded word (digits are kept as they are)."""
    base = _language(language)
    if (found := _stems[base].get(word)) is None:
        found = _stem_new(word, base)
    return found


def stop_words(language: str) -> frozenset[str]:
    """Return the words of ``language`` that no search needs."""
    return STOP_WORDS[_language(language)]


def stems(folded: Iterable[str], language: str) -> list[str]:
    """Return the search terms of these folded words, in order: stop words dropped, the others
    stemmed (what ``terms`` does once the text is split; the indexer splits each part once)."""
    base = _language(language)
    stop, known = STOP_WORDS[base], _stems[base].get
    return [found if (found := known(w)) is not None else _stem_new(w, base) for w in folded if w not in stop]


def terms(text: str, language: str) -> list[str]:
    """Return the search terms of ``text``: folded, stop words dropped, stemmed."""
    return stems(words(text), language)


def terms_text(text: str, language: str) -> str:
    """Return the terms of ``text`` as one space-separated string, as the index stores them."""
    return " ".join(terms(text, language))


def trigrams(word: str) -> set[str]:
    """Return the trigrams of a folded word as PostgreSQL's pg_trgm makes them ("  w", " wo" …)."""
    padded = f"  {word} "
    return {padded[i : i + 3] for i in range(len(padded) - 2)}


def similarity(a: str, b: str) -> float:
    """Return pg_trgm's similarity of two folded words: shared trigrams over all trigrams."""
    ta, tb = trigrams(a), trigrams(b)
    return len(ta & tb) / len(ta | tb) if ta and tb else 0.0


ISBN_OR_EAN = re.compile(r"[0-9][0-9\- ]{6,20}[0-9xX]")


def as_gtin(text: str) -> str | None:
    """Return the GTIN a query names (EAN-8/13, UPC-A, ISBN-10 or -13, hyphens allowed), or None."""
    text = gtin_compact(text) if text.strip().startswith(("'", "\u2019")) else text.strip()
    if not ISBN_OR_EAN.fullmatch(text):
        return None
    compact = text.replace("-", "").replace(" ", "").upper()
    if len(compact) == 10 and compact[:9].isdigit():  # ISBN-10 → ISBN-13
        body = "978" + compact[:9]
        check = (10 - sum(int(d) * (1 if i % 2 == 0 else 3) for i, d in enumerate(body)) % 10) % 10
        return body + str(check)
    if compact.isdigit() and len(compact) in GTIN_LENGTHS:
        return gtin_key(compact)  # the catalog's form: a UPC-A finds its EAN-13 (docs/gtin.md)
    return None
