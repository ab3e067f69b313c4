"""The back office's seller quality settings of a storefront: deadlines in hours and days,
thresholds typed as percentages (two decimals) and kept in basis points. The service checks
the bounds; the form parses and labels."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from galerie.storefronts.models import Storefront

PERCENT_FIELDS = (
    "quality_min_acceptance_bp",
    "quality_max_late_bp",
    "quality_max_refusal_bp",
    "quality_max_refund_bp",
)


def _percent(label: Any) -> forms.DecimalField:
    return forms.DecimalField(
        label=label, min_value=Decimal(0), max_value=Decimal(100), max_digits=5, decimal_places=2
    )


class QualitySettingsForm(forms.Form):
    accept_within_hours = forms.IntegerField(
        label=_("Sellers accept within (hours)"),
        min_value=1,
        max_value=720,
        help_text=_("A seller order not accepted in time is cancelled and refunded."),
    )
    ship_within_days = forms.IntegerField(
        label=_("Sellers ship within (days of the order)"), min_value=1, max_value=60
    )
    incident_answer_hours = forms.IntegerField(
        label=_("Sellers answer incidents within (hours)"),
        min_value=1,
        max_value=720,
        help_text=_("An incident the seller has not answered in time goes to the back office."),
    )
    quality_window_days = forms.IntegerField(label=_("Quality window (days)"), min_value=7, max_value=365)
    quality_min_orders = forms.IntegerField(
        label=_("Orders before a seller is judged"), min_value=0, max_value=32767
    )
    quality_min_acceptance_bp = _percent(_("Lowest acceptance rate (%)"))
    quality_max_late_bp = _percent(_("Most late shipments (%)"))
    quality_max_refusal_bp = _percent(_("Most refusals (%)"))
    quality_max_refund_bp = _percent(_("Most refunds (%)"))

    @classmethod
    def for_storefront(cls, storefront: Storefront) -> QualitySettingsForm:
        initial: dict[str, Any] = {name: getattr(storefront, name) for name in cls.base_fields}
        for name in PERCENT_FIELDS:
            initial[name] = Decimal(initial[name]) / 100
        return cls(initial=initial)

    def settings(self) -> dict[str, int]:
        """The cleaned values as the storefront keeps them (basis points for the thresholds)."""
        data = self.cleaned_data
        return {
            name: int(data[name] * 100) if name in PERCENT_FIELDS else int(data[name])
            for name in self.base_fields
        }
