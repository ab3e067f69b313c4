"""A merchant file's options and attributes mapped onto the product type's schema.

Shopify's option names, WooCommerce's attributes, Magento's ``additional_attributes`` and a
feed's ``g:color``/``g:size``/``g:material``… arrive as free names ("Couleur", "Size", "color").
:func:`attributes_for_type` finds each one's :class:`~galerie.catalog.models.AttributeDefinition`
of the product type, in this order: by code, by name (both compared case- and
accent-insensitively: "Matière" is "matiere"), then by the matcher's table of usual French and
English names (``catalog.matching.products.ATTRIBUTE_ALIASES``: "Couleur" → ``colour``). A value
then goes through the catalog's own check of its kind (``catalog.attributes.attributes_clean``:
a whole number, a decimal, one of a choice's values…), after two friendly readings the catalog
leaves to forms: a choice is found whatever its case and accents ("noir" is the choice "Noir"),
and yes/no words are booleans. A value the definition refuses, and a name no definition has, are
left out of the product, as every attribute was before (the record keeps them; the operator
completes the proposal): docs/merchant-formats.md.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any

from galerie.catalog.attributes import attributes_clean
from galerie.catalog.errors import InvalidAttributes
from galerie.catalog.matching.normalise import fold
from galerie.catalog.matching.products import ATTRIBUTE_ALIASES
from galerie.catalog.models import AttributeDefinition

TRUE_WORDS = {"true", "yes", "oui", "1", "y", "vrai"}
FALSE_WORDS = {"false", "no", "non", "0", "n", "faux"}


@dataclass
class MappedAttributes:
    """The values the product type takes (by code, coerced), and what was left out, by the file's name."""

    values: dict[str, Any] = field(default_factory=dict)
    unmapped: dict[str, str] = field(default_factory=dict)  # no definition of that name
    refused: dict[str, str] = field(default_factory=dict)  # a definition refused the value
    missing: list[str] = field(default_factory=list)  # required definitions the file does not give


def _key(text: str) -> str:
    return " ".join(fold(str(text)).replace("_", " ").replace("-", " ").split())


def _definition_for(name: str, definitions: list[AttributeDefinition]) -> AttributeDefinition | None:
    key = _key(name)
    for definition in definitions:
        if _key(definition.code) == key:
            return definition
    for definition in definitions:
        if _key(definition.name) == key:
            return definition
    by_code = {definition.code: definition for definition in definitions}
    for code in ATTRIBUTE_ALIASES.get(key.replace(" ", ""), ATTRIBUTE_ALIASES.get(key, ())):
        if code in by_code:
            return by_code[code]
    return None


def _reading(definition: AttributeDefinition, value: str) -> Any:
    """The file's text as the catalog's check expects it for this kind."""
    kind = definition.kind
    if kind == AttributeDefinition.Kind.CHOICE:
        wanted = _key(value)
        return next((choice for choice in definition.choices if _key(str(choice)) == wanted), value)
    if kind == AttributeDefinition.Kind.BOOLEAN:
        word = _key(value)
        return True if word in TRUE_WORDS else False if word in FALSE_WORDS else value
    return value.strip()


def attributes_for_type(
    definitions: Iterable[AttributeDefinition], values: Mapping[str, str]
) -> MappedAttributes:
    """Map a row's attributes (name → text) onto a product type's definitions; see the module."""
    definitions = list(definitions)
    mapped = MappedAttributes()
    for name, text in values.items():
        text = str(text or "").strip()
        if not text:
            continue
        definition = _definition_for(name, definitions)
        if definition is None:
            mapped.unmapped[name] = text
            continue
        if definition.code in mapped.values:
            continue  # "Color" and "Couleur" both given: the first one wins
        try:
            cleaned = attributes_clean(
                [definition], {definition.code: _reading(definition, text)}, level=definition.level
            )
        except InvalidAttributes:
            mapped.refused[name] = text
            continue
        mapped.values.update(cleaned)
    mapped.missing = [
        definition.name
        for definition in definitions
        if definition.is_required and definition.code not in mapped.values
    ]
    return mapped
