"""Writes of the DAC7 app: the seller's tax profile, the operator's exclusion flag and the
reminders to sellers whose identification data is incomplete (docs/dac7.md).

Schedule (``dac7_reminders_send``, run daily by the worker, one ``now``): a seller with a sale in
the current calendar year and incomplete data gets reminder 1 at once; reminder 2
``GALERIE_DAC7_REMINDER_INTERVAL_DAYS`` (30, never less than 14) days later; its payouts are held
``GALERIE_DAC7_HOLD_GRACE_DAYS`` (30) days after reminder 2 — at least 60 days after the first
request, as Annex V section III.B of Directive 2021/514 asks before withholding consideration.
Completing the data lifts the hold at once."""

from __future__ import annotations

from datetime import date, datetime, timedelta

from django.conf import settings
from django.db import transaction
from django.db.models import Exists, OuterRef
from django.utils import timezone
from django.utils.translation import gettext as _

from galerie.accounts.models import User
from galerie.core.countries import COUNTRIES
from galerie.core.errors import InvalidInput
from galerie.core.outbox import emit
from galerie.dac7.figures import CURRENCY, year_bounds
from galerie.dac7.models import Dac7Reminder, SellerTaxProfile
from galerie.dac7.selectors import EU_COUNTRIES, dac7_rows, seller_missing_data
from galerie.ledger.holds import payout_hold_lift, payout_hold_place
from galerie.ledger.models import AccountKind, JournalEntry, JournalLine, PayoutHold
from galerie.sellers.models import Seller

DAC7_HOLD = PayoutHold.Reason.DAC7_MISSING_DATA
PROFILE_FIELDS = (
    "seller_type",
    "tin",
    "tin_country",
    "permanent_establishments",
    "first_name",
    "last_name",
    "birth_date",
    "birth_city",
    "birth_country",
    "account_holder",
)


def reminder_interval() -> timedelta:
    return timedelta(days=max(14, int(getattr(settings, "GALERIE_DAC7_REMINDER_INTERVAL_DAYS", 30))))


def hold_grace() -> timedelta:
    return timedelta(days=int(getattr(settings, "GALERIE_DAC7_HOLD_GRACE_DAYS", 30)))


def _clean(values: dict, today: date) -> dict:
    """Return the profile's values, normalised; raise InvalidInput naming each bad field."""
    data = {name: values.get(name) for name in PROFILE_FIELDS}
    for name in PROFILE_FIELDS:
        value = data[name]
        if isinstance(value, str):
            data[name] = value.strip()
    errors: dict[str, list[str]] = {}
    if data["seller_type"] not in SellerTaxProfile.SellerType.values:
        errors["seller_type"] = [_("Choose entity or individual.")]
    for name in ("tin_country", "birth_country"):
        data[name] = (data[name] or "").upper()
        if data[name] and data[name] not in COUNTRIES:
            errors[name] = [
                _("“%(code)s” is not an ISO 3166-1 country code (FR, BE, DE …).") % {"code": data[name]}
            ]
    data["tin"] = (data["tin"] or "").replace(" ", "").upper()
    if data["tin"] and not all(c.isalnum() or c in "-./" for c in data["tin"]):
        errors["tin"] = [_("A tax identification number holds letters, digits, “-”, “.” and “/” only.")]
    codes = [c for c in (data["permanent_establishments"] or "").upper().replace(" ", "").split(",") if c]
    if bad := [c for c in codes if c not in EU_COUNTRIES]:
        errors["permanent_establishments"] = [
            _("Not EU member states: %(codes)s. Give EU country codes separated by commas (FR,DE).")
            % {"codes": ", ".join(bad)}
        ]
    data["permanent_establishments"] = ",".join(dict.fromkeys(codes))
    if data["birth_date"] and not (date(1900, 1, 1) <= data["birth_date"] <= today):
        errors["birth_date"] = [_("The date of birth must be a past date after 1900.")]
    if errors:
        raise InvalidInput(errors)
    for name in PROFILE_FIELDS:
        if data[name] is None and name != "birth_date":
            data[name] = ""
    return data


@transaction.atomic
def seller_tax_profile_update(
    *, seller_id: int, by: User | None, values: dict, now: datetime | None = None
) -> SellerTaxProfile:
    """Save the seller's DAC7 identification data (``PROFILE_FIELDS``); when it is complete,
    lift the DAC7 payout hold. Raise InvalidInput (nothing saved) naming each bad field."""
    now = now or timezone.now()
    seller = Seller.objects.select_for_update().get(pk=seller_id)
    data = _clean(values, timezone.localdate(now))
    profile = SellerTaxProfile.objects.filter(seller=seller).first() or SellerTaxProfile(seller=seller)
    if data["seller_type"] == SellerTaxProfile.SellerType.INDIVIDUAL:
        profile.exclusion = ""  # only entities can be governmental or listed
    for name, value in data.items():
        setattr(profile, name, value)
    profile.updated_by = by
    profile.save()
    missing = seller_missing_data(seller, profile)
    emit("dac7.tax_profile_updated", seller_id=seller.pk, complete=not missing)
    if not missing:
        payout_hold_lift(seller_id=seller.pk, reason=DAC7_HOLD, now=now, by=by)
    return profile


