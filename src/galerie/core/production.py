"""What production must not run with: DEBUG on, the built-in test payment gateway, the demo's
operator IBAN. ``galerie serve`` refuses to start with any of them (the demo runs the same server
with them, on purpose, through ``galerie demo``); each has its own explicit override, an
environment variable, so that allowing one never allows another. ``galerie check --deploy``
reports them too (docs/security-headers.md)."""

from __future__ import annotations

from django.conf import settings
from django.core import checks


def production_refusals() -> list[checks.Error]:
    """Return one error per risky setting production runs with and was not told to allow."""
    refusals = []
    if settings.DEBUG and not getattr(settings, "GALERIE_ALLOW_DEBUG", False):
        refusals.append(
            checks.Error(
                "DEBUG is on: error pages would show settings, code and data to anyone.",
                hint="Set DEBUG=false, or GALERIE_ALLOW_DEBUG=1 to serve with DEBUG on anyway.",
                id="galerie.E001",
            )
        )
    if settings.GALERIE_PAYMENT_GATEWAY == "test" and not getattr(
        settings, "GALERIE_ALLOW_TEST_GATEWAY", False
    ):
        refusals.append(
            checks.Error(
                "GALERIE_PAYMENT_GATEWAY is 'test': the built-in test gateway accepts made-up cards"
                " and moves no money, so every order would be placed unpaid.",
                hint="Set GALERIE_PAYMENT_GATEWAY to a real gateway, or GALERIE_ALLOW_TEST_GATEWAY=1"
                " to serve with the test gateway anyway (a demo, a staging site).",
                id="galerie.E002",
            )
        )
    demo_iban = getattr(settings, "GALERIE_DEMO_OPERATOR_IBAN", "")
    iban = "".join(str(getattr(settings, "GALERIE_OPERATOR_IBAN", "")).split()).upper()
    if demo_iban and iban == demo_iban and not getattr(settings, "GALERIE_ALLOW_DEMO_IBAN", False):
        refusals.append(
            checks.Error(
                f"GALERIE_OPERATOR_IBAN is the demo's IBAN ({demo_iban}): the payout transfer files"
                " would be drawn on an account that is not the operator's.",
                hint="Set GALERIE_OPERATOR_IBAN (and GALERIE_OPERATOR_BIC) to the operator's account,"
                " or GALERIE_ALLOW_DEMO_IBAN=1 to serve with the demo's anyway.",
                id="galerie.E003",
            )
        )
    return refusals


@checks.register(checks.Tags.security, deploy=True)
def check_production_settings(app_configs: object = None, **kwargs: object) -> list[checks.Error]:
    """``galerie check --deploy``: the refusals of ``galerie serve``."""
    return production_refusals()
