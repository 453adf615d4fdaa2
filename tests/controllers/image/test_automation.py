"""ImageUpdateAutomation against the real plane and git server: the whole loop from a new tag to a new image."""

from __future__ import annotations

import base64
import secrets
import subprocess
from collections.abc import Callable
from pathlib import Path

from reflow.api.conditions import condition
from reflow.api.meta import Manifest, ObjectRef
from reflow.kube.client import Kube
from reflow.kube.wait import wait_for
from tests.controllers.image.images import IMAGE, image_policy, image_repository, reason_is, request, scanned, until
from tests.controllers.image.ociimages import push_images
from tests.controllers.kustomize.sources import KUSTOMIZE, SOURCE
from tests.controllers.source.gitrepositories import secret
from tests.engines.image.flux_templates import RANGE_EXAMPLE
from tests.fixtures_git import GIT_USERNAME
from tests.forgeserver import serve_forge
from tests.gitservers import GitHttpServer, Repo, Signer, armored_secret_key, signature_of
from tests.managers import StartControllers
from tests.manifests import ready_is
from tests.registries import Registry


def deployment_yaml(namespace: str, tag: str, image: str = "registry.example/app") -> str:
    return f"""\
# the web tier; keep this comment
apiVersion: apps/v1
kind: Deployment
metadata:
  name: web
  namespace: {namespace}
spec:
  replicas: 1
  selector:
    matchLabels: {{app: web}}
  template:
    metadata:
      labels: {{app: web}}
    spec:
      containers:
        - name: web
          image: "{image}:{tag}" # {{"$imagepolicy": "{namespace}:app"}}
          args: ['--port', "8080"]
"""


def bare(repo: Repo, *args: str) -> str:
    return subprocess.run(["git", "-C", repo.bare, *args], capture_output=True, text=True, check=True).stdout


async def git_objects(kube: Kube, namespace: str, server: GitHttpServer, repo: Repo, path: str | None = None) -> None:
    password = (server.password or "").encode()
    data = {
        "username": base64.b64encode(GIT_USERNAME.encode()).decode(),
        "password": base64.b64encode(password).decode(),
    }
    await kube.create({"apiVersion": "v1", "kind": "Secret", "metadata": {"name": "git", "namespace": namespace},
                       "data": data})  # fmt: skip
    await kube.create({
        "apiVersion": SOURCE, "kind": "GitRepository", "metadata": {"name": "app", "namespace": namespace},
        "spec": {"url": server.url(path or repo.bare.name), "interval": "1h", "ref": {"branch": "main"},
                 "secretRef": {"name": "git"}},
    })  # fmt: skip


def automation(namespace: str, **spec: object) -> Manifest:
    return {
        "apiVersion": IMAGE,
        "kind": "ImageUpdateAutomation",
        "metadata": {"name": "auto", "namespace": namespace},
        "spec": {
            "interval": "1h",
            "sourceRef": {"kind": "GitRepository", "name": "app"},
            "git": {
                "commit": {"author": {"name": "Flux", "email": "flux@reflow.invalid"}, "messageTemplate": RANGE_EXAMPLE}
            },
            "update": {"path": "./deploy", "strategy": "Setters"},
            **spec,
        },
    }


async def automate(
    kube: Kube,
    namespace: str,
    start: StartControllers,
    server: GitHttpServer,
    repo: Repo,
    tmp_path: Path,
    push: Manifest | None = None,
) -> None:
    """Tags 1.0.0 and 1.1.0 scanned, a `1.x` policy that chose 1.1.0, and the automation of `repo`."""
    scanned(tmp_path, namespace, "app", ["1.0.0", "1.1.0"])
    await git_objects(kube, namespace, server, repo)
    await start("image-reflector", "image-automation")
    await kube.create(image_repository(namespace, "app", "registry.example/app"))
    await kube.create(image_policy(namespace, "app", "app", {"semver": {"range": "1.x"}}))
    await until(kube, namespace, "ImagePolicy", "app", ready_is("True"))
    spec = automation(namespace)
    if push is not None:
        spec["spec"]["git"]["push"] = push
    await kube.create(spec)


def image_of(obj: Manifest | None) -> str | None:
    containers = (((obj or {}).get("spec") or {}).get("template") or {}).get("spec", {}).get("containers") or []
    return containers[0]["image"] if containers else None


