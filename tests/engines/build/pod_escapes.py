"""Run every hostile tree through the build engine as the controller would, and print what happened as JSON.

    python -m tests.engines.build.pod_escapes          (started by test_confine_pod under podlike.py)

The builder is the controller's own (`KustomizeBuilder()`, every sandbox, unconfined builds
refused), so the report also says which sandbox it picked where user namespaces are blocked.
"""

from __future__ import annotations

import asyncio
import json
import os
import shutil
import tempfile
from pathlib import Path

from reflow.engines.build import BuildFailed, BuildRequest, BuildSettings, BuildSpec, KustomizeBuilder, Owner, Pipeline
from tests.engines.build.hostile import CASES, CONFIGMAP, HOSTNAME_GENERATOR, plant, served

PODINFO = Path(__file__).parent / "testdata" / "podinfo"


async def _build(builder: KustomizeBuilder, root: Path, path: str, *, no_remote_bases: bool = False) -> int:
    pipeline = Pipeline(builder, BuildSettings(no_remote_bases=no_remote_bases))
    request = BuildRequest(root=root, digest=None, spec=BuildSpec(path=path), owner=Owner("a", "b"))
    result = await pipeline.build(request)
    return len(result.objects)


def _outcome(error: BaseException | None, spawned: int) -> dict[str, object]:
    if error is None:
        return {"error": None, "spawned": spawned}
    return {"error": type(error).__name__, "message": str(error), "spawned": spawned}


async def _kustomize_alone(builder: KustomizeBuilder, base: Path, body: str) -> dict[str, object]:
    """kustomize in the sandbox on a tree the checks never saw: what the sandbox alone lets through."""
    root = base / "artifact"
    (root / "app").mkdir(parents=True)
    (root / "app" / "kustomization.yaml").write_text(body)
    try:
        await builder.build(root, "app", network=False, timeout=60)
    except BuildFailed as error:
        return _outcome(error, 0)
    return _outcome(None, 0)


async def report(scratch: Path) -> dict[str, object]:
    """Environment facts, then each case's outcome."""
    builder = KustomizeBuilder()
    namespaces = await asyncio.create_subprocess_exec("unshare", "--user", "true", stderr=asyncio.subprocess.DEVNULL)
    facts: dict[str, object] = {
        "uid": os.getuid(),
        "unshare_user_exit": await namespaces.wait(),
        "sandbox": str(await builder.sandbox()),
    }
    cases: dict[str, object] = {}
    for number, case in enumerate(CASES):
        root = plant(case, scratch / f"case-{number}")
        spawned = builder.spawned
        try:
            await _build(builder, root, case.path, no_remote_bases=case.no_remote_bases)
        except BuildFailed as error:
            cases[case.id] = _outcome(error, builder.spawned - spawned)
        else:
            cases[case.id] = _outcome(None, builder.spawned - spawned)
    generator = "configMapGenerator:\n- name: host\n  files:\n  - /etc/hostname\n"
    cases["sandbox-hides-host-files"] = await _kustomize_alone(builder, scratch / "host", generator)
    inline = "generators:\n- |\n" + "".join(f"  {line}\n" for line in HOSTNAME_GENERATOR.splitlines())
    cases["sandbox-hides-plugin-files"] = await _kustomize_alone(builder, scratch / "plugin", inline)
    with served(CONFIGMAP) as url:
        cases["sandbox-has-no-network"] = await _kustomize_alone(builder, scratch / "net", f"resources:\n- {url}\n")
    shutil.copytree(PODINFO, scratch / "podinfo")
    facts["podinfo_objects"] = await _build(builder, scratch / "podinfo", "overlays/production")
    return {**facts, "cases": cases}


def main() -> None:
    """Print the report; the scratch directory is this process's own, as the Pod's /tmp is."""
    scratch = Path(tempfile.mkdtemp(prefix="pod-escapes-"))
    try:
        print(json.dumps(asyncio.run(report(scratch))))
    finally:
        shutil.rmtree(scratch, ignore_errors=True)


if __name__ == "__main__":
    main()
