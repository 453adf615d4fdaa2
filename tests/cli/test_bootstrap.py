"""`reflow bootstrap git` against the real git servers and the session plane, with reflow's source and kustomize
controllers running in-process (watching the test's namespace) so the bootstrapped sync becomes Ready."""

from __future__ import annotations

import asyncio
import contextlib
import json
import os
import subprocess
import sys
from collections.abc import AsyncIterator, Awaitable, Callable
from pathlib import Path

import pytest
import yaml

from reflow import __version__
from reflow.api.conditions import condition_true
from reflow.api.meta import Manifest, ObjectRef
from reflow.engines.install import install_selector
from reflow.kube.client import Kube, connect
from reflow.kube.errors import NotFound
from reflow.kube.options import ConnectionOptions
from reflow.kube.secret import secret_data
from reflow.kube.tokenrequest import request_token
from reflow.kube.wait import wait_for
from tests.cli.runner import Reflow
from tests.fixtures_git import GIT_USERNAME
from tests.gitservers import GitHttpServer, Repo, Signer, SshServer, TLSFiles, armored_secret_key, signature_of
from tests.managers import StartControllers

SRC = Path(__file__).resolve().parents[2] / "src"
PATH = "clusters/prod"
SOURCE = "source.toolkit.fluxcd.io/v1"
KUSTOMIZE = "kustomize.toolkit.fluxcd.io/v1"
LIGHT = ("--components=source-controller,kustomize-controller", "--network-policy=false", "--timeout=3m")


@pytest.fixture
async def cluster_scoped(kube: Kube, namespace: str) -> AsyncIterator[None]:
    """Removes the RBAC a bootstrap into the test namespace creates cluster-wide, and the finalizers that
    would keep the namespace from going away once the controllers have stopped."""
    yield
    for kind in ("ClusterRole", "ClusterRoleBinding"):
        for obj in await kube.list_all(
            "rbac.authorization.k8s.io/v1", kind, label_selector=install_selector(namespace)
        ):
            with contextlib.suppress(NotFound):  # gone already
                await kube.delete(ObjectRef("rbac.authorization.k8s.io/v1", kind, obj["metadata"]["name"]))
    for api_version, kind in ((SOURCE, "GitRepository"), (KUSTOMIZE, "Kustomization")):
        ref = ObjectRef(api_version, kind, namespace, namespace)
        with contextlib.suppress(NotFound):
            await kube.patch(ref, {"metadata": {"finalizers": None}})


def remote_log(repo: Repo, branch: str = "main") -> list[str]:
    """Subjects of the branch's commits in the bare repository, newest first."""
    shown = subprocess.run(
        ["git", "--git-dir", str(repo.bare), "log", "--format=%s", branch],
        capture_output=True, text=True, check=False,
    )  # fmt: skip
    return shown.stdout.splitlines() if shown.returncode == 0 else []


def remote_file(repo: Repo, name: str, branch: str = "main") -> str:
    return subprocess.run(
        ["git", "--git-dir", str(repo.bare), "show", f"{branch}:{name}"], capture_output=True, text=True, check=True
    ).stdout


def changed_files(repo: Repo, branch: str = "main") -> list[str]:
    """Files the branch's last commit changed."""
    return subprocess.run(
        ["git", "--git-dir", str(repo.bare), "diff", "--name-only", f"{branch}~1", branch],
        capture_output=True, text=True, check=True,
    ).stdout.split()  # fmt: skip


def http_login(server: GitHttpServer) -> tuple[str, ...]:
    """The flags that let bootstrap clone and push over the plain-HTTP git server, and the cluster sync with them."""
    return ("--allow-insecure-http", "--token-auth", "-u", GIT_USERNAME, "-p", server.password or "")


def remote_head(repo: Repo, branch: str = "main") -> str:
    return subprocess.run(
        ["git", "--git-dir", str(repo.bare), "rev-parse", branch], capture_output=True, text=True, check=True
    ).stdout.strip()


