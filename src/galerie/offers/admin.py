from django.contrib import admin
from django.http import HttpRequest
from django.urls import reverse
from django.utils.html import format_html, format_html_join

from galerie.core.admin_actions import ViewOnly
from galerie.core.pagination import EstimatedCountPaginator
from galerie.offers.models import Offer, OfferChange, PriceHistory

HISTORY_SHOWN = 50


@admin.register(Offer)
class OfferAdmin(admin.ModelAdmin):
    """Offers, read-only: price, stock, status and SKU change only through the offers' services,
    which check who acts and write the history shown below each offer."""

    list_display = ["id", "variant", "seller", "condition", "price_minor", "currency", "stock", "status"]
    list_filter = ["status", "condition"]
    list_select_related = ["variant__product", "seller"]
    raw_id_fields = ["seller", "variant"]
    search_fields = ["seller_sku", "variant__gtin"]
    readonly_fields = [
        "uuid", "seller", "variant", "condition", "seller_sku", "price_minor", "currency", "stock",
        "lead_time_days", "status", "created_at", "updated_at", "history",
    ]  # fmt: skip
    paginator = EstimatedCountPaginator
    show_full_result_count = False

    @admin.display(description="history (newest first)")
    def history(self, offer: Offer) -> str:
        """The offer's last changes and a link to all of them: bounded, whatever the offer's age."""
        changes = OfferChange.objects.filter(offer_id=offer.pk).order_by("-id")[:HISTORY_SHOWN]
        rows = format_html_join(
            "",
            "<tr><td>{}</td><td>{}</td><td>{}</td><td>{}</td><td>{}</td><td>{}</td></tr>",
            (
                (
                    c.at.strftime("%Y-%m-%d %H:%M"),
                    c.field,
                    c.from_value,
                    c.to_value,
                    c.actor_label,
                    c.reason_text,
                )
                for c in changes
            ),
        )
        url = reverse("admin:offers_offerchange_changelist") + f"?offer__id__exact={offer.pk}"
        return format_html(
            "<table><thead><tr><th>at</th><th>field</th><th>from</th><th>to</th><th>by</th><th>why</th>"
            '</tr></thead><tbody>{}</tbody></table><p><a href="{}">All changes of this offer</a></p>',
            rows,
            url,
        )

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False  # offers are created by sellers, imports and accepted proposals

    def has_delete_permission(self, request: HttpRequest, obj: Offer | None = None) -> bool:
        return False  # an offer is closed, never deleted (orders point at it)


@admin.register(OfferChange)
class OfferChangeAdmin(ViewOnly, admin.ModelAdmin):
    """Appended by the offers' services, never edited."""

    list_display = ["at", "offer", "field", "from_value", "to_value", "actor_label", "reason_text"]
    list_filter = ["field"]
    raw_id_fields = ["offer", "actor"]
    search_fields = ["actor_label"]
    paginator = EstimatedCountPaginator
    show_full_result_count = False


@admin.register(PriceHistory)
class PriceHistoryAdmin(ViewOnly, admin.ModelAdmin):
    """Appended by the offers' price services (the Omnibus prior price reads it), never edited."""

    list_display = ["offer", "price_minor", "currency", "valid_from"]
    raw_id_fields = ["offer"]
    paginator = EstimatedCountPaginator
    show_full_result_count = False
