"""With REDIS_URL set, the cache (and so the host routing table) lives in Redis."""

import pytest
from django.core.cache import cache

from galerie.storefronts.selectors import storefront_id_for_host
from tests.factories import make_storefront

pytestmark = [pytest.mark.redis, pytest.mark.django_db]


def test_host_routing_is_cached_in_redis():
    from django_redis import get_redis_connection

    storefront = make_storefront(hosts=["cached.example.test"])
    assert storefront_id_for_host("cached.example.test") == storefront.pk
    redis = get_redis_connection("default")
    keys = [key.decode() for key in redis.keys("*storefront-host:cached.example.test*")]
    assert len(keys) == 1
    assert cache.get("storefront-host:cached.example.test") == storefront.pk