async def test_bootstrap_over_https_commits_installs_syncs_and_a_second_run_changes_nothing(
    reflow: Reflow,
    kube: Kube,
    namespace: str,
    make_repo: Callable[[], Repo],
    git_https: GitHttpServer,
    tls_files: TLSFiles,
    start_controllers: StartControllers,
    cluster_scoped: None,
) -> None:
    repo = make_repo()
    repo.commit({"README.md": "fleet\n", f"{PATH}/apps.yaml": ""}, "existing content")
    await start_controllers("source", "kustomize")
    url = git_https.url(repo.bare.name)
    flags = (f"--url={url}", f"--path=./{PATH}", "--token-auth", "-u", GIT_USERNAME, "-p", git_https.password or "",
             f"--ca-file={tls_files.ca_cert}", "--author-email=bot@example.com", *LIGHT)  # fmt: skip

    first = await reflow("bootstrap", "git", *flags)

    assert first.code == 0, first.stderr
    assert remote_log(repo) == [f"Add reflow v{__version__} component and sync manifests", "existing content"]
    assert remote_file(repo, "README.md") == "fleet\n"
    sync = list(yaml.safe_load_all(remote_file(repo, f"{PATH}/flux-system/gotk-sync.yaml")))
    assert [(doc["kind"], doc["metadata"]["name"], doc["metadata"]["namespace"]) for doc in sync] == [
        ("GitRepository", namespace, namespace),
        ("Kustomization", namespace, namespace),
    ]
    assert sync[0]["spec"] == {"interval": "1m0s", "ref": {"branch": "main"}, "secretRef": {"name": "flux-system"},
                               "url": url}  # fmt: skip
    assert sync[1]["spec"]["path"] == f"./{PATH}"
    assert yaml.safe_load(remote_file(repo, f"{PATH}/flux-system/kustomization.yaml"))["resources"] == [
        "gotk-components.yaml",
        "gotk-sync.yaml",
    ]
    components = list(yaml.safe_load_all(remote_file(repo, f"{PATH}/flux-system/gotk-components.yaml")))
    assert {doc["metadata"]["name"] for doc in components if doc["kind"] == "Deployment"} == {
        "source-controller",
        "kustomize-controller",
    }
    head = remote_head(repo)
    ks = await kube.get(ObjectRef(KUSTOMIZE, "Kustomization", namespace, namespace))
    assert condition_true(ks, "Ready")
    assert ks["status"]["lastAppliedRevision"] == f"main@sha1:{head}"
    credentials = await kube.get(ObjectRef("v1", "Secret", "flux-system", namespace))
    assert secret_data(credentials) == {
        "username": GIT_USERNAME.encode(),
        "password": (git_https.password or "").encode(),
        "ca.crt": tls_files.ca_cert.read_bytes(),
    }
    assert (git_https.password or "") not in first.stdout + first.stderr
    checked = await reflow("check", "--components=source-controller,kustomize-controller")
    assert checked.code == 0, checked.stderr
    assert "kustomize-controller: deployment ready" in checked.stderr

    second = await reflow("bootstrap", "git", *flags)

    assert second.code == 0, second.stderr
    assert "up to date" in second.stderr
    assert f"components are managed by Kustomization {namespace}/{namespace}" in second.stderr
    assert "applying the namespace" not in second.stderr
    assert remote_head(repo) == head
    unchanged = await kube.get(ObjectRef(KUSTOMIZE, "Kustomization", namespace, namespace))
    assert unchanged["metadata"]["generation"] == ks["metadata"]["generation"]
    again = await kube.get(ObjectRef("v1", "Secret", "flux-system", namespace))
    assert again["metadata"]["resourceVersion"] == credentials["metadata"]["resourceVersion"]

    app = {"apiVersion": "v1", "kind": "ConfigMap", "metadata": {"name": "app", "namespace": namespace},
           "data": {"greeting": "hello"}}  # fmt: skip
    repo.git("fetch", "--quiet", "origin")
    repo.git("reset", "--quiet", "--hard", "origin/main")
    later = repo.commit({f"{PATH}/apps.yaml": yaml.safe_dump(app)}, "add an app")
    await kube.patch(
        ObjectRef(SOURCE, "GitRepository", namespace, namespace),
        {"metadata": {"annotations": {"reconcile.fluxcd.io/requestedAt": "after-bootstrap"}}},
    )
    await wait_for(
        kube, ObjectRef(KUSTOMIZE, "Kustomization", namespace, namespace),
        lambda obj: (obj or {}).get("status", {}).get("lastAppliedRevision") == f"main@sha1:{later}",
        timeout=60, what=f"applied at {later}",
    )  # fmt: skip
    applied = await kube.get(ObjectRef("v1", "ConfigMap", "app", namespace))
    assert applied["data"] == {"greeting": "hello"}

    upgraded = await reflow("bootstrap", "git", *flags, "--interval=2m")

    assert upgraded.code == 0, upgraded.stderr
    assert remote_log(repo)[1] == "add an app"
    assert changed_files(repo) == [f"{PATH}/flux-system/gotk-sync.yaml"]
    source = await kube.get(ObjectRef(SOURCE, "GitRepository", namespace, namespace))
    assert source["spec"]["interval"] == "2m0s"
    assert source["status"]["artifact"]["revision"] == f"main@sha1:{remote_head(repo)}"


