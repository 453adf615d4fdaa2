"""GitRepository against the real plane and real git servers: refs, artifacts, no-op, failures, verification."""

from __future__ import annotations

import hashlib
import secrets
import tempfile
from collections.abc import Callable
from pathlib import Path

import aiohttp
import pytest

from reflow.api.annotations import REQUESTED_AT
from reflow.api.conditions import condition
from reflow.api.meta import Manifest
from reflow.kube.client import Kube
from reflow.kube.wait import wait_deleted
from tests.controllers.events import events_until
from tests.controllers.source.gitrepositories import (
    create_creds,
    fetch,
    git_repository,
    members,
    ref,
    secret,
    until,
)
from tests.fixtures_git import GIT_USERNAME
from tests.gitservers import GitHttpServer, Repo, Signer, SshServer
from tests.managers import StartControllers
from tests.manifests import ready_is


async def test_branch_becomes_an_artifact_shaped_by_ignore_rules(
    kube: Kube,
    namespace: str,
    start_controllers: StartControllers,
    git_http: GitHttpServer,
    make_repo: Callable[[], Repo],
) -> None:
    repo = make_repo()
    commit = repo.commit(
        {
            "deploy/app.yaml": "kind: ConfigMap\n",
            "deploy/notes.md": "# notes\n",
            "docs/guide.md": "guide\n",
            ".sourceignore": "docs/\n",
            ".github/workflows/ci.yaml": "on: push\n",
        },
        "first deploy of the app",
    )
    await create_creds(kube, namespace, git_http)
    await start_controllers("source")
    url = git_http.url(repo.bare.name)
    await kube.create(
        git_repository(
            namespace,
            "app",
            url,
            ref={"branch": "main"},
            secretRef={"name": "creds"},
            ignore="*.md\n!deploy/notes.md\n",
        )
    )

    obj = await until(kube, namespace, "app", ready_is("True"))
    artifact = obj["status"]["artifact"]
    assert artifact["revision"] == f"main@sha1:{commit}"
    assert condition(obj, "Ready")["message"] == f"stored artifact for revision 'main@sha1:{commit}'"  # type: ignore[index]
    assert condition(obj, "ArtifactInStorage")["status"] == "True"  # type: ignore[index]
    assert artifact["path"] == f"gitrepository/{namespace}/app/{commit}.tar.gz"
    tarball = await fetch(artifact["url"])
    assert artifact["digest"] == "sha256:" + hashlib.sha256(tarball).hexdigest()
    assert artifact["size"] == len(tarball)
    assert sorted(members(tarball)) == [
        ".github/workflows/ci.yaml",
        ".sourceignore",
        "deploy/app.yaml",
        "deploy/notes.md",
    ]
    assert obj["status"]["observedIgnore"] == "*.md\n!deploy/notes.md\n"
    recorded = await events_until(kube, namespace, lambda items: any(e["reason"] == "NewArtifact" for e in items))
    events = [e for e in recorded if e["reason"] == "NewArtifact"]
    assert [e["message"] for e in events] == ["stored artifact for commit 'first deploy of the app'"]
    assert events[0]["source"]["component"] == "source-controller"
    assert events[0]["metadata"]["annotations"]["source.toolkit.fluxcd.io/revision"] == f"main@sha1:{commit}"


async def test_unchanged_remote_costs_one_ref_lookup_and_a_new_commit_a_new_artifact(
    kube: Kube,
    namespace: str,
    start_controllers: StartControllers,
    git_http: GitHttpServer,
    make_repo: Callable[[], Repo],
) -> None:
    repo = make_repo()
    first = repo.commit({"a.yaml": "a: 1\n"}, "one")
    await create_creds(kube, namespace, git_http)
    await start_controllers("source")
    url = git_http.url(repo.bare.name)
    await kube.create(git_repository(namespace, "app", url, ref={"branch": "main"}, secretRef={"name": "creds"}))
    before = await until(kube, namespace, "app", ready_is("True", first))

    seen = len(git_http.requests)
    await kube.patch(ref(namespace, "app"), {"metadata": {"annotations": {REQUESTED_AT: "unchanged"}}})
    handled = await until(
        kube, namespace, "app", lambda o: (o or {}).get("status", {}).get("lastHandledReconcileAt") == "unchanged"
    )
    lookups = git_http.requests[seen:]
    assert [r.command for r in lookups if r.method == "POST"] == ["ls-refs"]
    assert handled["status"]["artifact"] == before["status"]["artifact"]
    assert handled["status"]["conditions"] == before["status"]["conditions"]

    second = repo.commit({"a.yaml": "a: 2\n"}, "two")
    await kube.patch(ref(namespace, "app"), {"metadata": {"annotations": {REQUESTED_AT: "moved"}}})
    after = await until(kube, namespace, "app", ready_is("True", second))
    assert after["status"]["artifact"]["revision"] == f"main@sha1:{second}"
    assert members(await fetch(after["status"]["artifact"]["url"])) == {"a.yaml": b"a: 2\n"}
    recorded = await events_until(kube, namespace, lambda items: sum(e["reason"] == "NewArtifact" for e in items) == 2)
    events = [e["message"] for e in recorded if e["reason"] == "NewArtifact"]
    assert sorted(events) == ["stored artifact for commit 'one'", "stored artifact for commit 'two'"]


