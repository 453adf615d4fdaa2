"""Hostile kustomize trees: each must be refused before kustomize reads anything outside its artifact.

Shared by the in-process escape tests and by the child process that runs them under the
controller Pod's restrictions, so both prove the same list.
"""

from __future__ import annotations

import threading
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

CONFIGMAP = "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: app\n"
APP_KUSTOMIZATION = "app/kustomization.yaml"


@dataclass(frozen=True, slots=True, kw_only=True)
class Hostile:
    """A tree an attacker commits: files and links under the artifact, the path to build, what must be refused."""

    id: str
    path: str = "app"
    files: Mapping[str, str] = field(default_factory=dict)
    links: Mapping[str, str] = field(default_factory=dict)
    """link → target; `{outside}` in a target is the directory beside the artifact (holding outside.yaml)."""
    error: str = "PathOutsideArtifact"
    match: str = ""
    no_remote_bases: bool = False


def plant(case: Hostile, base: Path) -> Path:
    """Write the case's artifact under `base` (with `base/outside.yaml` beside it) and return the artifact root."""
    root = base / "artifact"
    (root / "app").mkdir(parents=True)
    (root / "app" / "cm.yaml").write_text(CONFIGMAP)
    (base / "outside.yaml").write_text(CONFIGMAP.replace("app", "stolen"))
    for name, text in case.files.items():
        (root / name).parent.mkdir(parents=True, exist_ok=True)
        (root / name).write_text(text)
    for name, target in case.links.items():
        (root / name).symlink_to(target.replace("{outside}", str(base)))
    return root


@contextmanager
def served(body: str) -> Iterator[str]:
    """The URL of `body` served over HTTP on loopback while the block runs: what a sandbox must not reach."""

    class Handler(BaseHTTPRequestHandler):
        def do_GET(self) -> None:
            self.send_response(200)
            self.send_header("Content-Length", str(len(body.encode())))
            self.end_headers()
            self.wfile.write(body.encode())

        def log_message(self, *args: object) -> None:
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}/cm.yaml"
    finally:
        server.shutdown()
        thread.join()
        server.server_close()


def _kustomization(body: str) -> dict[str, str]:
    return {APP_KUSTOMIZATION: body}


def _remote(case_id: str, url: str) -> Hostile:
    return Hostile(
        id=case_id,
        files=_kustomization(f"resources:\n- cm.yaml\n- {url}\n"),
        error="RemoteBaseRefused",
        match="remote bases are disabled",
        no_remote_bases=True,
    )


HOSTNAME_GENERATOR = "apiVersion: builtin\nkind: ConfigMapGenerator\nmetadata:\n  name: host\nfiles:\n- /etc/hostname\n"