@pytest.mark.parametrize("key", ["plain", "protected"], ids=["key", "key-with-passphrase"])
async def test_bootstrap_over_ssh_into_an_empty_repository_creates_the_branch_with_a_signed_commit(
    key: str,
    reflow: Reflow,
    kube: Kube,
    namespace: str,
    make_repo: Callable[[], Repo],
    sshd: SshServer,
    ssh_keys: dict[str, Path],
    start_controllers: StartControllers,
    cluster_scoped: None,
    gpg_signer: Signer,
    tmp_path: Path,
) -> None:
    assert gpg_signer.gpg is not None
    key_ring = tmp_path / "key-ring.asc"
    key_ring.write_bytes(armored_secret_key(gpg_signer.gpg))
    repo = make_repo()
    await start_controllers("source", "kustomize")
    url = sshd.url(repo.bare)
    passphrase = (ssh_keys[key].parent / f"{key}.passphrase").read_text() if key == "protected" else ""

    done = await reflow(
        "bootstrap", "git", f"--url={url}", "--branch=fleet", f"--private-key-file={ssh_keys[key]}", "--silent",
        f"--password={passphrase}",
        f"--gpg-key-ring={key_ring}", f"--gpg-key-id={gpg_signer.gpg.fingerprint[-16:]}",
        *LIGHT,
    )  # fmt: skip

    assert done.code == 0, done.stderr
    assert 'branch "fleet" does not exist yet' in done.stderr
    assert len(remote_log(repo, "fleet")) == 1
    assert signature_of(repo.bare, "fleet", gpg_signer.gpg) == f"G|{gpg_signer.gpg.fingerprint}"
    assert "gotk-sync.yaml" in remote_file(repo, "flux-system/kustomization.yaml", "fleet")
    data = secret_data(await kube.get(ObjectRef("v1", "Secret", "flux-system", namespace)))
    assert data["identity"] == ssh_keys[key].read_bytes()
    assert data.get("password", b"") == passphrase.encode()
    if key == "plain":  # a protected key's public half cannot be read without decrypting it
        assert data["identity.pub"].split()[:2] == ssh_keys[key].with_suffix(".pub").read_bytes().split()[:2]
    assert f"[127.0.0.1]:{sshd.port} ssh-ed25519" in data["known_hosts"].decode()
    ks = await kube.get(ObjectRef(KUSTOMIZE, "Kustomization", namespace, namespace))
    assert ks["status"]["lastAppliedRevision"] == f"fleet@sha1:{remote_head(repo, 'fleet')}"
    assert ks["spec"]["path"] == "./"


