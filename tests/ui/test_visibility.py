"""What each viewer receives in token and proxy modes: only the Flux objects their own `list` rights cover, in the
overview, its counts, its event stream and the dependency graph; local mode shows everything."""

from __future__ import annotations

import asyncio
import json
from pathlib import Path

import aiohttp

from reflow.api.meta import Manifest
from reflow.kube.client import Kube
from reflow.kube.tokenrequest import request_token
from reflow.ui.identity import AuthMode
from tests.controllers.kustomize.sources import SOURCE
from tests.ui.browser import Page
from tests.ui.conftest import StartUI
from tests.ui.shots import shoot
from tests.ui.test_access import READ, grant, kustomization

DEADLINE = 30.0


def repository(name: str, namespace: str) -> Manifest:
    spec = {"url": "https://git.invalid/repo", "interval": "1h"}
    return {"apiVersion": SOURCE, "kind": "GitRepository", "metadata": {"name": name, "namespace": namespace},
            "spec": spec}  # fmt: skip


async def total(browser: Page) -> int:
    """The sum of the overview's status counts."""
    return int(await browser.run(
        'return [...document.querySelectorAll("#counts .n")].reduce((n, e) => n + Number(e.textContent), 0)'
    ))  # fmt: skip


async def test_a_token_viewer_receives_only_what_they_may_list(
    kube: Kube, namespace: str, other_namespace: str, start_ui: StartUI, browser: Page, tmp_path: Path
) -> None:
    await kube.create(
        {"apiVersion": "v1", "kind": "ServiceAccount", "metadata": {"name": "viewer", "namespace": namespace}}
    )
    await grant(kube, namespace, {"kind": "ServiceAccount", "name": "viewer", "namespace": namespace}, READ)
    token = (await request_token(kube, namespace, "viewer", [])).token
    await kube.create(kustomization("app-a", namespace))
    await kube.create(repository("repo-a", namespace))  # a kind the viewer may not list, even in their namespace
    await kube.create(kustomization("hush-b", other_namespace))
    url = await start_ui(auth=AuthMode.TOKEN, everywhere=True)

    await browser.open(url, headers={"Authorization": f"Bearer {token}"})
    await browser.text(f'tr.row[data-id="Kustomization/{namespace}/app-a"]', "app-a")
    note = await browser.text("#access-note", "Filtered by your rights: you may not list")
    assert "GitRepository" in note
    assert "Kustomization is shown only from the namespaces where you may list them" in note
    assert await total(browser) == 1
    await shoot(browser, tmp_path, "limited")

    async with aiohttp.ClientSession(headers={"Authorization": f"Bearer {token}"}) as session:
        async with session.get(f"{url}api/objects") as answer:
            overview = await answer.json()
        assert [row["id"] for row in overview["rows"]] == [f"Kustomization/{namespace}/app-a"]
        assert sum(overview["counts"].values()) == 1
        async with session.get(f"{url}api/graph") as answer:
            graph = await answer.text()
        assert "app-a" in graph
        assert "hush-b" not in graph
        assert other_namespace not in graph

        received = []
        async with asyncio.timeout(DEADLINE), session.get(f"{url}api/events") as events:
            async for line in events.content:
                received.append(line.decode())
                message = json.loads(line.decode().removeprefix("data: ")) if line.startswith(b"data: ") else {}
                if message.get("type") == "snapshot":  # the stream is listening: B changes first, then A
                    await kube.create(kustomization("late-b", other_namespace))
                    await kube.create(kustomization("late-a", namespace))
                if message.get("type") == "upsert" and message["row"]["name"] == "late-a":
                    break
    everything = "".join(received)
    assert "app-a" in everything
    for hidden in ("hush-b", "late-b", "repo-a", other_namespace):
        assert hidden not in everything, hidden

    await browser.text(f'tr.row[data-id="Kustomization/{namespace}/late-a"]', "late-a")
    source = await browser.run("return document.documentElement.outerHTML")
    for hidden in ("hush-b", "late-b", "repo-a", other_namespace):
        assert hidden not in source, hidden
    assert await total(browser) == 2


async def test_a_proxy_viewer_sees_what_their_groups_may_list_and_nobody_gets_a_note_not_an_error(
    kube: Kube, namespace: str, other_namespace: str, start_ui: StartUI, browser: Page, tmp_path: Path
) -> None:
    # Names of this test alone: a RoleBinding of an earlier test lives on while its namespace terminates.
    user, team = f"carol-{namespace}", f"team-{namespace}"
    await grant(kube, namespace, {"kind": "Group", "name": team, "apiGroup": "rbac.authorization.k8s.io"}, READ)
    await kube.create(kustomization("app-a", namespace, dependsOn=[{"name": "base", "namespace": other_namespace}]))
    await kube.create(kustomization("base", other_namespace))
    await kube.create(kustomization("hush-b", other_namespace))
    url = await start_ui(auth=AuthMode.PROXY, everywhere=True)

    await browser.open(url, headers={"X-Remote-User": user, "X-Remote-Group": team})
    await browser.text(f'tr.row[data-id="Kustomization/{namespace}/app-a"]', "app-a")
    assert await total(browser) == 1
    assert "hush-b" not in await browser.run("return document.documentElement.outerHTML")
    async with (
        aiohttp.ClientSession(headers={"X-Remote-User": user, "X-Remote-Group": team}) as session,
        session.get(f"{url}api/graph") as answer,
    ):
        nodes = {node["id"]: node["status"] for node in (await answer.json())["nodes"]}
    assert nodes[f"Kustomization/{other_namespace}/base"] == "Hidden"  # an edge's end carol may not list
    assert f"Kustomization/{other_namespace}/hush-b" not in nodes

    await browser.open(url, headers={"X-Remote-User": "nobody"})
    note = await browser.text("#access-note", "There is nothing here you may list")
    assert "Filtered by your rights: you may not list any Flux kind." in note
    assert await browser.count("tr.row") == 0
    assert await browser.count("#object-error") == 0
    assert await total(browser) == 0
    await shoot(browser, tmp_path, "nothing-listed")
    await browser.open(f"{url}#/graph", headers={"X-Remote-User": "nobody"})
    await browser.text("#access-note", "you may not list any Flux kind")


async def test_local_mode_shows_every_namespace_without_a_note(
    kube: Kube, namespace: str, other_namespace: str, start_ui: StartUI, browser: Page
) -> None:
    await kube.create(kustomization("app-a", namespace))
    await kube.create(kustomization("hush-b", other_namespace))
    await browser.open(await start_ui(everywhere=True))
    await browser.text(f'tr.row[data-id="Kustomization/{other_namespace}/hush-b"]', "hush-b")
    await browser.text(f'tr.row[data-id="Kustomization/{namespace}/app-a"]', "app-a")
    assert await browser.run('return document.getElementById("access-note").hidden') is True