async def test_a_new_tag_is_committed_pushed_and_applied_and_a_second_run_commits_nothing(
    kube: Kube,
    namespace: str,
    start_controllers: StartControllers,
    git_http: GitHttpServer,
    make_repo: Callable[[], Repo],
    registry: Registry,
    registry_repository: str,
) -> None:
    image = f"{registry.host}/{registry_repository}"
    await push_images(registry, registry_repository, "1.0.0")
    repo = make_repo()
    before = deployment_yaml(namespace, "1.0.0", image)
    first = repo.commit({"deploy/web.yaml": before, "deploy/kustomization.yaml": "resources: [web.yaml]\n"}, "init")
    await git_objects(kube, namespace, git_http, repo)
    await start_controllers("source", "kustomize", "image-reflector", "image-automation")
    await kube.create({
        "apiVersion": KUSTOMIZE, "kind": "Kustomization", "metadata": {"name": "app", "namespace": namespace},
        "spec": {"interval": "1h", "prune": True, "path": "./deploy",
                 "sourceRef": {"kind": "GitRepository", "name": "app"}},
    })  # fmt: skip
    web = ObjectRef("apps/v1", "Deployment", "web", namespace)
    await wait_for(kube, web, lambda d: image_of(d) == f"{image}:1.0.0", timeout=60, what="applied")
    await kube.create(image_repository(namespace, "app", image))
    await kube.create(image_policy(namespace, "app", "app", {"semver": {"range": ">=1.0.0 <2.0.0"}}))
    await until(kube, namespace, "ImagePolicy", "app", ready_is("True"))
    await kube.create(automation(namespace))
    auto = await until(kube, namespace, "ImageUpdateAutomation", "auto", ready_is("True", "repository up-to-date"))
    assert bare(repo, "rev-parse", "main").strip() == first, "the tag in Git is the latest: nothing to commit"
    assert auto["status"]["observedPolicies"] == {"app": {"name": image, "tag": "1.0.0"}}

    # CI pushes 1.1.0 and a release candidate; the next scan (here asked for) finds them.
    await push_images(registry, registry_repository, "1.1.0", "2.0.0-rc.1")
    await request(kube, namespace, "ImageRepository", "app", "scan")
    auto = await until(
        kube, namespace, "ImageUpdateAutomation", "auto", lambda o: "lastPushCommit" in o.get("status", {})
    )  # type: ignore[union-attr]
    pushed = auto["status"]["lastPushCommit"]
    assert bare(repo, "rev-parse", "main").strip() == pushed
    assert bare(repo, "show", f"{pushed}:deploy/web.yaml") == before.replace(f"{image}:1.0.0", f"{image}:1.1.0")
    assert bare(repo, "diff", "--numstat", first, pushed).split() == ["1", "1", "deploy/web.yaml"]
    assert bare(repo, "log", "-1", "--format=%an <%ae>%n%B", pushed) == (
        "Flux <flux@reflow.invalid>\n"
        "Automated image update\n\n"
        f"Automation name: {namespace}/auto\n\n"
        "Files:\n- web.yaml\n"
        "Objects:\n- Deployment web\n  Changes:\n"
        f"    - {image}:1.0.0 -> {image}:1.1.0\n\n"
    )
    assert auto["status"]["observedSourceRevision"] == f"main@sha1:{pushed}"
    assert auto["status"]["observedPolicies"] == {"app": {"name": image, "tag": "1.1.0"}}

    # A push webhook asks the GitRepository to look; the Kustomization applies the new image.
    await kube.patch(ObjectRef(SOURCE, "GitRepository", "app", namespace),
                     {"metadata": {"annotations": {"reconcile.fluxcd.io/requestedAt": "pushed"}}})  # fmt: skip
    await wait_for(kube, web, lambda d: image_of(d) == f"{image}:1.1.0", timeout=60, what="updated")

    await request(kube, namespace, "ImageRepository", "app", "rescan")
    again = await request(kube, namespace, "ImageUpdateAutomation", "auto", "again")
    assert bare(repo, "rev-parse", "main").strip() == pushed, "no new tag, no commit"
    assert again["status"]["lastPushCommit"] == pushed