async def test_generated_deploy_key_is_printed_confirmed_and_reused_by_the_next_run(
    reflow: Reflow,
    kube: Kube,
    kubeconfig: Path,
    namespace: str,
    make_repo: Callable[[], Repo],
    sshd: SshServer,
    start_controllers: StartControllers,
    cluster_scoped: None,
    tmp_path: Path,
) -> None:
    repo = make_repo()
    await start_controllers("source", "kustomize")
    flags = (f"--url={sshd.url(repo.bare)}", "--ssh-key-algorithm=ed25519", f"--path={PATH}", *LIGHT)
    env = {**os.environ, "PYTHONPATH": str(SRC), "NO_COLOR": "1"}
    process = await asyncio.create_subprocess_exec(
        sys.executable, "-m", "reflow", "bootstrap", "git", *flags, "--kubeconfig", str(kubeconfig), "-n", namespace,
        stdin=asyncio.subprocess.PIPE, stdout=asyncio.subprocess.PIPE, stderr=asyncio.subprocess.PIPE, env=env,
    )  # fmt: skip
    assert process.stdout is not None
    assert process.stdin is not None
    try:
        async with asyncio.timeout(120):
            public = (await process.stdout.readline()).decode().strip()
            assert public.startswith("ssh-ed25519 "), public
            (tmp_path / "deploy.pub").write_text(public + "\n")
            sshd.authorise(tmp_path / "deploy.pub")
            _, stderr = await process.communicate(b"y\n")
    finally:
        if process.returncode is None:
            process.kill()
            await process.wait()
    assert process.returncode == 0, stderr.decode()
    assert "Please give the key access to your repository" in stderr.decode()
    data = secret_data(await kube.get(ObjectRef("v1", "Secret", "flux-system", namespace)))
    assert data["identity.pub"].decode().split()[:2] == public.split()[:2]
    assert len(remote_log(repo)) == 1

    again = await reflow("bootstrap", "git", *flags, "--silent")

    assert again.code == 0, again.stderr
    assert f"using the deploy key in Secret {namespace}/flux-system" in again.stderr
    assert "up to date" in again.stderr
    assert len(remote_log(repo)) == 1
    assert secret_data(await kube.get(ObjectRef("v1", "Secret", "flux-system", namespace))) == data


@pytest.fixture
async def service_account_clients(kubeconfig: Path) -> AsyncIterator[Callable[[str, str], Awaitable[Kube]]]:
    """Clients of the session plane that authenticate with a ServiceAccount's token; closed after the
    controllers using them (request this fixture before `start_controllers`)."""
    async with contextlib.AsyncExitStack() as clients:

        async def client(namespace: str, name: str) -> Kube:
            async with connect(ConnectionOptions(kubeconfig=str(kubeconfig), user_agent="reflow-tests")) as admin:
                token = await request_token(admin, namespace, name, [])
            options = ConnectionOptions(kubeconfig=str(kubeconfig), token=token.token, user_agent=f"reflow-{name}")
            return await clients.enter_async_context(connect(options))

        yield client


