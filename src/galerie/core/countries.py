"""The countries of ISO 3166-1, named in a language and sorted the way its readers sort.

Babel's territory list (from CLDR) also holds regions and codes that are not countries: the
pseudo-locales XA/XB, the European Union (EU), the euro area (EZ), the United Nations (UN),
"Outlying Oceania" (QO), "unknown region" (ZZ), Kosovo's user-assigned XK and the codes ISO
reserves without assigning them (AC, CP, CQ, DG, EA, IC, TA). Only the 249 officially
assigned alpha-2 codes remain (docs/countries.md).
"""

from __future__ import annotations

import unicodedata

from babel import Locale, UnknownLocaleError

NOT_ISO_3166_1 = frozenset(
    {"AC", "CP", "CQ", "DG", "EA", "EU", "EZ", "IC", "QO", "TA", "UN", "XA", "XB", "XK", "ZZ"}
)
COUNTRIES: frozenset[str] = frozenset(
    code
    for code in Locale("en").territories
    if isinstance(code, str) and len(code) == 2 and code.isalpha() and code not in NOT_ISO_3166_1
)


def _locale(language: str) -> Locale:
    try:
        return Locale.parse(language or "en", sep="-" if "-" in (language or "") else "_")
    except (ValueError, UnknownLocaleError):
        return Locale("en")


def collation_key(text: str) -> tuple[str, str]:
    """Sort key that ignores accents and case first (É sorts with E), as French and English do."""
    base = "".join(c for c in unicodedata.normalize("NFKD", text) if not unicodedata.combining(c))
    return (base.casefold(), text)


def country_name(code: str, language: str) -> str:
    """The name of the country ``code`` in ``language`` (the code itself when unknown)."""
    return str(_locale(language).territories.get(str(code).upper(), code))


def country_choices(language: str) -> list[tuple[str, str]]:
    """(code, name) of every ISO 3166-1 country, named in ``language`` and sorted by name."""
    names = _locale(language).territories
    return sorted(
        ((code, names.get(code, code)) for code in COUNTRIES), key=lambda pair: collation_key(pair[1])
    )
