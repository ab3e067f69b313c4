"""Forms of the seller portal's staff, API keys and product proposals pages, and of the operator's
proposal decisions. They parse and label; the services decide."""

from __future__ import annotations

import re
from decimal import Decimal, InvalidOperation
from typing import Any, cast

from babel.numbers import get_currency_name
from django import forms
from django.conf import settings
from django.utils import timezone
from django.utils.functional import Promise
from django.utils.translation import get_language, to_locale
from django.utils.translation import gettext_lazy as _

from galerie.catalog.books import is_book
from galerie.catalog.models import AttributeDefinition, Category, ProductType
from galerie.catalog.safety import MANUFACTURER_FIELDS, RESPONSIBLE_FIELDS
from galerie.core.identifiers import clean_gtin
from galerie.core.money import Money, MoneyError
from galerie.offers.models import Condition
from galerie.sellers.models import SellerMember
from galerie.storefronts.models import Storefront, StorefrontHost

Role = SellerMember.Role
ROLE_CHOICES = [
    (Role.OWNER, _("Owner — everything, including staff and API keys")),
    (Role.MANAGER, _("Manager — offers, orders, money, shop page")),
    (Role.SHIPPING_CLERK, _("Shipping clerk — orders only: accept, pack, ship")),
]
ROLE_SHORT: dict[str, str | Promise] = {
    Role.OWNER: _("Owner"),
    Role.MANAGER: _("Manager"),
    Role.SHIPPING_CLERK: _("Shipping clerk"),
}
PROPOSAL_IMAGE_TYPES = "image/png,image/jpeg,image/webp"


class InviteForm(forms.Form):
    email = forms.EmailField(
        label=_("E-mail address"), widget=forms.EmailInput(attrs={"autocomplete": "off"}), max_length=254
    )
    role = forms.ChoiceField(label=_("Role"), choices=ROLE_CHOICES, initial=Role.SHIPPING_CLERK)


class InvitationSignupForm(forms.Form):
    email = forms.EmailField(
        label=_("E-mail address"), widget=forms.EmailInput(attrs={"autocomplete": "email"})
    )
    password = forms.CharField(
        label=_("Choose a password"),
        strip=False,
        widget=forms.PasswordInput(attrs={"autocomplete": "new-password"}),
        help_text=_("At least 8 characters, not only digits, not a common password."),
    )


class TokenForm(forms.Form):
    name = forms.CharField(
        label=_("Name"),
        max_length=80,
        help_text=_("What uses the key, e.g. “ERP” or “Warehouse scanner”."),
    )
    role = forms.ChoiceField(label=_("Role"), choices=ROLE_CHOICES, initial=Role.MANAGER)


class ProductTypeChoiceForm(forms.Form):
    """Step 1 of a proposal: the product type decides which attributes the product has."""

    product_type = forms.ModelChoiceField(
        label=_("Product type"), queryset=ProductType.objects.order_by("name"), empty_label="—"
    )


class CategoryChoice(forms.ModelChoiceField):
    def label_from_instance(self, obj: Category) -> str:
        return obj.name


def _attribute_field(definition: AttributeDefinition) -> forms.Field:
    label = f"{definition.name} ({definition.unit})" if definition.unit else definition.name
    common: dict[str, Any] = {"label": label, "required": definition.is_required}
    kind = AttributeDefinition.Kind
    if definition.kind == kind.INTEGER:
        return forms.IntegerField(**common)
    if definition.kind == kind.DECIMAL:
        return forms.DecimalField(**common, max_digits=14, decimal_places=4)
    if definition.kind == kind.BOOLEAN:
        choices = [("", "—"), ("yes", _("Yes")), ("no", _("No"))]
        return forms.TypedChoiceField(
            **common, choices=choices, coerce=lambda v: v == "yes", empty_value=None
        )
    if definition.kind == kind.CHOICE:
        return forms.ChoiceField(**common, choices=[("", "—"), *[(c, c) for c in definition.choices]])
    return forms.CharField(**common, max_length=255)