async def test_controllers_with_the_identities_the_manifests_give_them_make_the_sync_ready(
    reflow: Reflow,
    kube: Kube,
    namespace: str,
    make_repo: Callable[[], Repo],
    git_http: GitHttpServer,
    service_account_clients: Callable[[str, str], Awaitable[Kube]],
    start_controllers: StartControllers,
    cluster_scoped: None,
) -> None:
    repo = make_repo()
    login = http_login(git_http)
    running = asyncio.create_task(reflow("bootstrap", "git", f"--url={git_http.url(repo.bare.name)}", *login, *LIGHT))
    try:
        rbac = "rbac.authorization.k8s.io/v1"
        made = [
            ObjectRef(rbac, "ClusterRoleBinding", f"{role}-{namespace}")
            for role in ("crd-controller", "cluster-reconciler")
        ]
        made += [ObjectRef("v1", "ServiceAccount", f"{name}-controller", namespace) for name in ("source", "kustomize")]
        for ref in made:
            await wait_for(kube, ref, lambda obj: obj is not None, timeout=120, what="created")
        review = {"apiVersion": "authentication.k8s.io/v1", "kind": "SelfSubjectReview"}
        for controller in ("source", "kustomize"):
            identity = await service_account_clients(namespace, f"{controller}-controller")
            whoami = await identity.request("POST", "/apis/authentication.k8s.io/v1/selfsubjectreviews", body=review)
            assert whoami["status"]["userInfo"]["username"] == (
                f"system:serviceaccount:{namespace}:{controller}-controller"
            )
            await start_controllers(controller, client=identity)
        done = await running
    finally:
        running.cancel()
    assert done.code == 0, done.stderr
    ks = await kube.get(ObjectRef(KUSTOMIZE, "Kustomization", namespace, namespace))
    assert ks["status"]["lastAppliedRevision"] == f"main@sha1:{remote_head(repo)}"


RACE_HOOK = """#!/bin/sh
# The first push finds the branch moved on: before git updates it, this moves main to the commit another
# writer pushed to refs/heads/concurrent (outside the push's object quarantine), as if it had landed first.
if [ ! -e raced ]; then
  touch raced
  env -u GIT_QUARANTINE_PATH -u GIT_OBJECT_DIRECTORY -u GIT_ALTERNATE_OBJECT_DIRECTORIES \\
    git update-ref refs/heads/main refs/heads/concurrent
fi
"""


async def test_a_commit_landing_between_clone_and_push_is_kept_and_bootstrap_redone_on_top(
    reflow: Reflow,
    kube: Kube,
    namespace: str,
    make_repo: Callable[[], Repo],
    git_http: GitHttpServer,
    start_controllers: StartControllers,
    cluster_scoped: None,
) -> None:
    repo = make_repo()
    repo.commit({"README.md": "fleet\n", f"{PATH}/apps.yaml": "", "docs/notes.md": "not synced\n"}, "existing content")
    app = {"apiVersion": "v1", "kind": "ConfigMap", "metadata": {"name": "team", "namespace": namespace}}
    repo.commit({f"{PATH}/team.yaml": yaml.safe_dump(app)}, "concurrent change", branch="concurrent")
    hook = repo.bare / "hooks" / "pre-receive"
    hook.write_text(RACE_HOOK)
    hook.chmod(0o755)
    await start_controllers("source", "kustomize")
    login = http_login(git_http)

    done = await reflow(
        "bootstrap", "git", f"--url={git_http.url(repo.bare.name)}", *login, f"--path={PATH}",
        "--sparse-checkout=clusters", "--image-pull-secret=regcred", "--registry-creds=bot:s3cret-pull", *LIGHT,
    )  # fmt: skip

    assert done.code == 0, done.stderr
    assert 'branch "main" moved on to' in done.stderr
    assert remote_log(repo) == [
        f"Add reflow v{__version__} component and sync manifests",
        "concurrent change",
        "existing content",
    ]
    assert yaml.safe_load(remote_file(repo, f"{PATH}/team.yaml")) == app
    source = await kube.get(ObjectRef(SOURCE, "GitRepository", namespace, namespace))
    assert source["spec"]["sparseCheckout"] == ["clusters"]
    assert source["status"]["artifact"]["revision"] == f"main@sha1:{remote_head(repo)}"
    assert (await kube.get(ObjectRef("v1", "ConfigMap", "team", namespace)))["metadata"]["name"] == "team"
    pulled = await kube.get(ObjectRef("v1", "Secret", "regcred", namespace))
    assert pulled["type"] == "kubernetes.io/dockerconfigjson"
    auths = json.loads(secret_data(pulled)[".dockerconfigjson"])["auths"]
    assert auths["ghcr.io/reflow-dev"]["password"] == "s3cret-pull"
    for deployment in await kube.list_all("apps/v1", "Deployment", namespace):
        assert deployment["spec"]["template"]["spec"]["imagePullSecrets"] == [{"name": "regcred"}]
    assert "s3cret-pull" not in done.stdout + done.stderr


