"""Run a command as the controller Pod runs it: uid 65534, no capabilities, no new privileges, no user namespaces.

    python tests/engines/build/podlike.py [--expose PATH]… -- COMMAND…     (as root)

The Pod's security context (runAsNonRoot, capabilities drop ALL, seccomp RuntimeDefault) is what
keeps bubblewrap from creating its user namespace. Here the same wall is built without a container
runtime: a child enters a new user namespace mapping uids and gids 0–65535 to themselves (the
parent, root outside, writes the maps), sets that namespace's `max_user_namespaces` to 0 so nothing
below it can create another, then `setpriv` drops to 65534 with every capability gone and
no_new_privs set, and runs the command.

`--expose PATH` keeps a path reachable for uid 65534 when a parent directory is closed to it (a
Python installed under root's 0700 home): in a private mount namespace, that directory is covered
with an empty one and the path's branch is mounted back into it, so nothing else there shows.
"""

from __future__ import annotations

import argparse
import ctypes
import os
import stat
import sys
from pathlib import Path

CLONE_NEWUSER, CLONE_NEWNS = 0x10000000, 0x00020000
MS_BIND, MS_REC, MS_PRIVATE = 0x1000, 0x4000, 1 << 18
IDENTITY_MAP = "0 0 65536\n"
SETPRIV = [
    "setpriv",
    "--reuid=65534",
    "--regid=65534",
    "--clear-groups",
    "--inh-caps=-all",
    "--bounding-set=-all",
    "--no-new-privs",
]


_libc = ctypes.CDLL(None, use_errno=True)


def _check(result: int, what: str) -> None:
    if result != 0:
        raise OSError(ctypes.get_errno(), f"{what}: {os.strerror(ctypes.get_errno())}")


def _closed_parent(path: Path) -> tuple[Path, str] | None:
    """The first directory above `path` that others may not enter, and the name under it on the way to `path`."""
    for parent, child in zip(path.parents, (path, *path.parents), strict=False):
        if parent != path and not os.stat(parent).st_mode & stat.S_IXOTH:
            return parent, child.relative_to(parent).parts[0]
    return None


def _expose(path: Path) -> None:
    closed = _closed_parent(path)
    if closed is None:
        return
    parent, name = closed
    branch = os.open(parent / name, os.O_PATH | os.O_CLOEXEC)
    _check(_libc.mount(b"tmpfs", bytes(parent), b"tmpfs", 0, b"mode=0755"), f"mount tmpfs on {parent}")
    (parent / name).mkdir()
    _check(_libc.mount(f"/proc/self/fd/{branch}".encode(), bytes(parent / name), None, MS_BIND | MS_REC, None), "bind")
    os.close(branch)


def _child(ready: int, mapped: int, exposed: list[Path], command: list[str]) -> None:
    _check(_libc.unshare(CLONE_NEWUSER | CLONE_NEWNS), "unshare(CLONE_NEWUSER | CLONE_NEWNS)")
    os.write(ready, b"u")
    os.read(mapped, 1)
    _check(_libc.mount(b"none", b"/", None, MS_REC | MS_PRIVATE, None), "make / private")
    for path in exposed:
        _expose(path)
    with open("/proc/sys/user/max_user_namespaces", "w") as limit:
        limit.write("0")
    os.execvp(SETPRIV[0], [*SETPRIV, *command])


def main(argv: list[str]) -> int:
    """Run the command under the Pod's restrictions and return its exit code."""
    parser = argparse.ArgumentParser(prog="podlike", description=__doc__)
    parser.add_argument("--expose", action="append", default=[], type=Path, help="keep this path reachable")
    parser.add_argument("command", nargs="+")
    args = parser.parse_args(argv)
    if os.geteuid() != 0:
        sys.exit("podlike: run as root: only root can map uid 65534 into the new user namespace")
    ready_r, ready_w = os.pipe()
    mapped_r, mapped_w = os.pipe()
    pid = os.fork()
    if pid == 0:
        os.close(ready_r)
        os.close(mapped_w)
        try:
            _child(ready_w, mapped_r, [path.resolve() for path in args.expose], args.command)
        except OSError as err:
            os.write(2, f"podlike: {err}\n".encode())
        finally:
            os._exit(98)
    os.close(ready_w)
    os.close(mapped_r)
    if os.read(ready_r, 1) == b"u":
        for name in ("uid_map", "gid_map"):
            with open(f"/proc/{pid}/{name}", "w") as mapping:
                mapping.write(IDENTITY_MAP)
    os.write(mapped_w, b"m")
    _, status = os.waitpid(pid, 0)
    return os.waitstatus_to_exitcode(status)


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
