"""The seller area's dashboard (what needs doing, the sales of the last 30 days) and the shop switcher."""

from __future__ import annotations

from dataclasses import dataclass

from django.http import HttpResponse
from django.shortcuts import redirect, render
from django.utils.formats import date_format
from django.utils.translation import get_language
from django.utils.translation import gettext as _

from galerie.core.errors import NotFound
from galerie.core.money import Money
from galerie.messaging.selectors import seller_messaging_summary
from galerie.offers.selectors.seller import seller_offers_low_stock_count
from galerie.orders.quality import seller_quality_by_storefront
from galerie.orders.selectors import (
    SALES_DAYS,
    Sales,
    seller_orders_late_count,
    seller_orders_to_accept_count,
    seller_sales_by_day,
)
from galerie.sellers.access import NotASellerMember, Perm, seller_access_switch
from galerie.web.requests import SellerRequest
from galerie.web.views.seller.access import remember_seller, seller_view

# The chart's drawing box (SVG user units); the CSS scales it to the page's width.
CHART_WIDTH, CHART_HEIGHT, CHART_TOP, CHART_BOTTOM = 600, 180, 12, 22


class ShopNotYours(NotFound):
    code = "shop_not_yours"


@dataclass(frozen=True)
class Bar:
    x: float
    y: float
    width: float
    height: float
    day: str  # "12/05/2030"
    amount: str  # "€120.00"
    tick: str  # the day under the bar, every few bars
    tick_x: float
    tick_anchor: str

    @property
    def label(self) -> str:  # the bar's tooltip
        return f"{self.day}: {self.amount}"


def _chart(sales: Sales, language: str) -> dict:
    """Lay out one bar per day; the tallest bar reaches the top of the drawing box."""
    slot = CHART_WIDTH / len(sales.days)
    usable = CHART_HEIGHT - CHART_TOP - CHART_BOTTOM
    top = sales.max_minor or 1
    bars = []
    for index, day in enumerate(sales.days):
        height = round(usable * day.amount_minor / top, 1)
        if day.amount_minor and height < 1:
            height = 1.0  # a small sale stays visible
        amount = Money(day.amount_minor, sales.currency).format(language)
        bars.append(
            Bar(
                x=round(index * slot + slot * 0.15, 1),
                y=round(CHART_HEIGHT - CHART_BOTTOM - height, 1),
                width=round(slot * 0.7, 1),
                height=height,
                day=date_format(day.day, "SHORT_DATE_FORMAT"),
                amount=amount,
                # One tick a week, counted back from today so that the last bar always has one.
                tick=date_format(day.day, "j M") if (len(sales.days) - 1 - index) % 7 == 0 else "",
                tick_x=round(index * slot + slot / 2, 1),
                tick_anchor="end" if index == len(sales.days) - 1 else "middle",
            )
        )
    return {
        "sales": sales,
        "bars": bars,
        "total": Money(sales.total_minor, sales.currency).format(language),
        "best": Money(sales.max_minor, sales.currency).format(language),
        "width": CHART_WIDTH,
        "height": CHART_HEIGHT,
        "baseline": CHART_HEIGHT - CHART_BOTTOM,
        "tick_y": CHART_HEIGHT - 6,
    }


@seller_view(Perm.VIEW_DASHBOARD)
def dashboard(request: SellerRequest) -> HttpResponse:
    access = request.seller_access
    seller = access.seller
    context: dict = {
        "seller": seller,
        "to_accept": seller_orders_to_accept_count(seller),
        "late": seller_orders_late_count(seller),
        "can_offers": access.can(Perm.VIEW_OFFERS),
        "can_edit_offers": access.can(Perm.EDIT_OFFERS),
        "can_money": access.can(Perm.VIEW_MONEY),
        "sales_days": SALES_DAYS,
        "quality": seller_quality_by_storefront(seller=seller),
        "messaging": seller_messaging_summary(seller=seller),
    }
    if context["can_offers"]:
        context["low_stock"] = seller_offers_low_stock_count(seller)
    if context["can_money"]:
        language = get_language() or "en"
        context["charts"] = [_chart(sales, language) for sales in seller_sales_by_day(seller)]
    return render(request, "galerie/seller/dashboard.html", context)


@seller_view(Perm.VIEW_DASHBOARD, methods=("POST",))
def switch(request: SellerRequest) -> HttpResponse:
    try:
        access = seller_access_switch(request.user, slug=request.POST.get("slug", ""))
    except NotASellerMember:
        raise ShopNotYours(_("You do not work for this shop.")) from None
    remember_seller(request, access)
    return redirect("seller_area:dashboard")