INTRUDER_HOOK = """#!/bin/sh
# Every push finds the branch moved on: another writer's commit lands on main just before git updates it.
unset GIT_QUARANTINE_PATH GIT_OBJECT_DIRECTORY GIT_ALTERNATE_OBJECT_DIRECTORIES
export GIT_AUTHOR_NAME=intruder GIT_AUTHOR_EMAIL=i@example.com
export GIT_COMMITTER_NAME=intruder GIT_COMMITTER_EMAIL=i@example.com
git update-ref refs/heads/main "$(git commit-tree -p main -m intruder 'main^{tree}')"
"""


async def test_a_branch_that_keeps_moving_stops_bootstrap_before_the_cluster_changes(
    reflow: Reflow,
    kube: Kube,
    namespace: str,
    make_repo: Callable[[], Repo],
    git_http: GitHttpServer,
    flux_crds: list[Manifest],
) -> None:
    repo = make_repo()
    repo.commit({"README.md": "fleet\n"}, "existing content")
    hook = repo.bare / "hooks" / "pre-receive"
    hook.write_text(INTRUDER_HOOK)
    hook.chmod(0o755)
    login = http_login(git_http)

    refused = await reflow("bootstrap", "git", f"--url={git_http.url(repo.bare.name)}", *login, *LIGHT)

    assert refused.code == 1, refused.stderr
    assert 'branch "main" moved on during each of 3 attempts' in refused.stderr
    assert refused.stderr.count('branch "main" moved on to') == 2
    assert remote_log(repo) == ["intruder"] * 3 + ["existing content"]
    assert await objects_in(kube, namespace) == []


async def test_an_installation_managed_by_another_tool_is_taken_over_only_when_agreed(
    reflow: Reflow,
    kube: Kube,
    namespace: str,
    make_repo: Callable[[], Repo],
    git_http: GitHttpServer,
    flux_crds: list[Manifest],
) -> None:
    crd = ObjectRef("apiextensions.k8s.io/v1", "CustomResourceDefinition", "gitrepositories.source.toolkit.fluxcd.io")
    repo = make_repo()
    before = repo.commit({"README.md": "fleet\n"}, "existing content")
    login = http_login(git_http)
    await kube.patch(crd, {"metadata": {"labels": {"app.kubernetes.io/managed-by": "Helm"}}})
    try:
        refused = await reflow("bootstrap", "git", f"--url={git_http.url(repo.bare.name)}", *login, *LIGHT, stdin="n\n")
    finally:
        await kube.patch(crd, {"metadata": {"labels": {"app.kubernetes.io/managed-by": None}}})
    assert refused.code == 1
    assert "has been installed on this cluster with Helm!" in refused.stderr
    assert "Are you sure you want to override the Helm installation?" in refused.stderr
    assert "--force" in refused.stderr
    assert remote_head(repo) == before
    assert await objects_in(kube, namespace) == []


async def objects_in(kube: Kube, namespace: str) -> list[str]:
    """What a bootstrap would have created in the namespace."""
    found = [f"Deployment/{d['metadata']['name']}" for d in await kube.list_all("apps/v1", "Deployment", namespace)]
    found += [f"Secret/{s['metadata']['name']}" for s in await kube.list_all("v1", "Secret", namespace)]
    return found