class ProposalForm(forms.Form):
    """Step 2 of a proposal: the product, its attributes (those of the chosen type) and a first offer."""

    product_type = forms.ModelChoiceField(queryset=ProductType.objects.all(), widget=forms.HiddenInput)
    category = CategoryChoice(label=_("Category"), queryset=Category.objects.none(), empty_label="—")
    title = forms.CharField(label=_("Title"), max_length=255, help_text=_("As printed on the product."))
    brand_name = forms.CharField(
        label=_("Brand or publisher"), max_length=120, required=False, help_text=_("Leave empty if none.")
    )
    gtin = forms.CharField(
        label=_("GTIN (EAN-13, ISBN-13 or UPC-A)"),
        max_length=20,
        required=False,
        widget=forms.TextInput(attrs={"inputmode": "numeric", "autocomplete": "off"}),
        help_text=_("The barcode number; its check digit is verified."),
    )
    description = forms.CharField(
        label=_("Description"), required=False, widget=forms.Textarea(attrs={"rows": 5})
    )
    image = forms.FileField(
        label=_("Picture (PNG, JPEG or WebP, at most 5 MB)"),
        required=False,
        widget=forms.ClearableFileInput(attrs={"accept": PROPOSAL_IMAGE_TYPES}),
    )
    condition = forms.ChoiceField(label=_("Condition of your first offer"), choices=Condition.choices)
    price = forms.CharField(
        label=_("Your price (EUR)"),
        required=False,
        max_length=14,
        widget=forms.TextInput(attrs={"inputmode": "decimal"}),
        help_text=_("With a stock, your offer goes on sale as soon as the product is accepted."),
    )
    stock = forms.IntegerField(label=_("Stock"), required=False, min_value=0, max_value=1_000_000)
    # Product safety (GPSR): without it the product is accepted but cannot be listed.
    manufacturer_name = forms.CharField(label=_("Manufacturer"), max_length=200, required=False)
    manufacturer_address = forms.CharField(
        label=_("Manufacturer's postal address"), required=False, widget=forms.Textarea(attrs={"rows": 2})
    )
    manufacturer_country = forms.CharField(
        label=_("Manufacturer's country (code: FR, DE, CN …)"), max_length=2, required=False
    )
    manufacturer_contact = forms.CharField(
        label=_("Manufacturer's e-mail or website"), max_length=254, required=False
    )
    responsible_name = forms.CharField(
        label=_("EU responsible person (if the manufacturer is outside the EU)"),
        max_length=200,
        required=False,
    )
    responsible_address = forms.CharField(
        label=_("Responsible person's postal address"),
        required=False,
        widget=forms.Textarea(attrs={"rows": 2}),
    )
    responsible_country = forms.CharField(
        label=_("Responsible person's country (code)"), max_length=2, required=False
    )
    responsible_contact = forms.CharField(
        label=_("Responsible person's e-mail or website"), max_length=254, required=False
    )
    safety_en = forms.CharField(
        label=_("Warnings and safety information, in English"),
        required=False,
        widget=forms.Textarea(attrs={"rows": 3}),
    )
    safety_fr = forms.CharField(
        label=_("Warnings and safety information, in French"),
        required=False,
        widget=forms.Textarea(attrs={"rows": 3}),
    )
    SAFETY_NAMES = (*MANUFACTURER_FIELDS, *RESPONSIBLE_FIELDS)  # the warnings: one field per language

    def __init__(
        self, *args: Any, categories, product_type: ProductType, currency: str = "EUR", **kwargs: Any
    ):
        super().__init__(*args, **kwargs)
        self.currency = currency
        cast(forms.ModelChoiceField, self.fields["category"]).queryset = categories
        self.fields["product_type"].initial = product_type.pk
        self.attribute_names: list[str] = []
        for definition in product_type.attributes.all():
            name = f"attr_{definition.code}"
            self.fields[name] = _attribute_field(definition)
            self.attribute_names.append(name)
        if is_book(product_type):  # the fixed book price: what a new copy sells at (docs/loi-lang.md)
            self.fields["publisher_price"] = forms.CharField(
                label=_("Publisher's price (EUR)"),
                required=False,
                max_length=14,
                widget=forms.TextInput(attrs={"inputmode": "decimal"}),
                help_text=_(
                    "Loi Lang: the price the publisher set, printed on the book; a new copy sells at"
                    " exactly this price. Empty: your price for a new copy is taken."
                ),
            )

    @property
    def attribute_fields(self) -> list[forms.BoundField]:
        return [self[name] for name in self.attribute_names]

    @property
    def main_fields(self) -> list[forms.BoundField]:
        names = ["category", "title", "brand_name", "gtin", "description", "image"]
        if "publisher_price" in self.fields:
            names.insert(4, "publisher_price")
        return [self[n] for n in names]

    @property
    def offer_fields(self) -> list[forms.BoundField]:
        return [self[n] for n in ("condition", "price", "stock")]

    @property
    def safety_fields(self) -> list[forms.BoundField]:
        return [self[n] for n in (*self.SAFETY_NAMES, "safety_en", "safety_fr")]

    def safety(self) -> dict[str, Any]:
        """The product's safety data as the catalog stores it (catalog.safety.SAFETY_FIELDS)."""
        values: dict[str, Any] = {name: self.cleaned_data.get(name, "") for name in self.SAFETY_NAMES}
        values["safety_information"] = {
            language: text
            for language in ("en", "fr")
            if (text := self.cleaned_data.get(f"safety_{language}"))
        }
        return values

    def clean_gtin(self) -> str:
        value = self.cleaned_data.get("gtin", "").strip()
        return clean_gtin(value) if value else ""  # its ValidationError names the fault

    def clean_price(self) -> Money | None:
        return self._money(self.cleaned_data.get("price", ""))

    def clean_publisher_price(self) -> Money | None:
        return self._money(self.cleaned_data.get("publisher_price", ""))

    def _money(self, text: str) -> Money | None:
        text = text.strip()
        if not text:
            return None
        try:
            return Money.parse(text, self.currency)
        except MoneyError:
            raise forms.ValidationError(_("Write the price like 12.90.")) from None

    def attributes(self) -> dict[str, Any]:
        values = {}
        for name in self.attribute_names:
            value = self.cleaned_data.get(name)
            if value not in (None, ""):
                values[name.removeprefix("attr_")] = (
                    str(value) if not isinstance(value, (bool, int)) else value
                )
        return values