async def test_a_refused_push_leaves_the_branch_alone_and_says_why(
    kube: Kube,
    namespace: str,
    start_controllers: StartControllers,
    git_http: GitHttpServer,
    make_repo: Callable[[], Repo],
    tmp_path: Path,
) -> None:
    repo = make_repo()
    first = repo.commit({"deploy/web.yaml": deployment_yaml(namespace, "1.0.0")}, "init")
    hook = repo.bare / "hooks" / "pre-receive"
    hook.write_text("#!/bin/sh\necho 'main is a protected branch'\nexit 1\n")
    hook.chmod(0o755)
    await automate(kube, namespace, start_controllers, git_http, repo, tmp_path)
    auto = await until(kube, namespace, "ImageUpdateAutomation", "auto", reason_is("False", "GitOperationFailed"))
    message = condition(auto, "Ready")["message"]  # type: ignore[index]
    assert "was rejected, nothing was pushed" in message
    assert "pre-receive hook declined" in message
    assert bare(repo, "rev-parse", "main").strip() == first
    assert "lastPushCommit" not in auto["status"]


async def test_unparsable_files_and_unknown_markers_are_skipped_and_named(
    kube: Kube,
    namespace: str,
    start_controllers: StartControllers,
    git_http: GitHttpServer,
    make_repo: Callable[[], Repo],
    tmp_path: Path,
) -> None:
    repo = make_repo()
    broken = f'image: registry.example/app:1.0.0 # {{"$imagepolicy": "{namespace}:app"}}\n  - : [\n'
    unknown = f'image: registry.example/other:1.0.0 # {{"$imagepolicy": "{namespace}:missing"}}\n'
    first = repo.commit({"deploy/broken.yaml": broken, "deploy/unknown.yaml": unknown}, "init")
    await automate(kube, namespace, start_controllers, git_http, repo, tmp_path)
    auto = await until(kube, namespace, "ImageUpdateAutomation", "auto", ready_is("True", "skipped 2"))
    message = condition(auto, "Ready")["message"]  # type: ignore[index]
    assert "broken.yaml (does not parse:" in message
    assert f"unknown.yaml:1 {namespace}:missing (no such policy with a latest image)" in message
    assert bare(repo, "rev-parse", "main").strip() == first


async def test_policy_changes_within_the_delay_land_in_one_signed_commit(
    kube: Kube,
    namespace: str,
    start_controllers: StartControllers,
    git_http: GitHttpServer,
    make_repo: Callable[[], Repo],
    tmp_path: Path,
    gpg_signer: Signer,
) -> None:
    repo = make_repo()
    files = {
        "deploy/app.yaml": f'image: registry.example/app:1.0.0 # {{"$imagepolicy": "{namespace}:app"}}\n',
        "deploy/db.yaml": f'tag: "5.0" # {{"$imagepolicy": "{namespace}:db:tag"}}\n',
    }
    first = repo.commit(files, "init")
    scanned(tmp_path, namespace, "app", ["1.0.0"])
    scanned(tmp_path, namespace, "db", ["5.0"])
    await git_objects(kube, namespace, git_http, repo)
    assert gpg_signer.gpg is not None
    armored = armored_secret_key(gpg_signer.gpg)
    await kube.create({"apiVersion": "v1", "kind": "Secret", "metadata": {"name": "signing", "namespace": namespace},
                       "data": {"git.asc": base64.b64encode(armored).decode()}})  # fmt: skip
    await start_controllers("image-reflector", "image-automation")
    for name in ("app", "db"):
        await kube.create(image_repository(namespace, name, f"registry.example/{name}"))
    await kube.create(image_policy(namespace, "app", "app", {"semver": {"range": "1.x"}}))
    await kube.create(image_policy(namespace, "db", "db", {"numerical": {}}))
    for name in ("app", "db"):
        await until(kube, namespace, "ImagePolicy", name, ready_is("True"))
    spec = automation(namespace, policyChangeDelay="3s")
    spec["spec"]["git"]["commit"]["signingKey"] = {"secretRef": {"name": "signing"}}
    await kube.create(spec)
    await until(
        kube,
        namespace,
        "ImageUpdateAutomation",
        "auto",
        lambda o: len(o.get("status", {}).get("observedPolicies") or {}) == 2,
    )  # type: ignore[union-attr]

    scanned(tmp_path, namespace, "app", ["1.0.0", "1.1.0"])
    scanned(tmp_path, namespace, "db", ["5.0", "5.1"])
    await request(kube, namespace, "ImagePolicy", "app", "scan")
    await request(kube, namespace, "ImagePolicy", "db", "scan")
    auto = await until(
        kube, namespace, "ImageUpdateAutomation", "auto", lambda o: "lastPushCommit" in o.get("status", {})
    )  # type: ignore[union-attr]
    pushed = auto["status"]["lastPushCommit"]
    assert bare(repo, "rev-list", f"{first}..main").split() == [pushed], "both changes in one commit"
    assert bare(repo, "diff", "--name-only", first, pushed).split() == ["deploy/app.yaml", "deploy/db.yaml"]
    assert bare(repo, "show", f"{pushed}:deploy/db.yaml") == f'tag: "5.1" # {{"$imagepolicy": "{namespace}:db:tag"}}\n'
    signed = signature_of(repo.bare, pushed, gpg_signer.gpg)
    assert signed.strip() == f"G|{gpg_signer.gpg.fingerprint}"


