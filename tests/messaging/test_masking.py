"""Masking contact details (galerie/messaging/masking.py): examples, then properties (Hypothesis)
over generated e-mail addresses, phone numbers, IBANs and links, and over ordinary text that
must come out unchanged (docs/messaging.md lists the trade-offs these encode)."""

from __future__ import annotations

import re

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from galerie.messaging.masking import MASK, iban_valid, mask

HOSTS = ["pageplume.galerie.test", "galerie.test"]


@pytest.mark.parametrize(
    "text",
    [
        "jean.dupont@gmail.com",
        "Jean.Dupont+colis@orange.fr",
        "jean [at] gmail [dot] com",
        "jean(at)gmail(dot)com",
        "jean at gmail dot com",
        "jean arobase orange point fr",
        "06 12 34 56 78",
        "06.12.34.56.78",
        "06-12-34-56-78",
        "0612345678",
        "06 1234 5678",
        "+33 6 12 34 56 78",
        "+33 (0)6 12 34 56 78",
        "+33612345678",
        "0033 6 12 34 56 78",
        "+44 20 7946 0958",
        "+1 415 555 2671",
        "+49 30 12345678",
        "https://www.leboncoin.fr/annonce/123",
        "http://example.com",
        "www.boutique-jean.fr",
        "boutique-jean.fr",
        "bit.ly/abc123",
        "FR76 3000 6000 0112 3456 7890 189",
        "FR7630006000011234567890189",
        "DE89 3704 0044 0532 0130 00",
        "GB82 WEST 1234 5698 7654 32",
    ],
)
def test_each_kind_of_contact_detail_is_masked_whole(text):
    sentence = f"Écrivez-moi : {text} merci"
    assert mask(sentence, allowed_hosts=HOSTS) == f"Écrivez-moi : {MASK} merci"


@pytest.mark.parametrize(
    "text",
    [
        "Le colis part le 05/12/2026 à 14h30.",
        "Livré le 2026-12-05, commande PA2612-ABC234-1.",
        "Prix : 19,90 € (1 234,56 € le lot), soit €12.50 de port.",
        "Suivi Colissimo 6A12345678901, UPS 1Z999AA10123456784.",
        "75011 Paris, 3 rue des Lilas, bâtiment B.",
        "Notice en PDF (notice.pdf), 3.5kg, version v1.2, taille 42.",
        "Mon SIRET est 123 456 789 00012.",
        "See https://pageplume.galerie.test/p/le-livre/ and www.galerie.test/terms/",
        "Tracking 0123-ABCD, réf. AB12-CD34.",
        "Il est 12.30, le 05.12.2026.",
    ],
)
def test_ordinary_text_is_left_alone(text):
    assert mask(text, allowed_hosts=HOSTS) == text


def test_a_date_followed_by_a_time_with_dots_is_the_known_false_positive():
    # 05.12.2026 14.30 has ten digits from a 0: it reads as 05 12 20 26 14 (docs/messaging.md).
    assert MASK in mask("le 05.12.2026 14.30")


def test_a_link_to_the_marketplace_stays_and_a_trailing_full_stop_is_kept():
    assert mask("Voir https://pageplume.galerie.test/p/x/.", allowed_hosts=HOSTS) == (
        "Voir https://pageplume.galerie.test/p/x/."
    )
    assert mask("Voir https://evil.test.com/x.", allowed_hosts=HOSTS) == f"Voir {MASK}."
    # A look-alike host is not the marketplace's.
    assert mask("galerie.test.evil.com", allowed_hosts=HOSTS) == MASK


def test_an_iban_with_a_wrong_check_is_not_masked_and_the_check_is_iso_13616():
    assert iban_valid("FR76 3000 6000 0112 3456 7890 189")
    assert not iban_valid("FR76 3000 6000 0112 3456 7890 188")
    assert mask("FR76 3000 6000 0112 3456 7890 188") == "FR76 3000 6000 0112 3456 7890 188"


# --- properties ------------------------------------------------------------------------------

# Independent detectors: what must never be left in a masked text.
EMAIL_LEFT = re.compile(r"[\w.+-]+@[\w-]+\.[\w.-]+")


def digits(text: str) -> str:
    return re.sub(r"\D", "", text)