CASES = (
    Hostile(id="path-absolute", path="/etc", match="is absolute"),
    Hostile(id="path-dotdot-past-root", path="app/../..", match="outside the artifact root"),
    Hostile(id="path-dotdot-sibling", path="../artifact/../outside.yaml", match="outside the artifact root"),
    Hostile(
        id="symlink-pointing-out",
        links={"app/linked.yaml": "{outside}/outside.yaml"},
        match=r"symlink 'app/linked\.yaml' points outside",
    ),
    Hostile(id="path-through-symlinked-directory", path="escape", links={"escape": "{outside}"}, match="symlink"),
    Hostile(
        id="resource-dotdot",
        files=_kustomization("resources:\n- ../../outside.yaml\n"),
        match=r"'\.\./\.\./outside\.yaml' leads outside",
    ),
    Hostile(
        id="resource-absolute",
        files=_kustomization("resources:\n- /etc/passwd\n"),
        match="'/etc/passwd' is an absolute path",
    ),
    Hostile(
        id="generator-reads-etc-hostname",
        files=_kustomization("configMapGenerator:\n- name: host\n  files:\n  - /etc/hostname\n"),
        match="configMapGenerator entry '/etc/hostname' is an absolute path",
    ),
    Hostile(
        id="generator-env",
        files=_kustomization("secretGenerator:\n- name: s\n  envs:\n  - ../../outside.yaml\n"),
        match="secretGenerator entry",
    ),
    Hostile(id="patch-path", files=_kustomization("patches:\n- path: /etc/hostname\n"), match="patches entry"),
    Hostile(
        id="nested-base",
        path="overlay",
        files={
            "overlay/kustomization.yaml": "resources:\n- ../app\n",
            APP_KUSTOMIZATION: "configMapGenerator:\n- name: host\n  files:\n  - key=/etc/hostname\n",
        },
        match=r"app/kustomization\.yaml: configMapGenerator",
    ),
    Hostile(
        id="inline-generator-block",
        files=_kustomization("generators:\n- |\n" + "".join(f"  {line}\n" for line in HOSTNAME_GENERATOR.splitlines())),
        match=r"generators ConfigMapGenerator/host entry '/etc/hostname'",
    ),
    Hostile(
        id="inline-generator-flow",
        files=_kustomization(
            "generators:\n"
            "- '{apiVersion: builtin, kind: SecretGenerator, metadata: {name: s}, envs: [../../outside.yaml]}'\n"
        ),
        match=r"generators SecretGenerator/s entry '\.\./\.\./outside\.yaml' leads outside",
    ),
    Hostile(
        id="inline-transformer-patch-path",
        files=_kustomization(
            "resources:\n- cm.yaml\ntransformers:\n- |\n  apiVersion: builtin\n  kind: PatchTransformer\n"
            "  metadata:\n    name: p\n  path: /etc/hostname\n"
        ),
        match=r"transformers PatchTransformer/p entry '/etc/hostname'",
    ),
    Hostile(
        id="generator-config-file",
        files={APP_KUSTOMIZATION: "generators:\n- gen.yaml\n", "app/gen.yaml": HOSTNAME_GENERATOR},
        match=r"app/gen\.yaml: generators ConfigMapGenerator/host entry '/etc/hostname'",
    ),
    Hostile(
        id="transformer-config-file-strategic-merge-paths",
        files={
            APP_KUSTOMIZATION: "resources:\n- cm.yaml\ntransformers:\n- config/patches.yaml\n",
            "app/config/patches.yaml": "apiVersion: builtin\nkind: PatchStrategicMergeTransformer\n"
            "metadata:\n  name: sm\npaths:\n- ../../../outside.yaml\n",
        },
        match=r"transformers PatchStrategicMergeTransformer/sm entry '\.\./\.\./\.\./outside\.yaml'",
    ),
    Hostile(
        id="replacement-transformer-file",
        files={
            APP_KUSTOMIZATION: "resources:\n- cm.yaml\ntransformers:\n- repl.yaml\n",
            "app/repl.yaml": "apiVersion: builtin\nkind: ReplacementTransformer\nmetadata:\n  name: r\n"
            "replacements:\n- path: /etc/hostname\n",
        },
        match=r"transformers ReplacementTransformer/r entry '/etc/hostname'",
    ),
    _remote("remote-https", "https://github.com/stefanprodan/podinfo//kustomize?ref=6.7.0"),
    _remote("remote-host-path", "github.com/stefanprodan/podinfo/kustomize"),
    _remote("remote-scp-git-user", "git@github.com:stefanprodan/podinfo.git"),
    _remote("remote-scp-other-user", "deploy@git.example.com:team/app.git"),
    _remote("remote-scp-ip-host", "alice@10.0.0.1:repo.git//deploy"),
    Hostile(
        id="remote-scp-directory-of-that-name",
        files={
            APP_KUSTOMIZATION: "resources:\n- cm.yaml\n- deploy@git.example.com:app\n",
            "app/deploy@git.example.com:app/kustomization.yaml": "resources: []\n",
        },
        error="RemoteBaseRefused",
        match="remote bases are disabled",
        no_remote_bases=True,
    ),
)
