"""Result caches that a switch can turn off: ``settings.CACHE_BYPASS``.

Selectors that cache what they computed (facet counts, suggestions, home blocks, pages) go
through ``cached``. With ``CACHE_BYPASS`` on (``GALERIE_CACHE_BYPASS=1``, the bench's second
pass) they read nothing from the cache and write nothing to it: every call computes, so a slow
query shows in the figures instead of hiding behind a hit. Caches that are infrastructure, not
results — sessions, throttling counters, the host → storefront lookup, the sellers' version
that cache keys are built from — use the cache directly and are never bypassed.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TypeVar, cast

from django.conf import settings
from django.core.cache import cache

T = TypeVar("T")

_MISSING = object()


def cache_bypassed() -> bool:
    """Whether result caches must miss (``settings.CACHE_BYPASS``)."""
    return bool(getattr(settings, "CACHE_BYPASS", False))


def cached(key: str, compute: Callable[[], T], seconds: int) -> T:
    """Return the value cached under ``key``, else ``compute()`` it and cache it ``seconds``.

    ``seconds`` 0 caches nothing. With the bypass on, always ``compute()``, and cache nothing.
    """
    if not seconds or cache_bypassed():
        return compute()
    value = cache.get(key, _MISSING)
    if value is _MISSING:
        value = compute()
        cache.set(key, value, seconds)
    return cast(T, value)
