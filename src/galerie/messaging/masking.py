"""Mask the contact details typed into a message: e-mail addresses, phone numbers, web addresses
outside the marketplace, IBANs (docs/messaging.md: what is caught, what is let through, why).

A pure function of the text: :func:`mask` replaces each contact detail with :data:`MASK`, a
token the pages and e-mails render in the reader's language (« [coordonnées masquées] »,
"[contact details hidden]"). The stored message holds the masked text only.
"""

from __future__ import annotations

import re
from collections.abc import Iterable

# What replaces a contact detail in the stored text; rendered per reader (templatetags).
MASK = "\u27e6masked\u27e7"  # ⟦masked⟧

# Top-level domains a bare host name ("boutique-jean.fr") is recognised by. A closed list: an
# open one would take "3.5kg" or "notice.pdf" for web addresses.
TLDS = (
    "com|net|org|fr|eu|de|be|ch|lu|nl|es|it|pt|uk|co|io|me|info|biz|shop|store|online|site|"
    "app|dev|xyz|ly|gl|ca|us|tv|paris|bzh|corsica|immo|email|link|page|club|top|pro"
)
_SEP = r"[ \u00a0.\-]"  # between the digits of a phone number: space, no-break space, dot, dash

_EMAIL = re.compile(
    r"[\w.+\-]+\s*(?:@|[(\[{]\s*(?:at|arobase)\s*[)\]}])\s*[\w\-]+"
    r"(?:\s*(?:\.|[(\[{]\s*(?:dot|point)\s*[)\]}])\s*[\w\-]+)+",
    re.IGNORECASE,
)
# "jean at gmail dot com", "jean arobase orange point fr": words only around a known domain.
_EMAIL_WORDS = re.compile(
    rf"[\w.+\-]+\s+(?:at|arobase)\s+[\w\-]+(?:\s+(?:dot|point)\s+[\w\-]+)*\s+(?:dot|point)\s+(?:{TLDS})\b",
    re.IGNORECASE,
)
_URL = re.compile(
    rf"(?:\b(?:https?|ftp)://|\bwww\.)[^\s<>\"']+"
    rf"|\b(?:[a-z0-9](?:[a-z0-9\-]*[a-z0-9])?\.)+(?:{TLDS})\b(?::\d+)?(?:/[^\s<>\"']*)?",
    re.IGNORECASE,
)
# International: + or 00, a country code, 8 to 14 more digits with single separators; "(0)" too.
_PHONE_INTL = re.compile(rf"(?<![\w+])(?:\+|00)\s?[1-9](?:{_SEP}?\(?\d\)?){{7,14}}(?!\d)")
# French national: 0 then 9 digits, grouped any way with single separators (06 12 34 56 78,
# 06.12.34.56.78, 0612345678, 06 1234 5678).
_PHONE_FR = re.compile(rf"(?<![\w.,/:])0[1-9](?:{_SEP}?\d){{8}}(?!\d)")
# IBAN: country, check digits, 11 to 30 letters or digits in groups; kept only if its mod-97
# check holds (a mistyped one is no use to anyone, and the check spares product codes).
_IBAN = re.compile(r"\b[A-Z]{2}\d{2}(?:[ ]?[A-Z0-9]){11,30}\b", re.IGNORECASE)


def iban_valid(candidate: str) -> bool:
    """Whether ``candidate`` (spaces allowed) passes the IBAN mod-97 check (ISO 13616)."""
    compact = candidate.replace(" ", "").upper()
    if not 15 <= len(compact) <= 34:
        return False
    digits = "".join(str(int(ch, 36)) for ch in compact[4:] + compact[:4])
    return int(digits) % 97 == 1


def _host_of(url: str) -> str:
    host = re.sub(r"^(?:[a-z]+://)", "", url, flags=re.IGNORECASE)
    return re.split(r"[/:?#]", host, maxsplit=1)[0].lower().rstrip(".")


def _url_replacer(allowed_hosts: frozenset[str]):
    def replace(match: re.Match[str]) -> str:
        url = match.group(0)
        # A sentence's full stop or closing bracket is not part of the address.
        trailing = ""
        while url and url[-1] in ".,;:!?)]»":
            trailing = url[-1] + trailing
            url = url[:-1]
        host = _host_of(url)
        if host in allowed_hosts or any(host.endswith("." + allowed) for allowed in allowed_hosts):
            return match.group(0)
        return MASK + trailing

    return replace


def _iban_replace(match: re.Match[str]) -> str:
    # The pattern runs on into the next words ("… 189 merci"): keep the longest prefix that
    # passes the check, ending on a letter or digit.
    candidate = match.group(0)
    for end in range(len(candidate), 14, -1):
        head = candidate[:end]
        if head[-1] != " " and iban_valid(head) and (end == len(candidate) or candidate[end] == " "):
            return MASK + candidate[end:]
    return candidate


def mask(text: str, *, allowed_hosts: Iterable[str] = ()) -> str:
    """Return ``text`` with every e-mail address, phone number, IBAN and web address whose host is
    not one of ``allowed_hosts`` (the marketplace's own, and their subdomains) replaced by MASK.

    Idempotent: ``mask(mask(t)) == mask(t)``. Consecutive masks merge into one."""
    hosts = frozenset(h.lower() for h in allowed_hosts if h)
    text = _EMAIL.sub(MASK, text)
    text = _EMAIL_WORDS.sub(MASK, text)
    text = _URL.sub(_url_replacer(hosts), text)
    text = _IBAN.sub(_iban_replace, text)
    text = _PHONE_INTL.sub(MASK, text)
    text = _PHONE_FR.sub(MASK, text)
    return re.sub(rf"{MASK}(?:[ \u00a0]*{MASK})+", MASK, text)


def is_masked(original: str, masked: str) -> bool:
    """Whether masking changed anything."""
    return original != masked
