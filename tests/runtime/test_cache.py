"""The informer cache hands out one informer per identity and scope, held or borrowed, indexed late as well."""

from __future__ import annotations

import pytest

from reflow.api.meta import Manifest
from reflow.kube.client import Kube
from reflow.runtime.cache import Cache
from reflow.runtime.informer import Scope
from tests.manifests import config_map

FIELD_MANAGER = "reflow-tests"


def config_maps(namespace: str) -> Scope:
    return Scope(api_version="v1", kind="ConfigMap", namespace=namespace)


async def test_borrowed_informers_are_shared_until_the_last_user_leaves(kube: Kube, namespace: str) -> None:
    async with Cache() as cache:
        async with cache.watching(kube, config_maps(namespace)) as first:
            async with cache.watching(kube, config_maps(namespace)) as second:
                assert first is second
                assert len(cache.informer_keys()) == 1
            assert len(cache.informer_keys()) == 1
        assert cache.informer_keys() == []
        admin_as_someone = kube.impersonating("someone", ("system:masters",))
        async with (
            cache.watching(admin_as_someone, config_maps(namespace)),
            cache.watching(kube, config_maps(namespace)),
        ):
            assert len(cache.informer_keys()) == 2


async def test_a_held_informer_starts_with_the_cache_and_outlives_its_borrowers(kube: Kube, namespace: str) -> None:
    await kube.apply(config_map(namespace, "present", {"key": "value"}), field_manager=FIELD_MANAGER)
    cache = Cache()
    held = cache.informer(kube, config_maps(namespace))
    assert cache.informer(kube, config_maps(namespace)) is held
    assert not cache.synced
    async with cache:
        async with cache.watching(kube, config_maps(namespace)) as borrowed:
            assert borrowed is held
            assert cache.synced
        assert [key.scope for key in cache.informer_keys()] == [config_maps(namespace)]
        assert held.get(namespace, "present") is not None


async def test_an_index_added_to_a_running_informer_covers_what_it_already_holds(kube: Kube, namespace: str) -> None:
    await kube.apply(config_map(namespace, "tagged", {"key": "value"}, {"team": "a"}), field_manager=FIELD_MANAGER)
    async with Cache() as cache, cache.watching(kube, config_maps(namespace)) as informer:

        def team(obj: Manifest) -> list[str]:
            return [(obj["metadata"].get("labels") or {}).get("team", "")]

        informer.add_index("team", team)
        informer.add_index("team", team)
        assert [obj["metadata"]["name"] for obj in informer.by_index("team", "a")] == ["tagged"]
        with pytest.raises(ValueError, match="already registered"):
            informer.add_index("team", lambda obj: [])
