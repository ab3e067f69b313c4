"""Template helpers: storefront-aware URLs and money display."""

import json
from urllib.parse import urlsplit

from django import template
from django.contrib.humanize.templatetags.humanize import intcomma
from django.forms import BoundField
from django.utils.formats import localize
from django.utils.html import escape
from django.utils.safestring import SafeString, mark_safe
from django.utils.translation import get_language, gettext, ngettext

from galerie.core import countries
from galerie.core.money import Money
from galerie.search.cards import ProductCard
from galerie.storefronts.theme import theme_css
from galerie.web.page_cache import CART, cart_badge, shared_marker
from galerie.web.page_cache import cart_count as cart_count_of
from galerie.web.routing import sf_reverse

register = template.Library()

WEB_SCHEMES = frozenset({"http", "https"})


@register.filter
def web_address(value: str | None) -> str:
    """``value`` if it is an http(s) address, else "": a link made of what a user typed (a
    notice's URL, a manufacturer's contact) never runs a script (``javascript:``, ``data:``).

    The services refuse other schemes; this holds for whatever is stored all the same (an older
    row, an import, the admin). ``urlsplit`` drops tabs and line breaks as browsers do, so
    ``java\tscript:`` is seen for what it is."""
    text = str(value or "").strip()
    return text if urlsplit(text).scheme.lower() in WEB_SCHEMES else ""


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


# --- product cards -------------------------------------------------------------------------------
# The cards of the category listings and the home, written here rather than by an
# {% include %} per card: a card was about 80 µs of the template engine (an include, a dozen
# lookups, two translation tags, a localize and an escape per value), two milliseconds of a
# category page (docs/performance.md, "A lighter render path"). The markup is the one of
# includes/product_card.html and includes/deal_card.html, which stay its reference and which
# tests/web/test_product_cards.py holds these to, byte for byte.


def _card_media(card: ProductCard) -> str:
    image = card.first_image
    if image is not None:
        url, alt = escape(image.url), escape(image.alt)
        return f'<img src="{url}" alt="{alt}" loading="lazy" width="240" height="240">'
    return placeholder_svg(card.title)


def placeholder_svg(text: str) -> str:
    """includes/placeholder.html, rendered."""
    return (
        f'<svg class="placeholder" viewBox="0 0 240 240" role="img" aria-label="{escape(text)}">'
        '<rect width="240" height="240" fill="var(--c-primary)" opacity=".1"/>'
        '<circle cx="120" cy="108" r="52" fill="var(--c-primary)" opacity=".16"/>'
        '<text x="120" y="124" text-anchor="middle" font-size="44" font-weight="600" fill="var(--c-primary)">'
        f"{escape(initials(text))}</text></svg>\n"
    )


def _card(context, card: ProductCard, *, deal: bool) -> SafeString:
    language = get_language() or "en"
    currency = context["storefront"].currency
    url = escape(sf_reverse(context["request"], "product", slug=card.slug))
    brand = f'<span class="card-brand">{escape(card.brand.name)}</span>' if card.brand else ""
    price = escape(Money(card.best_price_minor, currency).format(language))
    if deal:
        prior = card.prior_minor or 0
        percent = escape(localize(percent_off(prior, card.best_price_minor)))
        flag = f'<span class="card-flag">−{percent} %</span>'
        prior_price = escape(Money(prior, currency).format(language))
        low = gettext("30-day low before reduction:")
        return mark_safe(
            f'<li class="card card-deal">\n  <a href="{url}">\n'
            f'    <span class="card-media">{_card_media(card)}{flag}</span>\n'
            f'    <span class="card-body">\n      {brand}\n'
            f'      <span class="card-title">{escape(card.title)}</span>\n'
            f'      <span class="card-price">{price}</span>\n'
            f'      <span class="card-meta">{low} <s>{prior_price}</s></span>\n'
            "    </span>\n  </a>\n</li>\n"
        )
    count = card.offer_count
    above = f"{gettext('from')} " if count > 1 else ""
    shipping = f"{gettext('shipping included')} · " if context.get("shipping_included") else ""
    offers = ngettext("%(n)s offer", "%(n)s offers", count) % {"n": escape(localize(count))}
    return mark_safe(
        f'<li class="card">\n  <a href="{url}">\n'
        f'    <span class="card-media">{_card_media(card)}</span>\n'
        f'    <span class="card-body">\n      {brand}\n'
        f'      <span class="card-title">{escape(card.title)}</span>\n'
        f'      <span class="card-price">{above}{price}</span>\n'
        f'      <span class="card-meta">{shipping}{offers}</span>\n'
        "    </span>\n  </a>\n</li>\n"
    )


