"""ImagePolicy against the real plane: the latest tag of the scanned tags, its previous one, and clear failures."""

from __future__ import annotations

from pathlib import Path

from reflow.api.conditions import condition
from reflow.kube.client import Kube
from tests.controllers.image.images import (
    image_policy,
    image_repository,
    reason_is,
    request,
    scanned,
    until,
)
from tests.managers import StartControllers
from tests.manifests import ready_is


async def test_semver_range_picks_the_highest_release_and_follows_new_tags(
    kube: Kube, namespace: str, start_controllers: StartControllers, tmp_path: Path
) -> None:
    scanned(tmp_path, namespace, "app", ["1.0.0", "1.1.0", "2.0.0-rc.1", "latest"])
    await start_controllers("image-reflector")
    await kube.create(image_repository(namespace, "app", "registry.example/app"))
    await kube.create(image_policy(namespace, "app", "app", {"semver": {"range": ">=1.0.0 <2.0.0"}}))

    policy = await until(kube, namespace, "ImagePolicy", "app", ready_is("True"))
    assert policy["status"]["latestRef"] == {"name": "registry.example/app", "tag": "1.1.0"}
    assert "observedPreviousRef" not in policy["status"]
    assert condition(policy, "Ready")["message"] == "Latest image tag for registry.example/app resolved to 1.1.0"  # type: ignore[index]

    scanned(tmp_path, namespace, "app", ["1.0.0", "1.1.0", "1.2.0", "2.0.0-rc.1"])
    policy = await request(kube, namespace, "ImagePolicy", "app", "rescan")
    assert policy["status"]["latestRef"]["tag"] == "1.2.0"
    assert policy["status"]["observedPreviousRef"] == {"name": "registry.example/app", "tag": "1.1.0"}
    assert condition(policy, "Ready")["message"] == (  # type: ignore[index]
        "Latest image tag for registry.example/app resolved to 1.2.0 (previously registry.example/app:1.1.0)"
    )


async def test_timestamped_tags_with_extract_pick_the_newest(
    kube: Kube, namespace: str, start_controllers: StartControllers, tmp_path: Path
) -> None:
    tags = ["main-3f2a1b0-1700000100", "main-9c8d7e6-1700000300", "main-1a2b3c4-1700000200", "pr-7-1700000900"]
    scanned(tmp_path, namespace, "app", tags)
    await start_controllers("image-reflector")
    await kube.create(image_repository(namespace, "app", "registry.example/app"))
    filter_tags = {"pattern": r"^main-[a-f0-9]+-(?P<ts>[0-9]+)$", "extract": "$ts"}
    policy = image_policy(namespace, "app", "app", {"numerical": {"order": "asc"}}, filterTags=filter_tags)
    await kube.create(policy)
    found = await until(kube, namespace, "ImagePolicy", "app", ready_is("True"))
    assert found["status"]["latestRef"]["tag"] == "main-9c8d7e6-1700000300"


async def test_bad_policies_and_missing_tags_say_why(
    kube: Kube, namespace: str, start_controllers: StartControllers, tmp_path: Path
) -> None:
    scanned(tmp_path, namespace, "app", ["1", "20", "latest"])
    await start_controllers("image-reflector")
    await kube.create(image_repository(namespace, "app", "registry.example/app"))
    await kube.create(image_repository(namespace, "empty", "registry.example/empty"))
    bad_regex = image_policy(namespace, "regex", "app", {"alphabetical": {}}, filterTags={"pattern": "^(main-"})
    await kube.create(bad_regex)
    await kube.create(image_policy(namespace, "numbers", "app", {"numerical": {}}))
    await kube.create(image_policy(namespace, "unscanned", "empty", {"alphabetical": {}}))
    await kube.create(image_policy(namespace, "nothing", "app", {"semver": {"range": ">=3.0.0"}}))

    regex = await until(kube, namespace, "ImagePolicy", "regex", reason_is("False", "InvalidPolicy"))
    assert "invalid regular expression pattern '^(main-'" in condition(regex, "Ready")["message"]  # type: ignore[index]
    assert condition(regex, "Stalled")["status"] == "True"  # type: ignore[index]
    numbers = await until(kube, namespace, "ImagePolicy", "numbers", reason_is("False", "Failure"))
    assert "failed to parse invalid numeric value 'latest'" in condition(numbers, "Ready")["message"]  # type: ignore[index]
    unscanned = await until(kube, namespace, "ImagePolicy", "unscanned", reason_is("False", "DependencyNotReady"))
    assert "has no scanned tags yet" in condition(unscanned, "Ready")["message"]  # type: ignore[index]
    nothing = await until(kube, namespace, "ImagePolicy", "nothing", reason_is("False", "Failure"))
    assert "none of the 3 tags is a version in the range '>=3.0.0'" in condition(nothing, "Ready")["message"]  # type: ignore[index]


async def test_a_repository_outside_the_watched_namespace_is_not_found(
    kube: Kube, namespace: str, start_controllers: StartControllers, tmp_path: Path
) -> None:
    scanned(tmp_path, namespace, "app", ["1.0.0"])
    await start_controllers("image-reflector")
    await kube.create(image_repository(namespace, "app", "registry.example/app"))
    other = {"name": "app", "namespace": "elsewhere-ns"}
    policy = image_policy(namespace, "far", "app", {"alphabetical": {}})
    policy["spec"]["imageRepositoryRef"] = other
    await kube.create(policy)
    found = await until(kube, namespace, "ImagePolicy", "far", reason_is("False", "DependencyNotReady"))
    assert "ImageRepository/elsewhere-ns/app' not found" in condition(found, "Ready")["message"]  # type: ignore[index]
