"""The DAC7 app's typed errors."""

from __future__ import annotations

from galerie.core.errors import DomainError


class Dac7DeclarationInvalid(DomainError):
    """The declaration built for a year does not validate against the tax authority's XSD."""

    code = "dac7_declaration_invalid"
    http_status = 500


class Dac7SettingMissing(DomainError):
    """The platform operator's identity (settings ``GALERIE_OPERATOR_*``) is incomplete."""

    code = "dac7_setting_missing"
    http_status = 500