@pytest.mark.parametrize(
    ("selector", "expected"),
    [
        pytest.param(lambda c: {"tag": "v1.0.0"}, ("v1", "v1.0.0@sha1:{v1}"), id="tag"),
        pytest.param(lambda c: {"semver": ">=1.0.0 <2.0.0"}, ("v11", "v1.1.0@sha1:{v11}"), id="semver"),
        pytest.param(lambda c: {"commit": c["old"]}, ("old", "sha1:{old}"), id="commit"),
        pytest.param(
            lambda c: {"name": "refs/heads/feature"}, ("feature", "refs/heads/feature@sha1:{feature}"), id="name"
        ),
        pytest.param(lambda c: {"branch": "main", "tag": "v1.0.0"}, ("v1", "v1.0.0@sha1:{v1}"), id="tag-over-branch"),
    ],
)
async def test_each_ref_kind_selects_its_commit(
    kube: Kube,
    namespace: str,
    start_controllers: StartControllers,
    git_http: GitHttpServer,
    make_repo: Callable[[], Repo],
    selector: Callable[[dict[str, str]], Manifest],
    expected: tuple[str, str],
) -> None:
    repo = make_repo()
    commits = {"old": repo.commit({"v": "old"}, "old")}
    commits["v1"] = repo.commit({"v": "1.0.0"}, "v1.0.0")
    repo.tag("v1.0.0")
    commits["v11"] = repo.commit({"v": "1.1.0"}, "v1.1.0")
    repo.tag("v1.1.0", message="release 1.1.0")
    commits["v2"] = repo.commit({"v": "2.0.0"}, "v2.0.0")
    repo.tag("v2.0.0")
    commits["feature"] = repo.commit({"v": "feature"}, "feature work", branch="feature")
    await create_creds(kube, namespace, git_http)
    await start_controllers("source")
    await kube.create(
        git_repository(
            namespace, "app", git_http.url(repo.bare.name), ref=selector(commits), secretRef={"name": "creds"}
        )
    )
    obj = await until(kube, namespace, "app", ready_is("True"))
    key, revision = expected
    assert obj["status"]["artifact"]["revision"] == revision.format(**commits)
    assert members(await fetch(obj["status"]["artifact"]["url"]))["v"].decode() == {"v1": "1.0.0", "v11": "1.1.0"}.get(
        key, key
    )


async def test_wrong_password_and_unreachable_host_fail_clearly_and_keep_the_last_artifact(
    kube: Kube,
    namespace: str,
    start_controllers: StartControllers,
    git_http: GitHttpServer,
    make_repo: Callable[[], Repo],
) -> None:
    repo = make_repo()
    commit = repo.commit({"a.yaml": "a: 1\n"}, "one")
    password = git_http.password.encode()  # type: ignore[union-attr]
    await kube.create(secret(namespace, "creds", {"username": GIT_USERNAME.encode(), "password": password}))
    await start_controllers("source")
    await kube.create(
        git_repository(
            namespace, "app", git_http.url(repo.bare.name), secretRef={"name": "creds"}, ref={"branch": "main"}
        )
    )
    good = await until(kube, namespace, "app", ready_is("True", commit))

    await kube.apply(
        secret(namespace, "creds", {"username": GIT_USERNAME.encode(), "password": b"not-the-password"}),
        field_manager="t",
        force=True,
    )
    await kube.patch(ref(namespace, "app"), {"metadata": {"annotations": {REQUESTED_AT: "bad-password"}}})
    failed = await until(kube, namespace, "app", ready_is("False"))
    assert condition(failed, "Ready")["reason"] == "AuthenticationFailed"  # type: ignore[index]
    assert condition(failed, "FetchFailed")["status"] == "True"  # type: ignore[index]
    assert "not-the-password" not in str(failed["status"])
    assert failed["status"]["artifact"] == good["status"]["artifact"]
    assert members(await fetch(failed["status"]["artifact"]["url"])) == {"a.yaml": b"a: 1\n"}
    recorded = await events_until(kube, namespace, lambda items: any(e["type"] == "Warning" for e in items))
    warnings = [e for e in recorded if e["type"] == "Warning"]
    assert warnings
    assert all("not-the-password" not in e["message"] for e in warnings)

    await kube.patch(ref(namespace, "app"), {"spec": {"url": "http://127.0.0.1:1/nowhere.git", "secretRef": None}})
    unreachable = await until(
        kube, namespace, "app", lambda o: ready_is("False")(o) and (o or {})["status"]["observedGeneration"] == 2
    )
    assert condition(unreachable, "Ready")["reason"] == "GitOperationFailed"  # type: ignore[index]
    assert "127.0.0.1:1" in condition(unreachable, "Ready")["message"]  # type: ignore[index]
    assert unreachable["status"]["artifact"] == good["status"]["artifact"]


