"""The operator's monthly commission invoice to each seller, from the ledger's commission postings."""

from __future__ import annotations

from datetime import timedelta

import facturx
import pytest
import time_machine
from django.core.management import CommandError, call_command
from django.db.models import Sum
from django.utils import timezone

from galerie.invoices.models import Invoice
from galerie.invoices.services import commission_invoices_issue, month_bounds
from galerie.ledger.models import AccountKind, JournalLine
from tests.invoices.conftest import pdf_bytes, pdf_text

pytestmark = pytest.mark.django_db(transaction=True)


def _posted(kind: str, seller_order) -> int:
    lines = JournalLine.objects.filter(account__kind=kind, seller_order=seller_order)
    sums = lines.aggregate(c=Sum("credit_minor", default=0), d=Sum("debit_minor", default=0))
    return sums["c"] - sums["d"]


def test_one_commission_invoice_per_seller_and_month_from_the_ledger(invoiced):
    month = timezone.localdate().replace(day=1)
    after = month_bounds(month)[1] + timedelta(hours=1)
    issued = commission_invoices_issue(month=month, now=after)
    assert {invoice.seller_id for invoice in issued} == {invoiced.seller_a.pk, invoiced.seller_b.pk}
    for part in (invoiced.part_a, invoiced.part_b):
        invoice = next(i for i in issued if i.seller_id == part.seller_id)
        assert invoice.kind == Invoice.Kind.COMMISSION and invoice.issuer == "operator"
        assert invoice.total_excl_vat_minor == _posted(AccountKind.COMMISSION_REVENUE, part) > 0
        assert invoice.vat_minor == _posted(AccountKind.COMMISSION_VAT, part)
        text = pdf_text(invoice)
        for mention in ["Facture de commissions", "Galerie Demo SAS", "SIREN : 732829320", "RCS Paris",
                        part.seller.legal_name, "40 €", invoice.number]:  # fmt: skip
            assert mention in text, mention
        _, xml = facturx.get_xml_from_pdf(pdf_bytes(invoice), check_xsd=True)
        assert xml
    numbers = sorted(i.sequence for i in issued)
    assert numbers == [1, 2]
    # Again (the job every hour, the command): nothing new.
    assert commission_invoices_issue(month=month, now=after) == []
    assert Invoice.objects.filter(kind=Invoice.Kind.COMMISSION).count() == 2


def test_the_command_refuses_a_month_not_over_and_a_bad_month(invoiced):
    month = timezone.localdate()
    with pytest.raises(CommandError, match="is not over"):
        call_command("invoices", "commissions", "--month", f"{month:%Y-%m}")
    with pytest.raises(CommandError, match="is not a month like 2026-11"):
        call_command("invoices", "commissions", "--month", "November")
    assert not Invoice.objects.filter(kind=Invoice.Kind.COMMISSION).exists()


def test_the_seller_finds_its_commission_invoices_on_the_money_page(invoiced, client):
    month = timezone.localdate().replace(day=1)
    issued = commission_invoices_issue(month=month, now=month_bounds(month)[1] + timedelta(hours=1))
    mine = next(i for i in issued if i.seller_id == invoiced.seller_a.pk)
    theirs = next(i for i in issued if i.seller_id == invoiced.seller_b.pk)
    client.force_login(invoiced.owner_a)
    page = client.get("/sell/money/").content.decode()
    assert f"/sell/invoices/{mine.uuid}/" in page and "The operator's commission invoices" in page
    assert f"/sell/invoices/{theirs.uuid}/" not in page
    assert client.get(f"/sell/invoices/{mine.uuid}/").status_code == 200
    assert client.get(f"/sell/invoices/{theirs.uuid}/").status_code == 404


def test_the_monthly_job_issues_last_months_once_then_only_looks_up_the_run(invoiced):
    from galerie.invoices.jobs import monthly_commissions
    from galerie.invoices.models import CommissionInvoiceRun

    month = timezone.localdate().replace(day=1)
    next_month = month_bounds(month)[1] + timedelta(hours=2)
    with time_machine.travel(next_month, tick=False):
        assert monthly_commissions() == 2
        assert CommissionInvoiceRun.objects.get(month=month).invoices == 2
        assert monthly_commissions() == 0
    assert Invoice.objects.filter(kind=Invoice.Kind.COMMISSION, month=month).count() == 2


def test_the_command_issues_a_months_invoices_and_says_so(invoiced):
    import io

    month = timezone.localdate().replace(day=1)
    out = io.StringIO()
    with time_machine.travel(month_bounds(month)[1] + timedelta(days=3), tick=False):
        call_command("invoices", "commissions", "--month", f"{month:%Y-%m}", stdout=out)
        call_command("invoices", "commissions", "--month", f"{month:%Y-%m}", stdout=out)
    lines = out.getvalue().splitlines()
    assert lines[-1] == f"0 commission invoice(s) issued for {month:%Y-%m}."
    assert f"2 commission invoice(s) issued for {month:%Y-%m}." in lines
    assert Invoice.objects.filter(kind=Invoice.Kind.COMMISSION).count() == 2
