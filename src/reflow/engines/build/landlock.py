"""Landlock: confine a command to the paths it is given, with no privileges and no user namespaces.

Landlock is the kernel's unprivileged access-control module (Linux 5.13+): a process restricts
itself and every process it starts, and no later call can lift the restriction. This file is run
as a script (`python -I -S landlock.py RULES -- COMMAND…`): it restricts itself, then executes the
command, so the rules hold from kustomize's first instruction without a `preexec_fn` in reflow's
threaded process. It imports nothing but the standard library.

Every filesystem right the running kernel knows is handled: anything not granted below is denied,
whatever the file modes say. TCP bind and connect are denied unless `--network` (ABI 4+), and
signals and abstract unix sockets cannot reach outside the sandbox (ABI 6+).
"""

from __future__ import annotations

import argparse
import ctypes
import os
import sys
from collections.abc import Sequence

_CREATE_RULESET, _ADD_RULE, _RESTRICT_SELF = 444, 445, 446  # the same on every architecture Linux has now
_CREATE_RULESET_VERSION = 1
_RULE_PATH_BENEATH = 1
_PR_SET_NO_NEW_PRIVS = 38

EXECUTE, WRITE_FILE, READ_FILE, READ_DIR = 1 << 0, 1 << 1, 1 << 2, 1 << 3
_MAKE_AND_REMOVE = sum(1 << bit for bit in range(4, 13))  # remove dir/file, make char/dir/reg/sock/fifo/block/sym
REFER, TRUNCATE, IOCTL_DEV = 1 << 13, 1 << 14, 1 << 15
_FS_BY_ABI = {1: (1 << 13) - 1, 2: (1 << 14) - 1, 3: (1 << 15) - 1, 5: (1 << 16) - 1}
_FILE_RIGHTS = EXECUTE | WRITE_FILE | READ_FILE | TRUNCATE | IOCTL_DEV
_NET_TCP = 0b11  # bind, connect
_SCOPES = 0b11  # abstract unix sockets, signals

READ = READ_FILE | READ_DIR
RUN = READ_FILE | EXECUTE
WRITE = READ | WRITE_FILE | _MAKE_AND_REMOVE | REFER | TRUNCATE


class _RulesetAttr(ctypes.Structure):
    _fields_ = [
        ("handled_access_fs", ctypes.c_uint64),
        ("handled_access_net", ctypes.c_uint64),
        ("scoped", ctypes.c_uint64),
    ]


class _PathBeneathAttr(ctypes.Structure):
    _pack_ = 1
    _fields_ = [("allowed_access", ctypes.c_uint64), ("parent_fd", ctypes.c_int32)]


_libc = ctypes.CDLL(None, use_errno=True)
_libc.syscall.restype = ctypes.c_long


def _syscall(number: int, *args: object) -> int:
    result = int(_libc.syscall(number, *args))
    if result < 0:
        errno = ctypes.get_errno()
        raise OSError(errno, os.strerror(errno))
    return result


def abi() -> int:
    """The Landlock ABI version of the running kernel; 0 when Landlock is missing, disabled or filtered out."""
    try:
        return _syscall(_CREATE_RULESET, None, ctypes.c_size_t(0), ctypes.c_uint32(_CREATE_RULESET_VERSION))
    except OSError:
        return 0


def handled_fs(version: int) -> int:
    """Every filesystem right an ABI version knows (all of them are denied unless a rule grants them)."""
    return next(rights for since, rights in sorted(_FS_BY_ABI.items(), reverse=True) if version >= since)


def restrict(rules: Sequence[tuple[str, int]], *, network: bool) -> int:
    """Allow only `rules` (path, rights) from now on, for this process and its children; return the ABI used.

    A path that does not exist is left out (so an optional library directory may be named); rights a
    file cannot hold are dropped for files. Raises OSError when Landlock is unavailable.
    """
    version = abi()
    if version < 1:
        raise OSError("Landlock is not available on this kernel")
    fs = handled_fs(version)
    attr = _RulesetAttr(handled_access_fs=fs)
    size = 8
    if version >= 4 and not network:
        attr.handled_access_net, size = _NET_TCP, 16
    if version >= 6:
        attr.scoped, size = _SCOPES, 24
    ruleset = _syscall(_CREATE_RULESET, ctypes.byref(attr), ctypes.c_size_t(size), ctypes.c_uint32(0))
    try:
        for path, rights in rules:
            try:
                fd = os.open(path, os.O_PATH | os.O_CLOEXEC)
            except FileNotFoundError:
                continue
            try:
                allowed = rights & fs if os.path.isdir(path) else rights & fs & _FILE_RIGHTS
                rule = _PathBeneathAttr(allowed_access=allowed, parent_fd=fd)
                _syscall(_ADD_RULE, ruleset, ctypes.c_int(_RULE_PATH_BENEATH), ctypes.byref(rule), ctypes.c_uint32(0))
            finally:
                os.close(fd)
        if _libc.prctl(_PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) != 0:
            raise OSError(ctypes.get_errno(), "prctl(PR_SET_NO_NEW_PRIVS) failed")
        _syscall(_RESTRICT_SELF, ruleset, ctypes.c_uint32(0))
    finally:
        os.close(ruleset)
    return version


def main(argv: Sequence[str]) -> None:
    """Restrict this process as the flags say, then execute the command after `--`."""
    parser = argparse.ArgumentParser(prog="landlock", description=__doc__)
    parser.add_argument("--read", action="append", default=[], help="a file or directory to read")
    parser.add_argument("--run", action="append", default=[], help="a program or directory of programs to run")
    parser.add_argument("--write", action="append", default=[], help="a directory to read and write")
    parser.add_argument("--network", action="store_true", help="allow TCP connections")
    parser.add_argument("command", nargs="+")
    args = parser.parse_args(argv)
    rules = [(path, READ) for path in args.read] + [(path, RUN | READ_DIR) for path in args.run]
    rules += [(path, WRITE) for path in args.write]
    try:
        restrict(rules, network=args.network)
    except OSError as err:
        sys.exit(f"landlock: cannot restrict the process: {err}")
    os.execv(args.command[0], args.command)


if __name__ == "__main__":
    main(sys.argv[1:])
