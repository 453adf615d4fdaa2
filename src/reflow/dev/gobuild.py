"""Builds components from their Go modules into the tools cache, atomically: a folder appears only whole."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import tempfile
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from reflow.dev.versions import COMPONENTS, Component
from reflow.paths import tools_dir

Progress = Callable[[Component, str], None]


class BuildFailed(Exception):
    """A component could not be built; the message names it, the step and the tool's own words."""


@dataclass(frozen=True, slots=True)
class BuildOutcome:
    """What happened to one component: built (with the seconds it took) or already cached."""

    component: Component
    built: bool
    seconds: float
    folder: Path


def component_folder(component: Component) -> Path:
    """The cache folder holding a component's binaries once built."""
    return tools_dir() / component.key


def is_cached(component: Component) -> bool:
    """True when every binary of the component is in the cache."""
    folder = component_folder(component)
    return all((folder / name).is_file() for name in component.packages)


def binary(name: str) -> Path:
    """The cached path of a built binary (whether or not it is there yet)."""
    for component in COMPONENTS:
        if name in component.packages:
            return component_folder(component) / name
    raise KeyError(name)


def go_command() -> str:
    """The Go toolchain's `go`; raises BuildFailed when there is none."""
    found = shutil.which("go") or next((p for p in ("/usr/local/go/bin/go",) if Path(p).is_file()), None)
    if not found:
        raise BuildFailed("Go is needed to build the local control plane: install Go 1.26 or newer")
    return found


def ensure(component: Component, progress: Progress) -> BuildOutcome:
    """Build the component unless it is cached."""
    folder = component_folder(component)
    if is_cached(component):
        return BuildOutcome(component, built=False, seconds=0.0, folder=folder)
    started = time.monotonic()
    folder.parent.mkdir(parents=True, exist_ok=True)
    staging = Path(tempfile.mkdtemp(prefix=f".building-{component.key}-", dir=folder.parent))
    try:
        if component.wrapper:
            _build_in_wrapper(component, staging, progress)
        else:
            _install(component, staging, progress)
        missing = [name for name in component.packages if not (staging / name).is_file()]
        if missing:
            raise BuildFailed(f"{component.key}: the build produced no {', '.join(missing)}")
        staging.chmod(0o755)
        if folder.exists():
            shutil.rmtree(folder)
        os.replace(staging, folder)
    finally:
        shutil.rmtree(staging, ignore_errors=True)
    return BuildOutcome(component, built=True, seconds=time.monotonic() - started, folder=folder)


def _ldflags(component: Component) -> str:
    return " ".join(("-s", "-w", *component.ldflags))


def _environment(extra: dict[str, str] | None = None) -> dict[str, str]:
    env = dict(os.environ)
    env.update({"GOTOOLCHAIN": "local", "CGO_ENABLED": "0", "GOWORK": "off", "GOFLAGS": "-mod=mod"})
    env.update(extra or {})
    return env


def _go(component: Component, step: str, args: list[str], *, cwd: Path, env: dict[str, str]) -> str:
    result = subprocess.run([go_command(), *args], cwd=cwd, env=env, capture_output=True, text=True, check=False)
    if result.returncode != 0:
        tail = "\n".join(result.stderr.strip().splitlines()[-15:])
        raise BuildFailed(f"{component.key}: {step} failed (go {' '.join(args[:2])}):\n{tail}")
    return result.stdout


def _install(component: Component, target: Path, progress: Progress) -> None:
    progress(component, "go install")
    targets = [f"{package}@{component.version}" for package in component.packages.values()]
    args = ["install", "-trimpath", "-ldflags", _ldflags(component), *targets]
    _go(component, "go install", args, cwd=target, env=_environment({"GOBIN": str(target)}))


def _build_in_wrapper(component: Component, target: Path, progress: Progress) -> None:
    env = _environment()
    with tempfile.TemporaryDirectory(prefix="reflow-gowrap-") as workdir:
        cwd = Path(workdir)
        _go(component, "module init", ["mod", "init", "wrapper.local/build"], cwd=cwd, env=env)
        progress(component, "reading upstream go.mod")
        download = json.loads(
            _go(
                component,
                "module download",
                ["mod", "download", "-json", f"{component.module}@{component.version}"],
                cwd=cwd,
                env=env,
            )
        )
        upstream = json.loads(
            _go(component, "go.mod read", ["mod", "edit", "-json", download["GoMod"]], cwd=cwd, env=env)
        )
        edits = wrapper_edits(upstream, component)
        _go(component, "go.mod edit", ["mod", "edit", *edits], cwd=cwd, env=env)
        progress(component, "resolving dependencies")
        packages = dict(component.packages)
        source = component.main_source
        if source is not None:
            shutil.copyfile(source, cwd / "main.go")
            _go(component, "dependency resolution", ["mod", "tidy"], cwd=cwd, env=env)
            packages = dict.fromkeys(packages, ".")
        else:
            for package in packages.values():
                _go(component, "dependency resolution", ["get", "-tool", f"{package}@{component.version}"],
                    cwd=cwd, env=env)  # fmt: skip
        for name, package in packages.items():
            progress(component, f"compiling {name}")
            args = ["build", "-trimpath", "-ldflags", _ldflags(component), "-o", str(target / name), package]
            _go(component, f"build of {name}", args, cwd=cwd, env=env)


def wrapper_edits(upstream: dict[str, Any], component: Component) -> list[str]:
    """`go mod edit` flags that give a wrapper module the target's go line, godebugs, excludes and replaces.

    Replaces pointing at a published module are copied; k8s.io staging folders become the matching
    published `v0.<minor>.<patch>` modules; other local folders are dropped, since the require lines
    already name published versions. The component's own extra replaces come last, so they win.
    """
    edits = [f"-require={component.module}@{component.version}"]
    if upstream.get("Go"):
        edits.append(f"-go={upstream['Go']}")
    for godebug in upstream.get("Godebug") or []:
        edits.append(f"-godebug={godebug['Key']}={godebug['Value']}")
    for exclude in upstream.get("Exclude") or []:
        edits.append(f"-exclude={exclude['Path']}@{exclude['Version']}")
    staging_version = "v0." + component.version.lstrip("v").split(".", 1)[1]
    for replace in upstream.get("Replace") or []:
        old, new = replace["Old"], replace["New"]
        source = old["Path"] + (f"@{old['Version']}" if old.get("Version") else "")
        if new.get("Version"):
            edits.append(f"-replace={source}={new['Path']}@{new['Version']}")
        elif new["Path"].startswith("./staging/src/k8s.io/"):
            edits.append(f"-replace={source}={old['Path']}@{staging_version}")
    edits += [f"-replace={replace}" for replace in component.replaces]
    return edits