@pytest.mark.parametrize(
    ("case", "expected"),
    [
        pytest.param("wrong-password", "authentication", id="wrong-password"),
        pytest.param("unreachable", "unable to", id="unreachable-host"),
        pytest.param("foreign-files", "was not generated by reflow or Flux", id="path-holds-other-files"),
        pytest.param("insecure-http", "--allow-insecure-http", id="http-without-consent"),
        pytest.param("outside-path", "inside the repository", id="path-outside-the-repository"),
        pytest.param(
            "protected-branch", "did not move: it refuses pushes, protected or by a hook", id="protected-branch"
        ),
        pytest.param("other-sync-path", "would overwrite path ('./clusters/dev')", id="cluster-syncs-another-path"),
        pytest.param("unreachable-cluster", "127.0.0.1:9", id="unreachable-cluster"),
        pytest.param("path-is-a-file", "gotk-sync.yaml exists and is not a folder", id="path-is-a-file"),
        pytest.param("unreachable-ssh", "no SSH host keys could be read from 127.0.0.1:9", id="unreachable-ssh-host"),
    ],
)
async def test_bad_input_stops_before_the_repository_or_the_cluster_changes(
    reflow: Reflow,
    kube: Kube,
    namespace: str,
    make_repo: Callable[[], Repo],
    git_http: GitHttpServer,
    ssh_keys: dict[str, Path],
    flux_crds: list[Manifest],
    case: str,
    expected: str,
) -> None:
    if case == "other-sync-path":
        await kube.create(
            {"apiVersion": KUSTOMIZE, "kind": "Kustomization", "metadata": {"name": namespace, "namespace": namespace},
             "spec": {"interval": "10m", "path": "./clusters/dev", "prune": True,
                      "sourceRef": {"kind": "GitRepository", "name": namespace}}}
        )  # fmt: skip
    repo = make_repo()
    own = "apiVersion: v1\nkind: ConfigMap\n"
    repo.commit({f"{PATH}/flux-system/gotk-sync.yaml": own}, "hand-written sync")
    before = remote_head(repo)
    hook = repo.bare / "hooks" / "pre-receive"
    hook.write_text("#!/bin/sh\necho 'main is a protected branch' >&2\nexit 1\n")
    hook.chmod(0o755 if case == "protected-branch" else 0o644)
    url = git_http.url(repo.bare.name)
    login = ("--token-auth", "-u", GIT_USERNAME, "-p", git_http.password or "")
    insecure = (f"--url={url}", "--allow-insecure-http")
    args = {
        "wrong-password": [*insecure, "--token-auth", "-p", "not-the-password", f"--path={PATH}"],
        "unreachable": ["--url=https://127.0.0.1:9/nothing.git", "--token-auth", "-p", "x", f"--path={PATH}"],
        "foreign-files": [*insecure, *login, f"--path={PATH}"],
        "insecure-http": [f"--url={url}", *login, f"--path={PATH}"],
        "outside-path": [*insecure, *login, "--path=../elsewhere"],
        "protected-branch": [*insecure, *login, "--path=other"],
        "other-sync-path": [*insecure, *login, "--path=other"],
        "unreachable-cluster": [*insecure, *login, "--path=other", "--server=https://127.0.0.1:9"],
        "path-is-a-file": [*insecure, *login, f"--path={PATH}/flux-system/gotk-sync.yaml"],
        "unreachable-ssh": ["--url=ssh://git@127.0.0.1:9/fleet", f"--private-key-file={ssh_keys['plain']}", "-s"],
    }[case]

    refused = await reflow("bootstrap", "git", *args, *LIGHT)

    assert refused.code == 1, refused.stderr
    assert expected in refused.stderr
    assert "hint:" in refused.stderr
    assert remote_head(repo) == before
    assert remote_file(repo, f"{PATH}/flux-system/gotk-sync.yaml") == own
    assert await objects_in(kube, namespace) == []