@transaction.atomic
def seller_tax_exclusion_set(*, seller_id: int, exclusion: str, by: User | None) -> SellerTaxProfile:
    """Mark an entity seller governmental or listed (an Excluded Seller), or clear the mark."""
    if exclusion not in SellerTaxProfile.Exclusion.values:
        raise InvalidInput({"exclusion": [_("Choose governmental, listed or none.")]})
    seller = Seller.objects.select_for_update().get(pk=seller_id)
    profile = SellerTaxProfile.objects.filter(seller=seller).first()
    if profile is None:
        profile = SellerTaxProfile(
            seller=seller,
            seller_type=SellerTaxProfile.SellerType.ENTITY
            if seller.is_trader
            else SellerTaxProfile.SellerType.INDIVIDUAL,
        )
    if exclusion and profile.seller_type != SellerTaxProfile.SellerType.ENTITY:
        raise InvalidInput(
            {"exclusion": [_("Only an entity can be a governmental entity or a listed company.")]}
        )
    profile.exclusion = exclusion
    profile.save()
    emit("dac7.exclusion_set", seller_id=seller.pk, exclusion=exclusion, by=by.pk if by else None)
    return profile


def _sellers_to_remind(year: int) -> list[Seller]:
    """Sellers reportable for ``year`` so far or for the year before (whose declaration is due by
    the end of January): not closed, resident in the EU, not marked excluded, and past the de
    minimis (30 sales or more than 2,000 €). A seller under it is an Excluded Seller: the
    operator needs none of its data, and may not hold its payouts for it."""
    start, end = year_bounds(year - 1)[0], year_bounds(year)[1]
    sold = JournalLine.objects.filter(
        account__seller_id=OuterRef("pk"),
        account__kind=AccountKind.SELLER_PAYABLE,
        currency=CURRENCY,
        entry__kind=JournalEntry.Kind.ALLOCATION,
        entry__posted_at__gte=start,
        entry__posted_at__lt=end,
    )
    candidates = list(
        Seller.objects.filter(Exists(sold), country__in=EU_COUNTRIES)
        .exclude(status__in=[Seller.Status.CLOSED, Seller.Status.REJECTED])
        .exclude(tax_profile__exclusion__in=["governmental", "listed"])
        .select_related("tax_profile")
        .order_by("pk")
    )
    ids = [seller.pk for seller in candidates]
    reportable = {
        row.seller.pk for y in (year - 1, year) for row in dac7_rows(year=y, seller_ids=ids) if row.reportable
    }
    return [seller for seller in candidates if seller.pk in reportable]


def dac7_reminders_send(*, now: datetime | None = None) -> int:
    """Send the reminders due at ``now``, hold the payouts of sellers who left two unanswered,
    lift the holds of sellers whose data is complete; return how many things it did. Safe to run
    twice: each reminder is unique per seller, year and number, each hold per seller."""
    now = now or timezone.now()
    year = timezone.localtime(now).year
    done = 0
    for seller in _sellers_to_remind(year):
        with transaction.atomic():
            done += _remind(seller, year, now)
    for hold in PayoutHold.objects.filter(reason=DAC7_HOLD, lifted_at__isnull=True).select_related(
        "seller__tax_profile"
    ):
        if not seller_missing_data(hold.seller, getattr(hold.seller, "tax_profile", None)):
            done += payout_hold_lift(seller_id=hold.seller_id, reason=DAC7_HOLD, now=now)
    return done


def _remind(seller: Seller, year: int, now: datetime) -> int:
    missing = seller_missing_data(seller, getattr(seller, "tax_profile", None))
    if not missing:
        return 0
    # One cycle at a time: the latest begun last year or this year goes on (a cycle begun in
    # December ends in January), else a new one begins for this year.
    cycles = list(Dac7Reminder.objects.select_for_update().filter(seller=seller, year__gte=year - 1))
    year = max((r.year for r in cycles), default=year)
    sent = {r.number: r for r in cycles if r.year == year}
    if 1 not in sent:
        number = 1
    elif 2 not in sent:
        if now < sent[1].sent_at + reminder_interval():
            return 0
        number = 2
    else:
        if now < sent[2].sent_at + hold_grace():
            return 0
        if PayoutHold.objects.filter(seller=seller, reason=DAC7_HOLD, lifted_at__isnull=True).exists():
            return 0
        payout_hold_place(
            seller_id=seller.pk,
            reason=DAC7_HOLD,
            note=f"DAC7 {year}: reminders {sent[1].sent_at:%Y-%m-%d}, {sent[2].sent_at:%Y-%m-%d} unanswered",
            now=now,
        )
        emit("dac7.payouts_held", seller_id=seller.pk, year=year, missing=missing)
        return 1
    Dac7Reminder.objects.create(seller=seller, year=year, number=number, sent_at=now, missing=missing)
    emit("dac7.reminder", seller_id=seller.pk, year=year, number=number, missing=missing)
    return 1
