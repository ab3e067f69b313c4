"""Forms of the seller portal's everyday pages: offers, finding a product to sell, shop settings.

Amounts are typed as decimals ("12,90" or "12.90") and read into integer minor units through
:meth:`Money.parse` (Decimal, never float); quantities are whole numbers typed as digits.
"""

from __future__ import annotations

import re
from typing import Any, cast

from django import forms
from django.utils.formats import get_format
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from galerie.core.csvsafe import validate_not_formula
from galerie.core.money import Money, MoneyError, minor_unit_exponent
from galerie.offers.models import Condition, Offer
from galerie.sellers.models import ShippingProfile
from galerie.sellers.services.shop import ShippingSettings

DIGITS = re.compile(r"^\d{1,9}$")
UNBOUNDED = 999_999_999  # nine digits: what DIGITS lets through


def amount_text(amount_minor: int | None, currency: str) -> str:
    """Write minor units as the decimal a seller types back, with the decimal separator of the
    active language: 1290 → "12.90" in English, "12,90" in French (what a French seller typed)."""
    if amount_minor is None:
        return ""
    exponent = minor_unit_exponent(currency)
    if not exponent:
        return str(amount_minor)
    sign = "-" if amount_minor < 0 else ""
    whole, cents = divmod(abs(amount_minor), 10**exponent)
    separator = get_format("DECIMAL_SEPARATOR")
    return f"{sign}{whole}{separator}{cents:0{exponent}d}"


class MoneyField(forms.CharField):
    """An amount in a currency, cleaned to integer minor units (``minimum`` included)."""

    def __init__(self, *, currency: str = "EUR", minimum: int = 0, **kwargs: Any) -> None:
        self.currency = currency
        self.minimum = minimum
        kwargs.setdefault("max_length", 16)
        super().__init__(**kwargs)

    def widget_attrs(self, widget: forms.Widget) -> dict[str, Any]:
        return {**super().widget_attrs(widget), "inputmode": "decimal", "autocomplete": "off"}

    def clean(self, value: Any) -> int | None:
        text = super().clean(value)
        if text in (None, ""):
            return None
        try:
            amount = Money.parse(text, self.currency).amount_minor
        except MoneyError:
            raise forms.ValidationError(
                _("“%(value)s” is not an amount: type it like 12,90 or 12.90."),
                code="invalid_amount",
                params={"value": text},
            ) from None
        if amount < self.minimum:
            if self.minimum > 0:
                message = _("The amount must be more than zero.")
            else:
                message = _("The amount cannot be negative.")
            raise forms.ValidationError(message, code="amount_too_small")
        return amount


class WholeNumberField(forms.CharField):
    """A count typed as digits only ("3", not "3.5", "-1" or "three"), within bounds."""

    def __init__(self, *, minimum: int = 0, maximum: int = UNBOUNDED, **kwargs: Any) -> None:
        self.minimum, self.maximum = minimum, maximum
        kwargs.setdefault("max_length", 9)
        super().__init__(**kwargs)

    def widget_attrs(self, widget: forms.Widget) -> dict[str, Any]:
        return {**super().widget_attrs(widget), "inputmode": "numeric", "pattern": "[0-9]*"}

    def clean(self, value: Any) -> int | None:
        text = super().clean(value)
        if text in (None, ""):
            return None
        if not DIGITS.match(text) or not self.minimum <= int(text) <= self.maximum:
            if self.maximum == UNBOUNDED:
                message = _("“%(value)s” is not a whole number of %(min)s or more.")
            else:
                message = _("“%(value)s” is not a whole number from %(min)s to %(max)s.")
            raise forms.ValidationError(
                message,
                code="invalid_whole_number",
                params={"value": text, "min": self.minimum, "max": self.maximum},
            )
        return int(text)


def _sku_field() -> forms.CharField:
    return forms.CharField(
        label=gettext_lazy("Your SKU"),
        max_length=64,
        required=False,
        validators=[validate_not_formula],
        help_text=gettext_lazy("Your own reference, printed on the packing slip."),
    )


class OfferRowForm(forms.Form):
    """The inline edit of one offer: price, stock and whether it is on sale, and its SKU while it
    has none (once set, the SKU is the key imports find the offer by)."""

    price = MoneyField(label=gettext_lazy("Price"), minimum=1)
    stock = WholeNumberField(label=gettext_lazy("Stock"))
    status = forms.ChoiceField(label=gettext_lazy("Status"), choices=Offer.Status.choices)

    def __init__(self, *args: Any, offer: Offer, **kwargs: Any) -> None:
        kwargs.setdefault(
            "initial",
            {
                "price": amount_text(offer.price_minor, offer.currency),
                "stock": offer.stock,
                "status": offer.status,
            },
        )
        kwargs.setdefault("auto_id", f"offer-{offer.pk}-%s")
        super().__init__(*args, **kwargs)
        cast(MoneyField, self.fields["price"]).currency = offer.currency
        # Only the statuses the offer can reach: a closed offer is never put back on sale.
        reachable = {offer.status, *Offer.TRANSITIONS.get(Offer.Status(offer.status), frozenset())}
        status_field = self.fields["status"]
        assert isinstance(status_field, forms.ChoiceField)
        status_field.choices = [(value, label) for value, label in Offer.Status.choices if value in reachable]
        if not offer.seller_sku:
            self.fields["seller_sku"] = _sku_field()
        for field in self.fields.values():  # the inputs sit in the row's cells, the <form> in the last one
            field.widget.attrs.update({"form": f"offer-{offer.pk}-form", "class": "cell-input"})


