"""Template helpers: storefront-aware URLs and money display."""

import json

from django import template
from django.forms import BoundField
from django.utils.safestring import mark_safe
from django.utils.translation import get_language

from galerie.core import countries
from galerie.core.money import Money
from galerie.storefronts.theme import theme_css
from galerie.web.page_cache import CART, cart_badge, shared_marker
from galerie.web.page_cache import cart_count as cart_count_of
from galerie.web.routing import sf_reverse

register = template.Library()

# field_group's copies of Django's own rendering: (what determines the HTML) -> the HTML.
_FIELD_HTML: dict[tuple, str] = {}
_FIELD_HTML_MAX = 2048


@register.filter
def field_group(field: BoundField) -> str:
    """``field.as_field_group``: the label, help text, errors and widget of a field.

    Django renders them through four or five templates per field (about 0.3 ms each field, half
    of the checkout page's CPU). A form whose fields are the same for every instance says so
    with ``fields_are_static = True``; while it is unbound (no errors, no submitted values) a
    field's HTML depends only on the form's class and set-up, the field, the language and the
    field's initial value: the first rendering is kept in this process and served again."""
    form = field.form
    if form.is_bound or not getattr(form, "fields_are_static", False):
        return field.as_field_group()
    value = field.value()
    key = (
        type(form), form.prefix, form.auto_id, form.label_suffix, form.use_required_attribute,
        type(form.renderer), field.name, get_language(), type(value), value,
    )  # fmt: skip
    try:
        html = _FIELD_HTML.get(key)
    except TypeError:  # an initial value that cannot be a key
        return field.as_field_group()
    if html is None:
        html = field.as_field_group()
        if len(_FIELD_HTML) >= _FIELD_HTML_MAX:
            _FIELD_HTML.clear()
        _FIELD_HTML[key] = html
    return html


@register.simple_tag(takes_context=True)
def sfurl(context, name: str, **kwargs) -> str:
    """Reverse a storefront URL: at the host's root, or under /s/<code>/ in path mode."""
    return sf_reverse(context["request"], name, **kwargs)


@register.simple_tag
def money(amount_minor: int | None, currency: str) -> str:
    """Format minor units in the active language: 12,90 € in French, €12.90 in English."""
    if amount_minor is None:
        return ""
    return Money(int(amount_minor), currency).format(get_language() or "en")


@register.simple_tag
def theme_style(
    primary: str = "#1f3a5f", accent: str = "#e07a2e", background: str = "#faf8f5", text: str = "#1d1d1f"
) -> str:
    """The CSS variables of a theme, readable colours derived (storefronts/theme.py)."""
    return theme_css(primary=primary, accent=accent, background=background, text=text)


@register.filter
def seller_status(value: str) -> str:
    """A seller status code in words of the active language: "approved" → "Approuvé"."""
    from galerie.sellers.models import Seller

    return str(dict(Seller.Status.choices).get(value, value))


@register.filter
def condition_label(value: str) -> str:
    """An offer condition code in words of the active language: "like_new" → "Comme neuf"."""
    from galerie.offers.models import Condition

    return str(dict(Condition.choices).get(value, value))


@register.filter
def country_name(code: str) -> str:
    """The name of an ISO 3166 country in the active language: FR → France."""
    return countries.country_name(code, get_language() or "en")


@register.filter
def initials(text: str) -> str:
    words = [w for w in str(text).split() if w[:1].isalnum()]
    return "".join(w[0] for w in words[:2]).upper()


@register.filter
def percent_off(prior_minor: int, price_minor: int) -> int:
    return round(100 * (prior_minor - price_minor) / prior_minor) if prior_minor else 0


_JSON_ESCAPES = {ord("<"): "\\u003c", ord(">"): "\\u003e", ord("&"): "\\u0026"}


@register.simple_tag(takes_context=True)
def product_jsonld(context, product, variant, offers) -> str:
    """Emit schema.org Product/Offer structured data for a product page."""
    request = context["request"]
    data = {
        "@context": "https://schema.org",
        "@type": "Product",
        "name": product.title,
        "description": product.description[:500],
        "url": request.build_absolute_uri(request.path),
    }
    if variant.gtin:
        data["gtin13" if len(variant.gtin) == 13 else "gtin14"] = variant.gtin  # the stored forms
    if product.brand:
        data["brand"] = {"@type": "Brand", "name": product.brand.name}
    if offers:
        conditions = {
            "new": "NewCondition",
            "like_new": "UsedCondition",
            "used": "UsedCondition",
            "refurbished": "RefurbishedCondition",
        }
        data["offers"] = [
            {
                "@type": "Offer",
                "price": str(Money(o.price_minor, o.currency).to_decimal()),
                "priceCurrency": o.currency,
                "availability": "https://schema.org/InStock",
                "itemCondition": f"https://schema.org/{conditions.get(o.condition, 'NewCondition')}",
                "seller": {
                    "@type": "Organization" if o.seller.kind == "trader" else "Person",
                    "name": o.seller.display_name,
                },
            }
            for o in offers
        ]
    text = json.dumps(data, ensure_ascii=False).translate(_JSON_ESCAPES)
    return mark_safe(f'<script type="application/ld+json">{text}</script>')


@register.filter
def offer_status(value: str) -> str:
    """An offer status code in words of the active language: "paused" → "En pause"."""
    from galerie.offers.models import Offer

    return str(dict(Offer.Status.choices).get(value, value))


@register.simple_tag(takes_context=True)
def cart_count(context) -> str:
    """The number of items in the visitor's cart, for the header; in a page rendered for the
    shared cache a marker that each visitor's own count replaces (web/page_cache.py)."""
    request = context.get("request")
    storefront = context.get("storefront")
    if request is None or storefront is None:
        return ""
    marker = shared_marker(request)
    if marker:
        return mark_safe(f"{marker}{CART}")  # a random token: no markup from anyone
    return cart_badge(cart_count_of(request, storefront.pk))
