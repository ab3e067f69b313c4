"""The normal forms matching compares: identifiers, brand names, titles, attribute values.

Every function here is pure and idempotent (normalising a normal form gives it back): the
catalog side and the incoming side go through the same function, so equality of the forms is
what "the same" means (docs/product-matching.md).
"""

from __future__ import annotations

import re
import unicodedata
from typing import Any

from django.core.exceptions import ValidationError
from stdnum import isbn

from galerie.core.identifiers import clean_gtin, gtin_compact

_LIGATURES = str.maketrans({"œ": "oe", "æ": "ae", "ß": "ss", "ø": "o", "đ": "d", "ł": "l", "ı": "i"})
_COMBINING = re.compile(r"[\u0300-\u036f\u1ab0-\u1aff\u1dc0-\u1dff\u20d0-\u20ff\ufe20-\ufe2f]")
_DECIMAL_COMMA = re.compile(r"(?<=[0-9]),(?=[0-9])")
_INCH_MARK = re.compile(r"(?<=[0-9])\s*(?:\"|''|”|″)")
_TOKEN = re.compile(r"[a-z0-9]+(?:\.[0-9]+)*")
_NUMBER = re.compile(r"[0-9]+(?:\.[0-9]+)?")
_NUMBER_UNIT = re.compile(r"([0-9]+(?:\.[0-9]+)?)([a-z]+)")

# Short on purpose: words that carry no meaning in a product title, in French and English.
STOP_WORDS = frozenset({
    "a", "au", "aux", "avec", "ce", "ces", "d", "dans", "de", "des", "du", "en", "et", "l", "la", "le",
    "les", "ou", "par", "pour", "sa", "se", "ses", "son", "sur", "un", "une",
    "an", "and", "at", "by", "for", "from", "in", "into", "of", "on", "or", "the", "to", "with",
})  # fmt: skip

# A unit's spellings → one spelling, taken only after a number ("128 Go" = "128GB" = "128 gb").
UNITS = {
    "go": "gb", "gb": "gb", "gio": "gb", "gib": "gb", "gigaoctets": "gb", "gigaoctet": "gb",
    "to": "tb", "tb": "tb", "tio": "tb", "tib": "tb", "teraoctets": "tb",
    "mo": "mb", "mb": "mb", "mio": "mb", "mib": "mb", "megaoctets": "mb",
    "ko": "kb", "kb": "kb",
    "mah": "mah", "wh": "wh", "w": "w", "kw": "kw", "v": "v", "hz": "hz", "khz": "khz", "mhz": "mhz",
    "ghz": "ghz",
    "mm": "mm", "cm": "cm", "m": "m", "km": "km",
    "in": "in", "inch": "in", "inches": "in", "pouce": "in", "pouces": "in", "po": "in",
    "g": "g", "gr": "g", "grammes": "g", "gramme": "g", "kg": "kg", "mg": "mg",
    "ml": "ml", "cl": "cl", "dl": "dl", "l": "l", "litre": "l", "litres": "l", "liter": "l", "liters": "l",
    "pcs": "pcs", "pieces": "pcs", "x": "x",
}  # fmt: skip

# Legal forms a brand name may carry: "Samsung Electronics GmbH" is "Samsung Electronics".
LEGAL_SUFFIXES = frozenset({
    "sa", "sas", "sasu", "sarl", "eurl", "sci", "snc", "scop", "gmbh", "ag", "kg", "ug", "inc",
    "incorporated", "corp", "corporation", "co", "company", "ltd", "limited", "llc", "llp", "plc",
    "bv", "nv", "srl", "spa", "sl", "sp", "oy", "ab", "as", "aps", "kk", "pty", "group", "groupe",
})  # fmt: skip


def fold(text: str) -> str:
    """Return ``text`` lower-cased, accents and ligatures spelled out: "Électroménager" → "electromenager"."""
    lowered = text.lower()
    if lowered.isascii():
        return lowered
    return _COMBINING.sub("", unicodedata.normalize("NFKD", lowered.translate(_LIGATURES))).lower()


def _number(text: str) -> str:
    """Return a decimal number without trailing zeros: "1.50" → "1.5", "2.0" → "2"."""
    if "." in text:
        text = text.rstrip("0").rstrip(".") or "0"
    return text


def _pass(raw: list[str]) -> list[str]:
    out: list[str] = []
    i = 0
    while i < len(raw):
        word = raw[i]
        if _NUMBER.fullmatch(word):
            number = _number(word)
            unit = UNITS.get(raw[i + 1]) if i + 1 < len(raw) else None
            if unit:
                out.append(number + unit)
                i += 2
                continue
            out.append(number)
        elif (glued := _NUMBER_UNIT.fullmatch(word)) and glued.group(2) in UNITS:
            out.append(_number(glued.group(1)) + UNITS[glued.group(2)])
        elif word not in STOP_WORDS:
            out.append(word)
        i += 1
    return out


def tokens(text: str) -> list[str]:
    """Return the normalised words of ``text``, in order: folded, units spelled one way and
    joined to their number ("128 Go" → "128gb"), stop words dropped.

    Passes repeat until nothing changes ("5 de Go": the stop word goes, then "5" meets its
    unit), so that the result is a fixed point: normalising it again gives it back.
    """
    folded = _INCH_MARK.sub(" in ", _DECIMAL_COMMA.sub(".", fold(text)))
    words = _pass(_TOKEN.findall(folded))
    while (again := _pass(words)) != words:
        words = again
    return words


def title_key(text: str) -> str:
    """Return a title's normal form: its normalised words, space-separated, in their order."""
    return " ".join(tokens(text))


def brand_key(name: str) -> str:
    """Return a brand name's normal form: folded, no punctuation, no legal form.

    "L'Oréal S.A." → "loreal"; "Samsung Electronics GmbH" → "samsung electronics". Dots and
    apostrophes are dropped inside words ("S.A." is "sa"), other punctuation splits words.
    """
    folded = re.sub(r"(?<=\w)[.'’](?=\w)", "", fold(name)).replace("&", " and ")
    words = re.findall(r"[a-z0-9]+", folded)
    while len(words) > 1 and words[-1] in LEGAL_SUFFIXES:
        words.pop()
    return " ".join(words)


def attribute_value_key(value: Any) -> str:
    """Return an attribute value's normal form: "128 Go" = "128GB", "Noir" = "noir", 2.0 = "2"."""
    if isinstance(value, bool):
        return "yes" if value else "no"
    if isinstance(value, (list, tuple)):
        return " ".join(sorted(attribute_value_key(item) for item in value))
    return " ".join(tokens(str(value))) if not isinstance(value, (int, float)) else _number(str(value))


def identifier_key(value: str) -> str | None:
    """Return the catalog's stored form of a GTIN, EAN, UPC or ISBN (10 or 13, hyphens or not),
    or None when it is not a valid one: ISBN-10s become their ISBN-13, then :func:`clean_gtin`."""
    compact = gtin_compact(str(value)).upper()
    if not compact:
        return None
    if len(compact) == 10:
        try:
            compact = isbn.to_isbn13(isbn.validate(compact))
        except Exception:
            return None
    try:
        return clean_gtin(compact)
    except ValidationError:
        return None