class ProposalDecisionForm(forms.Form):
    """The operator's decision; the reason is required to reject (the seller is told)."""

    action = forms.ChoiceField(choices=[("accept", _("Accept")), ("reject", _("Reject"))])
    title = forms.CharField(label=_("Title"), max_length=255, required=False)
    description = forms.CharField(
        label=_("Description"), required=False, widget=forms.Textarea(attrs={"rows": 4})
    )
    reason = forms.CharField(
        label=_("Reason (the seller reads it)"), required=False, widget=forms.Textarea(attrs={"rows": 3})
    )

    def clean(self) -> dict[str, Any]:
        super().clean()
        data = self.cleaned_data
        if data.get("action") == "reject" and not (data.get("reason") or "").strip():
            self.add_error("reason", _("Give the reason for the rejection: the seller is told."))
        return data


class RecallForm(forms.Form):
    """The operator's recall of a product: which, and the notice its buyers read, per language."""

    product = forms.CharField(
        label=_("Product (its slug or uuid)"), max_length=200, help_text=_("As in the product's address.")
    )
    notice_en = forms.CharField(
        label=_("Recall notice in English"), required=False, widget=forms.Textarea(attrs={"rows": 4})
    )
    notice_fr = forms.CharField(
        label=_("Recall notice in French"), required=False, widget=forms.Textarea(attrs={"rows": 4})
    )
    confirm = forms.BooleanField(
        label=_("I understand: its offers leave every storefront now and its buyers are e-mailed."),
        required=True,
    )


DAY = forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")


class PeriodForm(forms.Form):
    """The period of a back-office report: from one day to another, both included; either may be
    left empty (from the first posting; up to today)."""

    start = forms.DateField(label=_("First day"), required=False, widget=DAY)
    end = forms.DateField(label=_("Last day"), required=False, widget=DAY)

    def clean(self) -> dict[str, Any]:
        super().clean()
        data = self.cleaned_data
        start, end = data.get("start"), data.get("end")
        if start and end and end < start:
            self.add_error("end", _("The end of the period is before its start."))
        return data