class OfferFindForm(forms.Form):
    q = forms.CharField(
        label=gettext_lazy("GTIN (EAN, ISBN) or product name"),
        max_length=120,
        min_length=2,
        strip=True,
    )


class OfferNewForm(forms.Form):
    """A new offer on a catalog variant."""

    condition = forms.ChoiceField(label=gettext_lazy("Condition"), choices=Condition.choices)
    price = MoneyField(label=gettext_lazy("Price"), minimum=1)
    stock = WholeNumberField(label=gettext_lazy("Stock"), help_text=gettext_lazy("Units you can ship now."))
    lead_time_days = WholeNumberField(
        label=gettext_lazy("Lead time (working days)"),
        maximum=365,
        initial=2,
        help_text=gettext_lazy("Working days between the order and the dispatch."),
    )
    seller_sku = _sku_field()

    def __init__(self, *args: Any, currency: str = "EUR", **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        cast(MoneyField, self.fields["price"]).currency = currency
        self.fields["price"].help_text = _("In %(currency)s, VAT included.") % {"currency": currency}


class ShopSettingsForm(forms.Form):
    """The shop page and the shipping profile."""

    display_name = forms.CharField(label=gettext_lazy("Shop name"), max_length=120)
    description = forms.CharField(
        label=gettext_lazy("Description"),
        required=False,
        max_length=4000,
        widget=forms.Textarea(attrs={"rows": 4}),
    )
    return_policy = forms.CharField(
        label=gettext_lazy("Return policy"),
        required=False,
        max_length=4000,
        widget=forms.Textarea(attrs={"rows": 5}),
        help_text=gettext_lazy(
            "Shown on your shop page and beside your offers: returns, withdrawal, warranty."
        ),
    )
    logo = forms.FileField(
        label=gettext_lazy("Logo"),
        required=False,
        help_text=gettext_lazy("PNG, JPEG or WebP, 2 MB at most; stored at 512 pixels at most."),
        widget=forms.ClearableFileInput(attrs={"accept": "image/png,image/jpeg,image/webp"}),
    )
    logo_remove = forms.BooleanField(label=gettext_lazy("Remove the logo"), required=False)
    low_stock_threshold = WholeNumberField(
        label=gettext_lazy("Low-stock alert"),
        maximum=100_000,
        help_text=gettext_lazy("The dashboard lists active offers with this many units or fewer."),
    )
    shipping_kind = forms.ChoiceField(
        label=gettext_lazy("Shipping rate"), choices=ShippingProfile.Kind.choices
    )
    shipping_base = MoneyField(
        label=gettext_lazy("Per order, or for the first item"), help_text=gettext_lazy("0 for free shipping.")
    )
    shipping_per_item = MoneyField(
        label=gettext_lazy("Each further item"),
        required=False,
        help_text=gettext_lazy("Only for “first item + each further item”."),
    )
    shipping_free_above = MoneyField(
        label=gettext_lazy("Free shipping from"),
        required=False,
        minimum=1,
        help_text=gettext_lazy("Items total from which shipping is free; empty: never."),
    )
    transit_days_min = WholeNumberField(label=gettext_lazy("Transit, shortest (days)"), maximum=60)
    transit_days_max = WholeNumberField(label=gettext_lazy("Transit, longest (days)"), maximum=60)
    book_discount_bp = WholeNumberField(
        label=gettext_lazy("New books: reduction off delivery (basis points)"),
        required=False,
        help_text=gettext_lazy(
            "Loi Lang: up to 500 (5 % of the new books' price), taken off the delivery charge only."
            " Delivery of new books is never free."
        ),
    )

    def __init__(self, *args: Any, currency: str = "EUR", **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        for name in ("shipping_base", "shipping_per_item", "shipping_free_above"):
            cast(MoneyField, self.fields[name]).currency = currency

    def clean(self) -> dict[str, Any]:
        super().clean()
        data = self.cleaned_data
        low, high = data.get("transit_days_min"), data.get("transit_days_max")
        if low is not None and high is not None and high < low:
            self.add_error("transit_days_max", _("The longest transit cannot be shorter than the shortest."))
        if data.get("logo") and data.get("logo_remove"):
            self.add_error("logo_remove", _("Either send a new logo or remove it, not both."))
        return data

    def shipping(self) -> ShippingSettings:
        data = self.cleaned_data
        return ShippingSettings(
            kind=data["shipping_kind"],
            base_minor=data["shipping_base"],
            per_item_minor=data["shipping_per_item"] or 0,
            free_above_minor=data["shipping_free_above"],
            transit_days_min=data["transit_days_min"],
            transit_days_max=data["transit_days_max"],
            book_discount_bp=data["book_discount_bp"] or 0,
        )
