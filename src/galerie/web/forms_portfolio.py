"""The back office's form for the operator's costs per storefront and month (ledger.costs)."""

from __future__ import annotations

from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from galerie.core.money import Money, MoneyError
from galerie.ledger.models import StorefrontCost
from galerie.storefronts.models import Storefront


class StorefrontCostForm(forms.Form):
    """A cost: the amount is read as money (“1 250,00” or “1250.00”), with Decimal, in the
    storefront's currency; the month as ``YYYY-MM``."""

    storefront = forms.ModelChoiceField(
        label=_("Storefront"), queryset=Storefront.objects.order_by("name"), empty_label=None
    )
    month = forms.DateField(
        label=_("Month"),
        input_formats=["%Y-%m"],
        widget=forms.DateInput(attrs={"type": "month"}, format="%Y-%m"),
        error_messages={"invalid": _("Give the month as YYYY-MM, e.g. 2026-03.")},
    )
    kind = forms.ChoiceField(label=_("Kind of cost"), choices=StorefrontCost.Kind.choices)
    amount = forms.CharField(
        label=_("Amount"),
        max_length=20,
        help_text=_("In the storefront's currency, e.g. 1 250,00 or 1250.00."),
        widget=forms.TextInput(attrs={"inputmode": "decimal", "autocomplete": "off"}),
    )
    note = forms.CharField(label=_("Note"), max_length=200, required=False)
    cost_id = forms.IntegerField(required=False, widget=forms.HiddenInput, min_value=1)

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        storefront, text = data.get("storefront"), data.get("amount")
        if storefront is not None and text:
            try:
                amount = Money.parse(text, storefront.currency)
            except MoneyError:
                self.add_error(
                    "amount",
                    _("“%(text)s” is not an amount in %(currency)s: write it like 1 250,00 or 1250.00.")
                    % {"text": text, "currency": storefront.currency},
                )
            else:
                if amount.amount_minor <= 0:
                    self.add_error("amount", _("The amount must be more than zero."))
                elif amount.amount_minor >= 10**13:
                    self.add_error("amount", _("This amount is too large."))
                else:
                    data["money"] = amount
        return data