async def test_ssh_with_unknown_host_key_fails_and_with_known_hosts_succeeds(
    kube: Kube,
    namespace: str,
    start_controllers: StartControllers,
    sshd: SshServer,
    ssh_keys: dict[str, object],
    make_repo: Callable[[], Repo],
) -> None:
    repo = make_repo()
    commit = repo.commit({"a.yaml": "a: 1\n"}, "over ssh")
    identity = ssh_keys["plain"].read_bytes()  # type: ignore[attr-defined]
    stranger = b"[127.0.0.1]:1 ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIAbVYjh4ZUuXrhzWPr7HXqw1XtuszkqHmPOc4CBEg2bT\n"
    await kube.create(secret(namespace, "ssh", {"identity": identity, "known_hosts": stranger}))
    await start_controllers("source")
    await kube.create(
        git_repository(namespace, "app", sshd.url(repo.bare), secretRef={"name": "ssh"}, ref={"branch": "main"})
    )
    failed = await until(kube, namespace, "app", ready_is("False"))
    assert "host key" in condition(failed, "Ready")["message"].lower()  # type: ignore[index]

    await kube.apply(
        secret(namespace, "ssh", {"identity": identity, "known_hosts": sshd.known_hosts}), field_manager="t", force=True
    )
    await kube.patch(ref(namespace, "app"), {"metadata": {"annotations": {REQUESTED_AT: "trusted"}}})
    fixed = await until(kube, namespace, "app", ready_is("True", commit))
    assert fixed["status"]["artifact"]["revision"] == f"main@sha1:{commit}"


async def test_signed_commit_verifies_and_an_untrusted_one_does_not(
    kube: Kube,
    namespace: str,
    start_controllers: StartControllers,
    git_http: GitHttpServer,
    make_repo: Callable[[], Repo],
    gpg_signer: Signer,
    stranger_gpg_signer: Signer,
) -> None:
    repo = make_repo()
    signed = repo.commit({"a.yaml": "a: 1\n"}, "signed", signer=gpg_signer)
    await create_creds(kube, namespace, git_http)
    await kube.create(secret(namespace, "keys", {"author.asc": gpg_signer.gpg.public}))  # type: ignore[union-attr]
    await start_controllers("source")
    await kube.create(
        git_repository(
            namespace,
            "app",
            git_http.url(repo.bare.name),
            secretRef={"name": "creds"},
            ref={"branch": "main"},
            verify={"mode": "HEAD", "secretRef": {"name": "keys"}},
        )
    )
    good = await until(kube, namespace, "app", ready_is("True", signed))
    assert condition(good, "SourceVerified")["status"] == "True"  # type: ignore[index]
    assert good["status"]["sourceVerificationMode"] == "HEAD"

    repo.commit({"a.yaml": "a: 2\n"}, "signed by a stranger", signer=stranger_gpg_signer)
    await kube.patch(ref(namespace, "app"), {"metadata": {"annotations": {REQUESTED_AT: "stranger"}}})
    bad = await until(kube, namespace, "app", ready_is("False"))
    assert condition(bad, "SourceVerified")["status"] == "False"  # type: ignore[index]
    assert bad["status"]["artifact"] == good["status"]["artifact"]


async def test_deleting_the_repository_removes_its_artifacts(
    kube: Kube,
    namespace: str,
    start_controllers: StartControllers,
    git_http: GitHttpServer,
    make_repo: Callable[[], Repo],
) -> None:
    repo = make_repo()
    repo.commit({"a.yaml": "a: 1\n"}, "one")
    await create_creds(kube, namespace, git_http)
    await start_controllers("source")
    await kube.create(
        git_repository(
            namespace, "app", git_http.url(repo.bare.name), secretRef={"name": "creds"}, ref={"branch": "main"}
        )
    )
    obj = await until(kube, namespace, "app", ready_is("True"))
    url = obj["status"]["artifact"]["url"]
    await fetch(url)
    await kube.delete(ref(namespace, "app"))
    await wait_deleted(kube, ref(namespace, "app"), timeout=60)
    async with aiohttp.ClientSession() as session, session.get(url) as answer:
        assert answer.status == 404