async def test_updates_wait_in_one_pull_request_from_the_push_branch(
    kube: Kube,
    namespace: str,
    start_controllers: StartControllers,
    git_http: GitHttpServer,
    git_root: Path,
    tmp_path: Path,
) -> None:
    name = f"app-{secrets.token_hex(3)}"
    repo = Repo.create(git_root, f"org/{name}", tmp_path / "work")
    marked = f'image: registry.example/app:1.0.0 # {{"$imagepolicy": "{namespace}:app"}}\n'
    first = repo.commit({"deploy/app.yaml": marked}, "init")
    scanned(tmp_path, namespace, "app", ["1.0.0", "1.1.0"])
    await git_objects(kube, namespace, git_http, repo, f"org/{name}.git")
    await kube.create(secret(namespace, "forge", {"token": b"forge-token"}))
    async with serve_forge("forge-token") as forge:
        await start_controllers("image-reflector", "image-automation")
        await kube.create(image_repository(namespace, "app", "registry.example/app"))
        await kube.create(image_policy(namespace, "app", "app", {"semver": {"range": "1.x"}}))
        await until(kube, namespace, "ImagePolicy", "app", ready_is("True"))
        pull_request = {"secretRef": {"name": "forge"}, "apiURL": forge.api}
        spec = automation(namespace)
        spec["spec"]["git"]["push"] = {"branch": "flux/images", "pullRequest": pull_request}
        await kube.create(spec)
        auto = await until(
            kube, namespace, "ImageUpdateAutomation", "auto", lambda o: "lastPushCommit" in o.get("status", {})
        )  # type: ignore[union-attr]
        pushed = auto["status"]["lastPushCommit"]
        assert bare(repo, "rev-parse", "main", "flux/images").split() == [first, pushed]
        (pull,) = forge.pulls[("org", name)]
        assert (pull["head"]["ref"], pull["base"]["ref"], pull["title"]) == (
            "flux/images",
            "main",
            "Automated image update",
        )
        assert "registry.example/app:1.0.0 -> registry.example/app:1.1.0" in pull["body"]

        scanned(tmp_path, namespace, "app", ["1.0.0", "1.1.0", "1.2.0"])
        await request(kube, namespace, "ImagePolicy", "app", "newer")
        auto = await until(
            kube,
            namespace,
            "ImageUpdateAutomation",
            "auto",
            lambda o: o.get("status", {}).get("lastPushCommit") not in (None, pushed),
        )  # type: ignore[union-attr]
        second = auto["status"]["lastPushCommit"]
        assert bare(repo, "rev-parse", f"{second}^").strip() == pushed, "the update goes on top of the push branch"
        assert bare(repo, "rev-parse", "main").strip() == first
        assert len(forge.pulls[("org", name)]) == 1, "the open pull request is reused"
        assert [call[0] for call in forge.calls].count("POST") == 1


async def test_a_pull_request_into_the_push_branch_itself_stalls_before_anything_is_pushed(
    kube: Kube,
    namespace: str,
    start_controllers: StartControllers,
    git_http: GitHttpServer,
    make_repo: Callable[[], Repo],
    tmp_path: Path,
) -> None:
    repo = make_repo()
    first = repo.commit({"deploy/web.yaml": deployment_yaml(namespace, "1.0.0")}, "init")
    pull_request = {"secretRef": {"name": "forge"}, "apiURL": "http://127.0.0.1:9/api/v1"}
    await automate(kube, namespace, start_controllers, git_http, repo, tmp_path, {"pullRequest": pull_request})
    auto = await until(
        kube, namespace, "ImageUpdateAutomation", "auto", reason_is("False", "InvalidSourceConfiguration")
    )
    assert "pullRequest needs spec.git.push.branch ('main') to differ" in condition(auto, "Ready")["message"]  # type: ignore[index]
    assert condition(auto, "Stalled")["status"] == "True"  # type: ignore[index]
    assert bare(repo, "rev-parse", "main").strip() == first
