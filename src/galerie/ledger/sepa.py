"""The bank transfer file of a payout run: ISO 20022 SEPA credit transfer, pain.001.001.03.

Written by ``sepaxml`` and validated against its bundled official XSD (parsed once per process): one
batch debiting the operator's account (GALERIE_OPERATOR_NAME / _IBAN / _BIC), one transaction per
payout, end-to-end id ``GALERIE-P<payout id>``.
"""

from __future__ import annotations

import functools
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import sepaxml
import sepaxml.validation
from django.conf import settings
from django.utils import timezone
from sepaxml import SepaTransfer

from galerie.ledger.iban_checks import iban_compact
from galerie.ledger.models import Payout, PayoutRun

SCHEMA = "pain.001.001.03"
SCHEMA_FILE = Path(sepaxml.__file__).parent / "schemas" / f"{SCHEMA}.xsd"


def operator_account() -> dict[str, str]:
    """Return the operator's name, IBAN and BIC from settings (valid demo defaults)."""
    return {
        "name": getattr(settings, "GALERIE_OPERATOR_NAME", "Galerie Demo SAS"),
        "IBAN": getattr(settings, "GALERIE_OPERATOR_IBAN", "FR7630006000011234567890189")
        .replace(" ", "")
        .upper(),
        "BIC": getattr(settings, "GALERIE_OPERATOR_BIC", "AGRIFRPPXXX"),
    }


def pain001_write(*, run: PayoutRun, payouts: Sequence[Payout]) -> bytes:
    """Return the pain.001 document paying each payout (amount > 0) from the operator's account."""
    config = {**operator_account(), "batch": True, "currency": run.currency}
    transfer = SepaTransfer(config, schema=SCHEMA, clean=True)
    execution_date = max(run.run_date, timezone.localdate())
    for payout in payouts:
        transfer.add_payment(
            {
                "name": payout.seller.legal_name,
                "IBAN": iban_compact(payout.iban),
                "amount": payout.amount_minor,
                "execution_date": execution_date,
                "description": f"Galerie payout {run.run_date.isoformat()} ref P{payout.pk}",
                "endtoend_id": f"GALERIE-P{payout.pk}",
            }
        )
    document: bytes = transfer.export(validate=False, pretty_print=True)
    import xmlschema  # imported late, as sepaxml does: it patches ElementTree

    try:  # the same check as ``export(validate=True)``, against a schema parsed once per process
        _schema().validate(document.decode())
    except xmlschema.XMLSchemaValidationError as error:
        raise sepaxml.validation.ValidationError(
            f"The {SCHEMA} file does not validate: {error.reason}"
        ) from error
    return document


@functools.cache
def _schema() -> Any:
    """The official XSD bundled with sepaxml (building it takes a third of a second)."""
    import xmlschema

    return xmlschema.XMLSchema(str(SCHEMA_FILE))