local = st.from_regex(r"[a-z][a-z0-9]{0,8}(?:[._+][a-z0-9]{1,6})?", fullmatch=True)
domain = st.from_regex(r"[a-z][a-z0-9-]{0,10}[a-z0-9]", fullmatch=True)
tld = st.sampled_from(["com", "fr", "net", "org", "eu", "de", "io", "co.uk"])
emails = st.builds(lambda a, b, c: f"{a}@{b}.{c}", local, domain, tld)
separator = st.sampled_from(["", " ", ".", "-", "\u00a0"])
pairs = st.lists(st.integers(0, 99), min_size=4, max_size=4)


@st.composite
def french_phones(draw) -> tuple[str, str]:
    """(as typed, its nine significant digits)."""
    first = draw(st.integers(1, 9))
    rest = draw(pairs)
    sep = draw(separator)
    body = f"{first}" + "".join(f"{sep}{n:02d}" for n in rest)
    significant = f"{first}" + "".join(f"{n:02d}" for n in rest)
    style = draw(st.sampled_from(["0", "+33 ", "+33", "0033 ", "+33 (0)"]))
    return f"{style}{body}", significant


@st.composite
def international_phones(draw) -> tuple[str, str]:
    country = draw(st.sampled_from(["1", "32", "41", "44", "49", "34", "39", "352"]))
    # E.164: at most 15 digits with the country code; at least 8 here (shorter are not masked).
    size = draw(st.integers(8 - len(country), 15 - len(country)))
    body = draw(st.from_regex(rf"[1-9][0-9]{{{size - 1}}}", fullmatch=True))
    sep = draw(separator)
    cuts = sorted(draw(st.sets(st.integers(1, size - 1), max_size=4)))
    number = sep.join(body[a:b] for a, b in zip([0, *cuts], [*cuts, size], strict=True))
    return f"+{country} {number}", body


words = st.lists(
    st.sampled_from(
        [
            "Bonjour",
            "le",
            "colis",
            "est",
            "parti",
            "merci",
            "commande",
            "19,90 €",
            "75011",
            "Paris",
            "à",
            "14h30",
        ]
    ),
    max_size=6,
).map(" ".join)


@settings(max_examples=200, deadline=None)
@given(before=words, address=emails, after=words)
def test_no_email_address_survives(before, address, after):
    masked = mask(f"{before} {address} {after}")
    assert not EMAIL_LEFT.search(masked)
    assert address not in masked


@settings(max_examples=200, deadline=None)
@given(before=words, phone=st.one_of(french_phones(), international_phones()), after=words)
def test_no_phone_number_survives(before, phone, after):
    typed, significant = phone
    masked = mask(f"{before} {typed} {after}")
    assert significant not in digits(masked), (typed, masked)
    assert MASK in masked


@settings(max_examples=200, deadline=None)
@given(text=st.text(alphabet=st.characters(blacklist_categories=("Cs",)), max_size=200))
def test_masking_is_idempotent_and_leaves_no_address(text):
    once = mask(text)
    assert mask(once) == once
    assert not EMAIL_LEFT.search(once)


prices = st.builds(lambda e, c: f"{e},{c:02d} €", st.integers(0, 99_999), st.integers(0, 99))
dates = st.dates().map(
    lambda d: st.sampled_from([d.strftime("%d/%m/%Y"), d.isoformat(), d.strftime("%d.%m.%Y")])
)
order_numbers = st.from_regex(r"[A-Z]{2}[0-9]{4}-[A-HJ-NP-Z2-9]{6}(?:-[1-9])?", fullmatch=True)
postal = st.from_regex(r"[0-9]{5}", fullmatch=True).map(lambda code: f"{code} Lyon")
quantities = st.integers(0, 10_000).map(str)


@settings(max_examples=300, deadline=None)
@given(
    parts=st.lists(
        st.one_of(prices, dates.flatmap(lambda s: s), order_numbers, postal, quantities, words),
        min_size=1,
        max_size=3,
    )
)
def test_ordinary_text_comes_out_unchanged(parts):
    # Joined by words: a date and a number side by side with dots could read as a phone number.
    text = " et ".join(parts)
    assert mask(text) == text
