"""Test card numbers and the checks a provider makes on a card before charging it.

The full number is read, checked and dropped here: only its last four digits leave this module.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from typing import Any

from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_noop

from galerie.payments.errors import InvalidPaymentMethod


@dataclass(frozen=True)
class CardOutcome:
    """What the test provider answers for a card: authorized, requires_action, declined or failed."""

    status: str
    decline_code: str = ""
    decline_message: str = ""


SUCCEEDS = CardOutcome("authorized")
TEST_CARDS: dict[str, CardOutcome] = {
    "4242424242424242": SUCCEEDS,
    "4000000000000002": CardOutcome("declined", "card_declined", gettext_noop("Your card was declined.")),
    "4000000000009995": CardOutcome(
        "declined", "insufficient_funds", gettext_noop("Insufficient funds on this card.")
    ),
    "4000000000003220": CardOutcome("requires_action"),
    "4000000000000119": CardOutcome(
        "failed",
        "processing_error",
        gettext_noop("An error occurred while processing your card. Please try again in a moment."),
    ),
}
CANCELLED_CONFIRMATION = CardOutcome(
    "declined", "authentication_failed", gettext_noop("The payment was cancelled at the confirmation step.")
)


@dataclass(frozen=True)
class CheckedCard:
    last4: str
    brand: str
    outcome: CardOutcome


def _luhn_ok(digits: str) -> bool:
    total = 0
    for position, char in enumerate(reversed(digits)):
        value = int(char)
        if position % 2 == 1:
            value = value * 2 - 9 if value > 4 else value * 2
        total += value
    return total % 10 == 0


def _brand(digits: str) -> str:
    if digits.startswith("4"):
        return "visa"
    if digits[:2] in {"34", "37"}:
        return "amex"
    if 51 <= int(digits[:2]) <= 55 or 2221 <= int(digits[:4]) <= 2720:
        return "mastercard"
    return "card"


def _whole_number(value: Any) -> int | None:
    if isinstance(value, bool):
        return None
    if isinstance(value, int):
        return value
    if isinstance(value, str) and value.strip().isdigit():
        return int(value.strip())
    return None


def card_check(payment_method: Any, *, today: date | None = None) -> CheckedCard:
    """Check a card (Luhn key, expiry not past, 3-4 digit CVC); raise InvalidPaymentMethod per field.

    ``payment_method`` is ``{"type": "card", "number": "4242 4242 4242 4242", "exp_month": 12,
    "exp_year": 2030, "cvc": "123"}``. Error messages never repeat the number.
    """
    if not isinstance(payment_method, dict):
        raise InvalidPaymentMethod({"payment_method": [_("Give the card details.")]})
    if payment_method.get("type", "card") != "card":
        raise InvalidPaymentMethod({"type": [_("The test gateway only takes cards (type “card”).")]})
    errors: dict[str, list[str]] = {}

    raw = payment_method.get("number")
    digits = "".join(str(raw or "").split()).replace("-", "")
    if not digits:
        errors["number"] = [_("Enter the card number.")]
    elif not digits.isdigit():
        errors["number"] = [_("The card number may contain only digits and spaces.")]
    elif not 12 <= len(digits) <= 19:
        errors["number"] = [
            _("The card number is incomplete: it has %(n)s digits, a card has 12 to 19.") % {"n": len(digits)}
        ]
    elif not _luhn_ok(digits):
        errors["number"] = [_("The card number is not valid: its check digit is wrong (a typing mistake?).")]

    month = _whole_number(payment_method.get("exp_month"))
    year = _whole_number(payment_method.get("exp_year"))
    if year is not None and year < 100:
        year += 2000
    if month is None or not 1 <= month <= 12:
        errors["exp_month"] = [_("The expiry month must be a number from 1 to 12.")]
    if year is None or not 2000 <= year <= 2100:
        errors["exp_year"] = [_("The expiry year must be a year such as 2030.")]
    if "exp_month" not in errors and "exp_year" not in errors:
        today = today or timezone.localdate()
        if (year, month) < (today.year, today.month):
            errors["exp_year"] = [
                _("This card expired at the end of %(month)s/%(year)s.")
                % {"month": f"{month:02d}", "year": year}
            ]

    cvc = str(payment_method.get("cvc") or "").strip()
    if not (cvc.isdigit() and 3 <= len(cvc) <= 4):
        errors["cvc"] = [_("The security code (CVC) must be 3 or 4 digits.")]

    if errors:
        raise InvalidPaymentMethod(errors)
    return CheckedCard(last4=digits[-4:], brand=_brand(digits), outcome=TEST_CARDS.get(digits, SUCCEEDS))
