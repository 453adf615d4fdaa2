"""Watches of generators' other namespaces: only the namespaces that come or go are started or stopped."""

from __future__ import annotations

from reflow.api.meta import Manifest
from reflow.controllers.sourcewatcher.targets import TargetWatches
from reflow.kube.client import Kube
from reflow.runtime.cache import Cache
from reflow.runtime.informer import Change


def ignore(_: Change, __: Manifest | None, ___: Manifest) -> None:
    return None


async def test_a_change_of_namespaces_starts_and_stops_only_the_difference(kube: Kube) -> None:
    targets = TargetWatches(Cache(), kube, "home", ignore)
    assert targets.follow(("home", "one"), {"home", "a", "b"}) == (["a", "b"], [])
    assert targets.follow(("home", "two"), {"b", "c"}) == (["c"], [])
    assert targets.follow(("home", "one"), {"a"}) == ([], [])
    assert targets.follow(("home", "one"), ()) == ([], ["a"])
    assert targets.follow(("home", "two"), {"c"}) == ([], ["b"])
    assert targets.watching() == ["c"]


async def test_nothing_is_watched_separately_when_every_namespace_is(kube: Kube) -> None:
    targets = TargetWatches(Cache(), kube, None, ignore)
    assert targets.follow(("home", "one"), {"a"}) == ([], [])
    assert targets.covers("a")
    assert targets.watching() == []