@register.simple_tag(takes_context=True)
def product_card(context, card: ProductCard) -> SafeString:
    """includes/product_card.html for a ProductCard (search/cards.py), in Python."""
    return _card(context, card, deal=False)


@register.simple_tag(takes_context=True)
def deal_card(context, card: ProductCard) -> SafeString:
    """includes/deal_card.html for a ProductCard with its ``prior_minor``, in Python."""
    return _card(context, card, deal=True)


@register.simple_tag(takes_context=True)
def category_card(context, category) -> SafeString:
    """includes/category_card.html for a featured category of the home (``product_count``,
    ``picture_url``: search/home.py), in Python."""
    url = escape(sf_reverse(context["request"], "category", slug=category.slug))
    if category.picture_url:
        media = f'<img src="{escape(category.picture_url)}" alt="" loading="lazy" width="240" height="240">'
    else:
        media = placeholder_svg(category.name)
    count = category.product_count
    shown = ngettext("%(shown)s product", "%(shown)s products", count) % {"shown": escape(intcomma(count))}
    return mark_safe(
        f'<li class="category-card">\n  <a href="{url}">\n'
        f'    <span class="category-media">{media}</span>\n'
        f'    <span class="category-body">\n'
        f'      <span class="category-name">{escape(category.name)}</span>\n'
        f'      <span class="card-meta">{shown}</span>\n'
        "    </span>\n  </a>\n</li>\n"
    )


@register.simple_tag
def facet_links(values) -> SafeString:
    """The links of one facet of the search page (``label``, ``count``, ``selected``, ``url``:
    web/views/search.py): the loop of storefront/search.html it replaced, a dozen template nodes
    per value, in Python (tests/web/test_product_cards.py holds it to that loop, byte for byte)."""
    html = []
    for v in values:
        selected, count = v["selected"], v["count"]
        link = f'<a class="facet-link{" is-selected" if selected else ""}" href="{escape(v["url"])}"'
        shown = f'<span class="facet-count">{escape(intcomma(count))}</span>' if count is not None else ""
        html.append(
            f'\n          <li>{link} rel="nofollow"{SELECTED if selected else ""}>'
            f'<span class="facet-box" aria-hidden="true"></span>'
            f'<span class="facet-label">{escape(v["label"])}</span> {shown}</a></li>'
        )
    return mark_safe("".join(html))


SELECTED = ' aria-current="true"'


@register.simple_tag
def facet_options(options, name: str) -> SafeString:
    """The check boxes of one facet of includes/listing_filters.html: a dozen template nodes per
    option when written as a loop there, for up to twenty options per facet."""
    name = escape(name)
    return mark_safe(
        "".join(
            f'\n        <li><label><input type="checkbox" name="{name}" value="{escape(o.value)}"'
            f'{" checked" if o.selected else ""}> <span class="facet-label">{escape(o.label)}</span> '
            # A bounded count (``exact`` False) is a lower bound: not shown (docs/category-listing.md).
            + (f'<span class="facet-count">{escape(localize(o.count))}</span>' if o.exact else "")
            + "</label></li>"
            for o in options
        )
    )
