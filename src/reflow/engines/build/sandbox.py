"""The sandboxes kustomize runs in, and the command line that starts it in each.

- `bwrap`: bubblewrap mounts only the build's tree (read-only, at `/art`; a private copy, or a shared
  extraction with the build's own kustomization file mounted over the tree's) and the static
  kubectl binary into empty namespaces; `--unshare-all` takes away the network, other processes and
  the host's files. It needs unprivileged user namespaces.
- `landlock`: for a Pod that runs as non-root with every capability dropped and seccomp's runtime
  default, where user namespaces are blocked. kustomize runs on the host's view of the filesystem,
  but the kernel lets it read only the private copy, run only kubectl, write only a private
  temporary directory, and (Landlock ABI 4+) open no TCP connection (see `landlock.py`).
- `none`: no sandbox; only the checks before the build (`confine.py`) stand between kustomize and
  the host. Used only when the settings accept it.

A remote base gets the network back plus the few host paths git and TLS need, in either sandbox.
"""

from __future__ import annotations

import sys
from collections.abc import Mapping, Sequence
from enum import StrEnum
from pathlib import Path

from reflow.engines.build import landlock

SANDBOX_ROOT = "/art"
SANDBOX_KUBECTL = "/kubectl"
# Host paths a remote base needs inside the sandbox: git, its libraries, DNS and CA certificates.
NETWORK_PATHS = ("/usr", "/bin", "/lib", "/lib64", "/etc/resolv.conf", "/etc/hosts", "/etc/ssl", "/etc/ca-certificates")
LANDLOCK_SCRIPT = Path(landlock.__file__)


class Sandbox(StrEnum):
    """How kustomize is confined; the builder tries them in the order given and logs the one it uses."""

    BWRAP = "bwrap"
    LANDLOCK = "landlock"
    NONE = "none"


def bwrap_command(
    bwrap: Path,
    kubectl: Path,
    root: Path | None,
    argv: Sequence[str],
    *,
    network: bool,
    replaced: Mapping[str, Path] | None = None,
) -> list[str]:
    """bubblewrap running kubectl with `root` at `/art` (an empty `/art` when None) as its working directory.

    `replaced` maps files of `root` (relative paths, existing) to host files mounted over them, read-only.
    """
    command = [str(bwrap)]
    command += ["--ro-bind", str(root), SANDBOX_ROOT] if root else ["--dir", SANDBOX_ROOT]
    for relative, host in (replaced or {}).items():
        command += ["--ro-bind", str(host), f"{SANDBOX_ROOT}/{relative}"]
    command += ["--ro-bind", str(kubectl), SANDBOX_KUBECTL, "--proc", "/proc", "--dev", "/dev", "--tmpfs", "/tmp"]
    command += ["--unshare-all", "--die-with-parent", "--clearenv", "--setenv", "HOME", "/tmp"]
    if network:
        command.append("--share-net")
        for path in NETWORK_PATHS:
            command += ["--ro-bind-try", path, path]
        command += ["--setenv", "PATH", "/usr/bin:/bin"]
    return [*command, "--chdir", SANDBOX_ROOT, SANDBOX_KUBECTL, *argv]


def landlock_command(
    kubectl: Path, root: Path | None, scratch: Path, argv: Sequence[str], *, network: bool
) -> list[str]:
    """kubectl restricted by Landlock to reading `root`, writing `scratch` (its HOME and TMPDIR), running itself.

    Run it with `root` as the working directory. The launcher is this package's `landlock.py`,
    started by the running Python in isolated mode without `site`, so it loads nothing but the
    standard library.
    """
    command = [sys.executable, "-I", "-S", str(LANDLOCK_SCRIPT), "--run", str(kubectl), "--write", str(scratch)]
    command += ["--read", str(root)] if root else []
    command += ["--write", "/dev/null"]
    if network:
        command.append("--network")
        for path in NETWORK_PATHS:
            command += ["--run", path]
    return [*command, "--", str(kubectl), *argv]