async def test_an_included_repository_is_copied_in_and_its_new_artifact_rebuilds_the_includer(
    kube: Kube,
    namespace: str,
    start_controllers: StartControllers,
    git_http: GitHttpServer,
    make_repo: Callable[[], Repo],
) -> None:
    app, shared = make_repo(), make_repo()
    app.commit({"app.yaml": "app: 1\n"}, "app")
    shared.commit({"lib/common.yaml": "common: 1\n", "README.md": "docs\n"}, "shared v1")
    await create_creds(kube, namespace, git_http)
    await start_controllers("source")
    await kube.create(
        git_repository(
            namespace, "shared", git_http.url(shared.bare.name), secretRef={"name": "creds"}, ref={"branch": "main"}
        )
    )
    await kube.create(git_repository(
        namespace, "app", git_http.url(app.bare.name), secretRef={"name": "creds"}, ref={"branch": "main"},
        include=[{"repository": {"name": "shared"}, "fromPath": "lib", "toPath": "vendor/shared"}],
    ))  # fmt: skip
    first = await until(kube, namespace, "app", ready_is("True"))
    assert members(await fetch(first["status"]["artifact"]["url"])) == {
        "app.yaml": b"app: 1\n", "vendor/shared/common.yaml": b"common: 1\n",
    }  # fmt: skip
    assert len(first["status"]["includedArtifacts"]) == 1

    second = shared.commit({"lib/common.yaml": "common: 2\n"}, "shared v2")
    await kube.patch(ref(namespace, "shared"), {"metadata": {"annotations": {REQUESTED_AT: "shared-moved"}}})
    rebuilt = await until(
        kube, namespace, "app",
        lambda o: second in str(((o or {}).get("status") or {}).get("includedArtifacts")),
    )  # fmt: skip
    assert members(await fetch(rebuilt["status"]["artifact"]["url"]))["vendor/shared/common.yaml"] == b"common: 2\n"


@pytest.mark.parametrize(
    ("links", "include", "why"),
    [
        pytest.param(
            {"evil": "{outside}"}, {"toPath": "evil/x"}, "'evil' in the repository is a symbolic link",
            id="to-path-through-an-absolute-link",
        ),
        pytest.param(
            {"evil": "../../.."}, {"toPath": "evil/{unique}"}, "'evil' in the repository is a symbolic link",
            id="to-path-through-a-relative-link",
        ),
        pytest.param(
            {"vendor/sub": "{outside}"}, {"toPath": "vendor"}, "'vendor/sub' in the repository is a symbolic link",
            id="link-inside-the-target-tree",
        ),
    ],
)  # fmt: skip
async def test_an_include_is_never_written_through_a_committed_symlink(
    kube: Kube,
    namespace: str,
    start_controllers: StartControllers,
    git_http: GitHttpServer,
    make_repo: Callable[[], Repo],
    tmp_path: Path,
    links: dict[str, str],
    include: dict[str, str],
    why: str,
) -> None:
    outside = tmp_path / "outside"
    outside.mkdir()
    unique = f"reflow-escape-{secrets.token_hex(4)}"
    app, shared = make_repo(), make_repo()
    for name, target in links.items():
        (app.work / name).parent.mkdir(parents=True, exist_ok=True)
        app.symlink(name, target.format(outside=outside))
    app.commit({"app.yaml": "app: 1\n"}, "app with a symlink")
    shared.commit({"lib/sub/x.yaml": "x: 1\n", "lib/top.yaml": "top: 1\n"}, "shared")
    await create_creds(kube, namespace, git_http)
    await start_controllers("source")
    creds = {"secretRef": {"name": "creds"}, "ref": {"branch": "main"}}
    await kube.create(git_repository(namespace, "shared", git_http.url(shared.bare.name), **creds))
    await until(kube, namespace, "shared", ready_is("True"))
    spec_include = {"repository": {"name": "shared"}, "fromPath": "lib"}
    spec_include |= {key: value.format(unique=unique) for key, value in include.items()}
    await kube.create(git_repository(namespace, "app", git_http.url(app.bare.name), include=[spec_include], **creds))

    failed = await until(kube, namespace, "app", ready_is("False", why))
    assert condition(failed, "Ready")["reason"] == "IncludeUnavailable"  # type: ignore[index]
    assert condition(failed, "IncludeUnavailable")["status"] == "True"  # type: ignore[index]
    assert "includes never pass through links" in condition(failed, "Ready")["message"]  # type: ignore[index]
    assert "artifact" not in failed["status"]
    assert list(outside.iterdir()) == []
    assert not (Path(tempfile.gettempdir()) / unique).exists()
