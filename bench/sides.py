"""The two sides compared: Flux's own controllers and reflow's, each a set of command lines with its own CRDs."""

from __future__ import annotations

import os
import shlex
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path

from bench.flux import FLUX_COMPONENTS, KUSTOMIZE_CONTROLLER, SOURCE_CONTROLLER, crd_files, flux_binary
from bench.processes import ProcessSpec, free_port
from reflow.api.crds import DIRECTORY as REFLOW_CRDS
from reflow.dev.gobuild import is_cached

DEFAULT_REFLOW_COMMAND = f"{sys.executable} -m reflow controllers --controllers=source,kustomize"
"""How reflow's controllers are launched (then given the common flags below); `--reflow-command` overrides it."""

REFLOW_SOURCE = Path(__file__).resolve().parents[1] / "src"
"""This checkout's `src`: put first on the reflow process's PYTHONPATH, so the bench runs this checkout's reflow."""

BENCHED_GROUPS = ("source.toolkit.fluxcd.io", "kustomize.toolkit.fluxcd.io")


@dataclass(frozen=True, slots=True, kw_only=True)
class Concurrency:
    """Reconciles in parallel, per controller; Flux's defaults (source 2, kustomize 4), given to both sides.

    reflow runs both controllers in one process with one `--concurrent`: it gets `reflow` (4, kustomize's).
    """

    source: int = 2
    kustomize: int = 4
    reflow: int = 4
    ssa: int = 4
    """Server-side apply calls in parallel (`--concurrent-ssa`, kustomize-controller's default), on both sides."""


@dataclass(frozen=True, slots=True, kw_only=True)
class Launch:
    """What every run of a side gets: the plane's kubeconfig, a folder for artifacts and logs, concurrency."""

    kubeconfig: Path
    workdir: Path
    concurrency: Concurrency


def _common_flags(health_port: int, concurrent: int) -> list[str]:
    return [
        "--watch-all-namespaces",
        "--enable-leader-election=false",
        f"--concurrent={concurrent}",
        f"--metrics-addr=127.0.0.1:{free_port()}",
        f"--health-addr=127.0.0.1:{health_port}",
    ]


def _storage_flags(folder: Path) -> list[str]:
    port = free_port()
    folder.mkdir(parents=True, exist_ok=True)
    return [f"--storage-path={folder}", f"--storage-addr=127.0.0.1:{port}", f"--storage-adv-addr=127.0.0.1:{port}"]


class FluxSide:
    """Flux's source-controller and kustomize-controller v1.9.4, two processes, built by the bench."""

    name = "flux"
    agents = ("source-controller", "kustomize-controller")

    def unavailable(self) -> str | None:
        """Why this side cannot run, or None."""
        missing = [component.key for component in FLUX_COMPONENTS if not is_cached(component)]
        return f"not built: {', '.join(missing)}" if missing else None

    def crds(self) -> list[Path]:
        """The controllers' CRDs from the Go module cache."""
        return [*crd_files(SOURCE_CONTROLLER), *crd_files(KUSTOMIZE_CONTROLLER)]

    def processes(self, launch: Launch) -> list[ProcessSpec]:
        """source-controller and kustomize-controller with the common flags."""
        env = {"KUBECONFIG": str(launch.kubeconfig), "RUNTIME_NAMESPACE": "flux-system"}
        source_health, kustomize_health = free_port(), free_port()
        source = [
            str(flux_binary(SOURCE_CONTROLLER)),
            *_common_flags(source_health, launch.concurrency.source),
            *_storage_flags(launch.workdir / "flux-artifacts"),
        ]
        kustomize = [
            str(flux_binary(KUSTOMIZE_CONTROLLER)),
            *_common_flags(kustomize_health, launch.concurrency.kustomize),
            f"--concurrent-ssa={launch.concurrency.ssa}",
        ]
        return [
            ProcessSpec(name="source-controller", argv=tuple(source), health_port=source_health, env=env),
            ProcessSpec(name="kustomize-controller", argv=tuple(kustomize), health_port=kustomize_health, env=env),
        ]


class ReflowSide:
    """reflow's controllers in one process, launched from a command line like Flux's (same flags)."""

    name = "reflow"
    agents = ("reflow",)

    def __init__(self, command: str = DEFAULT_REFLOW_COMMAND) -> None:
        self.command = shlex.split(command)

    def unavailable(self) -> str | None:
        """None when `COMMAND --help` succeeds; else what it said."""
        try:
            result = subprocess.run(
                [*self.command, "--help"],
                capture_output=True,
                text=True,
                timeout=60,
                check=False,
                env={**os.environ, **self.env()},
            )
        except (OSError, subprocess.TimeoutExpired) as err:
            return f"`{shlex.join(self.command)} --help` failed: {err}"
        if result.returncode != 0:
            said = (result.stderr or result.stdout).strip().splitlines()
            return f"`{shlex.join(self.command[1:])} --help` exited {result.returncode}: {said[-1] if said else ''}"
        return None

    def crds(self) -> list[Path]:
        """reflow's own CRDs for the benched API groups."""
        return sorted(
            path for path in REFLOW_CRDS.glob("*.yaml") if path.name.split(".", 1)[1].startswith(BENCHED_GROUPS)
        )

    def processes(self, launch: Launch) -> list[ProcessSpec]:
        """One process running the source and kustomize controllers, this checkout's code first on its path."""
        health = free_port()
        argv = [
            *self.command,
            f"--kubeconfig={launch.kubeconfig}",
            *_common_flags(health, launch.concurrency.reflow),
            f"--concurrent-ssa={launch.concurrency.ssa}",
            *_storage_flags(launch.workdir / "reflow-artifacts"),
            f"--log-file={launch.workdir / 'logs' / 'reflow-controllers.json'}",
        ]
        return [ProcessSpec(name="reflow-controllers", argv=tuple(argv), health_port=health, env=self.env())]

    @staticmethod
    def env() -> dict[str, str]:
        """This checkout's `src` first on PYTHONPATH; the runtime namespace Flux's side gets too."""
        path = os.pathsep.join(filter(None, [str(REFLOW_SOURCE), os.environ.get("PYTHONPATH", "")]))
        return {"PYTHONPATH": path, "RUNTIME_NAMESPACE": "flux-system"}


Side = FluxSide | ReflowSide
