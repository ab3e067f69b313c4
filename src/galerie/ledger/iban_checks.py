"""Payout accounts that look wrong: a seller's IBAN that is the operator's own account
(GALERIE_OPERATOR_IBAN) or another seller's. A payout to either would pay the wrong party, so
``galerie payouts run`` and the back office's money page warn about them (they do not block:
two shops of one trader may share an account, and only a person can tell)."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

from django.conf import settings
from django.db.models import Count, Value
from django.db.models.functions import Replace, Upper

from galerie.sellers.models import Seller


def iban_compact(value: str) -> str:
    """The IBAN without spaces, in capitals (the form sellers' IBANs are stored in)."""
    return "".join((value or "").split()).upper()


@dataclass(frozen=True)
class IbanWarning:
    seller_id: int
    seller_name: str
    iban: str
    is_operators: bool  # the operator's own account
    shared_with: tuple[str, ...]  # names of the other sellers with the same IBAN

    def describe(self) -> str:
        """One line in English for the CLI (the back office's template words its own)."""
        problems = []
        if self.is_operators:
            problems.append("is the operator's own account (GALERIE_OPERATOR_IBAN)")
        if self.shared_with:
            problems.append(f"is also the IBAN of {', '.join(self.shared_with)}")
        return f"seller {self.seller_id} {self.seller_name}: IBAN {self.iban} {' and '.join(problems)}"


def payout_iban_warnings(*, seller_ids: Iterable[int] | None = None) -> list[IbanWarning]:
    """Return a warning for each seller (or each of ``seller_ids``) whose IBAN is the operator's
    or another seller's, by seller id. Two queries, whatever the number of sellers."""
    operator = iban_compact(getattr(settings, "GALERIE_OPERATOR_IBAN", ""))
    sellers = Seller.objects.exclude(iban="").annotate(compact=Replace(Upper("iban"), Value(" "), Value("")))
    shared = set(
        sellers.order_by()
        .values("compact")
        .annotate(n=Count("id"))
        .filter(n__gt=1)
        .values_list("compact", flat=True)
    )
    suspicious = shared | ({operator} if operator else set())
    if not suspicious:
        return []
    rows = list(
        sellers.filter(compact__in=suspicious).order_by("pk").values_list("pk", "display_name", "compact")
    )
    wanted = set(seller_ids) if seller_ids is not None else None
    warnings = []
    for pk, name, iban in rows:
        if wanted is not None and pk not in wanted:
            continue
        others = tuple(n for p, n, i in rows if i == iban and p != pk)
        warnings.append(
            IbanWarning(
                seller_id=pk, seller_name=name, iban=iban, is_operators=iban == operator, shared_with=others
            )
        )
    return warnings
