"""Galerie: one operator, several branded storefronts, many sellers, one back office."""

__version__ = "0.1.0"
