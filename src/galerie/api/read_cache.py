"""Public reads kept in the shared cache, made stale like the cached pages (core/surrogates.py).

A public read (a product with its offers) is the same for every caller: it is built once and
stored with the surrogate keys it shows (``product:12``, ``variant:40``, ``seller:7``,
``storefront:3``) and their versions. A hit is one cache get and one get_many of the versions;
a change to anything the read shows bumps a key and the next read builds it again. As for the
pages (web/page_cache.py): not stored when a key was bumped after the build began (a change
racing the build costs a build, never a stale answer), at most ``READ_SECONDS`` old, and
nothing is cached with ``PAGE_CACHE`` off or ``GALERIE_CACHE_BYPASS=1``.
"""

from __future__ import annotations

import hashlib
import time
from collections.abc import Callable, Iterable

from django.conf import settings
from django.core.cache import cache

from galerie.core import surrogates

READ_SECONDS = 600  # a safety net, as PAGE_SECONDS: the prior (Omnibus) prices move with time
CLOCK_SKEW = 0.1
FORMAT = 1
HEADER = "X-Galerie-Cache"


def shared_read(
    name: str, parts: Iterable[object], build: Callable[[], tuple[bytes, Iterable[str]]]
) -> tuple[bytes, str]:
    """Return the body of the read ``name`` of ``parts`` and "hit", "miss" or "bypass".

    ``build()`` returns the body (JSON, validated by its schema once, when built: a hit skips
    the validation and the rendering, most of a hit's cost otherwise) and the surrogate keys of
    what it shows; it may raise (a 404 is never stored)."""
    if not getattr(settings, "PAGE_CACHE", False) or getattr(settings, "CACHE_BYPASS", False):
        return build()[0], "bypass"
    raw = "\x1f".join([name, *(str(p) for p in parts)])
    key = f"api-read:{FORMAT}:{hashlib.sha256(raw.encode()).hexdigest()}"
    stored = cache.get(key)
    if isinstance(stored, tuple) and len(stored) == 2 and isinstance(stored[0], bytes):
        body, versions = stored
        if versions and surrogates.versions(versions) == versions:
            return body, "hit"
    started = time.time()
    body, keys = build()
    versions = surrogates.versions_initialised(keys)
    if not any(surrogates.bumped_at(v) > started - CLOCK_SKEW for v in versions.values()):
        cache.set(key, (body, versions), READ_SECONDS)
    return body, "miss"