# The operator's storefronts: a new one, its settings, its closure.

CURRENCIES = ("EUR", "GBP", "CHF", "USD", "SEK", "DKK", "PLN")


def _currency_choices() -> list[tuple[str, str]]:
    """The currencies a storefront may sell in, named in the reader's language."""
    locale = to_locale(get_language() or "en")
    return [(code, f"{code} — {get_currency_name(code, locale=locale)}") for code in CURRENCIES]


COLOUR = forms.TextInput(attrs={"type": "color"})
HOST_NAME = re.compile(
    r"^(?=.{1,253}$)([a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?)(\.[a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?)*$"
)


class ScopeChoice(forms.ModelMultipleChoiceField):
    def label_from_instance(self, obj: Category) -> str:
        return "— " * (obj.depth - 1) + obj.name


class StorefrontForm(forms.Form):
    """A storefront's settings: identity, language and currency, theme, hosts, catalog scope and
    commission plan. ``storefront`` None: a new one (its code is asked; its currency too)."""

    code = forms.SlugField(
        label=_("Code"),
        max_length=32,
        help_text=_("Short name in lower case, also the storefront’s /s/code/ address; it cannot change."),
    )
    name = forms.CharField(label=_("Name"), max_length=120)
    tagline = forms.CharField(label=_("Tagline"), max_length=200, required=False)
    default_language = forms.ChoiceField(label=_("Language"), choices=settings.LANGUAGES)
    currency = forms.ChoiceField(
        label=_("Currency"),
        choices=_currency_choices,
        help_text=_(
            "Offers, carts and orders are in it; it can change only while the storefront is a draft."
        ),
    )
    colour_primary = forms.RegexField(label=_("Main colour"), regex=r"^#[0-9a-fA-F]{6}$", widget=COLOUR)
    colour_accent = forms.RegexField(label=_("Accent colour"), regex=r"^#[0-9a-fA-F]{6}$", widget=COLOUR)
    colour_background = forms.RegexField(
        label=_("Background colour"), regex=r"^#[0-9a-fA-F]{6}$", widget=COLOUR
    )
    colour_text = forms.RegexField(label=_("Text colour"), regex=r"^#[0-9a-fA-F]{6}$", widget=COLOUR)
    font = forms.ChoiceField(
        label=_("Headings font"),
        choices=[("sans", _("Sans-serif")), ("serif", _("Serif")), ("rounded", _("Rounded"))],
    )
    hosts = forms.CharField(
        label=_("Host names"),
        required=False,
        widget=forms.Textarea(attrs={"rows": 3, "autocomplete": "off", "spellcheck": "false"}),
        help_text=_(
            "One per line, the first one primary, e.g. shop.example.com; each routes to the storefront"
            " at once (its DNS must point at this installation)."
        ),
    )
    catalog_scope = ScopeChoice(
        label=_("Categories sold"),
        queryset=Category.objects.none(),
        required=False,
        widget=forms.CheckboxSelectMultiple,
        help_text=_("Each with its subcategories; none: the whole catalog."),
    )
    commission_rate = forms.CharField(
        label=_("Commission rate (per cent)"),
        max_length=8,
        widget=forms.TextInput(attrs={"inputmode": "decimal"}),
        help_text=_("Of each line's price, VAT included, e.g. 12.5."),
    )
    commission_fixed_fee = forms.CharField(
        label=_("Fixed fee per order line"),
        max_length=14,
        required=False,
        widget=forms.TextInput(attrs={"inputmode": "decimal"}),
        help_text=_("In the storefront's currency, e.g. 0.30; empty: none."),
    )
    commission_on_shipping = forms.BooleanField(label=_("Also take the rate on shipping"), required=False)

    THEME = ("colour_primary", "colour_accent", "colour_background", "colour_text", "font")

    def __init__(self, *args: Any, storefront: Any = None, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.storefront = storefront
        scope = cast(forms.ModelMultipleChoiceField, self.fields["catalog_scope"])
        scope.queryset = Category.objects.filter(depth__lte=2).order_by("path")
        if storefront is not None:
            del self.fields["code"]
            if storefront.status != "draft":
                self.fields["currency"].disabled = True

    @property
    def identity_fields(self) -> list[forms.BoundField]:
        names = ("code", "name", "tagline", "default_language", "currency", "hosts")
        return [self[n] for n in names if n in self.fields]

    @property
    def theme_fields(self) -> list[forms.BoundField]:
        return [self[n] for n in self.THEME]

    @property
    def commission_fields(self) -> list[forms.BoundField]:
        return [self[n] for n in ("commission_rate", "commission_fixed_fee", "commission_on_shipping")]

    def clean_hosts(self) -> list[str]:
        hosts = [h.strip().lower().rstrip(".") for h in self.cleaned_data.get("hosts", "").splitlines()]
        hosts = list(dict.fromkeys(h for h in hosts if h))
        bad = [h for h in hosts if not HOST_NAME.match(h)]
        if bad:
            raise forms.ValidationError(
                _("Not a host name: %(hosts)s. Write each in lower case without scheme, port or path,"
                  " e.g. shop.example.com.") % {"hosts": ", ".join(bad)}
            )  # fmt: skip
        taken = StorefrontHost.objects.filter(host__in=hosts)
        if self.storefront is not None:
            taken = taken.exclude(storefront=self.storefront)
        if found := sorted(taken.values_list("host", flat=True)):
            raise forms.ValidationError(
                _("Already routed to another storefront: %(hosts)s.") % {"hosts": ", ".join(found)}
            )
        return hosts

    def clean_code(self) -> str:
        code = self.cleaned_data["code"].lower()
        if Storefront.objects.filter(code=code).exists():
            raise forms.ValidationError(_("Another storefront has this code."))
        return code

    def clean_commission_rate(self) -> int:
        """The rate in basis points, from "12.5" or "12,5" (two decimals at most: exact)."""
        text = self.cleaned_data["commission_rate"].strip().replace(",", ".")
        try:
            rate = Decimal(text)
            exact = rate.is_finite() and rate == rate.quantize(Decimal("0.01"))
        except InvalidOperation:
            exact = False
        if not exact:
            raise forms.ValidationError(_("Write the rate like 12.5, with two decimals at most."))
        if not 0 <= rate <= 100:
            raise forms.ValidationError(_("The rate is from 0 to 100 (per cent)."))
        return int(rate * 100)

    def clean(self) -> dict[str, Any]:
        super().clean()
        data = self.cleaned_data
        text = (data.get("commission_fixed_fee") or "").strip()
        currency = data.get("currency") or (self.storefront.currency if self.storefront else "EUR")
        if not text:
            data["commission_fixed_fee_minor"] = 0
        else:
            try:
                fee = Money.parse(text, currency)
            except MoneyError:
                self.add_error("commission_fixed_fee", _("Write the fee like 0.30."))
            else:
                if fee.amount_minor < 0:
                    self.add_error("commission_fixed_fee", _("The fixed fee cannot be negative."))
                data["commission_fixed_fee_minor"] = fee.amount_minor
        return data

    def theme(self) -> dict[str, str]:
        return {n: self.cleaned_data[n] for n in self.THEME}


class StorefrontClosureForm(forms.Form):
    """The closure of a storefront: the first day without sales and why; ``confirm`` is sent by
    the confirmation page, after the operator has read what will happen."""

    closing_on = forms.DateField(
        label=_("First day without sales"),
        widget=DAY,
        help_text=_("From this day on, no new cart line nor order; open orders go on until done."),
    )
    reason = forms.CharField(
        label=_("Reason (sellers and customers read it)"),
        max_length=2000,
        widget=forms.Textarea(attrs={"rows": 3}),
    )
    confirm = forms.BooleanField(required=False, widget=forms.HiddenInput)

    def clean_closing_on(self) -> Any:
        day = self.cleaned_data["closing_on"]
        if day < timezone.localdate():
            raise forms.ValidationError(_("The closing date cannot be in the past."))
        return day

    def clean_reason(self) -> str:
        reason = self.cleaned_data["reason"].strip()
        if not reason:
            raise forms.ValidationError(_("Say why the storefront closes: customers and sellers are told."))
        return reason
