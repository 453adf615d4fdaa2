"""The sides compared: Flux's own controllers, the Helm CLI (S5's floor) and reflow's, each a set of processes."""

from __future__ import annotations

import os
import shlex
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path

from bench.flux import FLUX_COMPONENTS, FLUX_CONTROLLERS, crd_files, flux_binary
from bench.processes import ProcessSpec, free_port
from reflow.api.crds import DIRECTORY as REFLOW_CRDS
from reflow.dev.gobuild import binary, is_cached
from reflow.dev.versions import HELM

DEFAULT_REFLOW_COMMAND = f"{sys.executable} -m reflow controllers"
"""How reflow's controllers are launched (then given `--controllers=` and the common flags below);
`--reflow-command` overrides it."""

REFLOW_SOURCE = Path(__file__).resolve().parents[1] / "src"
"""This checkout's `src`: put first on the reflow process's PYTHONPATH, so the bench runs this checkout's reflow."""

GROUPS = {
    "source": "source.toolkit.fluxcd.io",
    "kustomize": "kustomize.toolkit.fluxcd.io",
    "helm": "helm.toolkit.fluxcd.io",
    "notification": "notification.toolkit.fluxcd.io",
}
"""The API group each controller serves (whose CRDs a side installs when a scenario runs that controller)."""

HELM_AGENT = "Helm"
"""The user agent of the helm CLI (`Helm/4.3.1`): the floor's calls, and those of reflow's helm subprocesses."""


@dataclass(frozen=True, slots=True, kw_only=True)
class Concurrency:
    """Reconciles in parallel, per controller; Flux's defaults (source 2, others 4), given to every side.

    reflow runs its controllers in one process with one `--concurrent`: it gets `reflow` (4, kustomize's).
    The Helm CLI floor runs `helm` (4, helm-controller's default) installs at a time.
    """

    source: int = 2
    kustomize: int = 4
    notification: int = 4
    helm: int = 4
    reflow: int = 4
    ssa: int = 4
    """Server-side apply calls in parallel (`--concurrent-ssa`, kustomize-controller's default), on both sides."""

    def of(self, controller: str) -> int:
        """The concurrency of one of Flux's controllers by short name."""
        return int(getattr(self, controller))


@dataclass(frozen=True, slots=True, kw_only=True)
class Launch:
    """What every run of a side gets: the plane's kubeconfig, a folder for artifacts and logs, concurrency,
    the controllers the scenario needs and the port the Receivers' webhooks are served on."""

    kubeconfig: Path
    workdir: Path
    concurrency: Concurrency
    controllers: tuple[str, ...] = ("source", "kustomize")
    receiver_port: int = 0


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


def _receiver_flags(launch: Launch, events_flag: str) -> list[str]:
    """Receivers on the run's port; the event endpoint (unused here) on a free one, not the default's."""
    return [f"--receiverAddr=127.0.0.1:{launch.receiver_port}", f"{events_flag}=127.0.0.1:{free_port()}"]


class FluxSide:
    """Flux's controllers (source, kustomize v1.9.4, notification v1.9.3), one process each, built by the bench."""

    name = "flux"
    agents = tuple(component.name for component in FLUX_COMPONENTS)

    def unavailable(self) -> str | None:
        """Why this side cannot run, or None."""
        missing = [component.key for component in FLUX_COMPONENTS if not is_cached(component)]
        return f"not built: {', '.join(missing)}" if missing else None

    def crds(self, controllers: tuple[str, ...]) -> list[Path]:
        """The controllers' CRDs from the Go module cache."""
        return [path for controller in controllers for path in crd_files(FLUX_CONTROLLERS[controller])]

    def processes(self, launch: Launch) -> list[ProcessSpec]:
        """One process per controller the scenario needs, with the common flags."""
        env = {"KUBECONFIG": str(launch.kubeconfig), "RUNTIME_NAMESPACE": "flux-system"}
        specs: list[ProcessSpec] = []
        for controller in launch.controllers:
            component = FLUX_CONTROLLERS[controller]
            health = free_port()
            argv = [str(flux_binary(component)), *_common_flags(health, launch.concurrency.of(controller))]
            if controller == "source":
                argv += _storage_flags(launch.workdir / "flux-artifacts")
            elif controller == "kustomize":
                argv.append(f"--concurrent-ssa={launch.concurrency.ssa}")
            elif controller == "notification":
                argv += _receiver_flags(launch, "--events-addr")
            specs.append(ProcessSpec(name=component.name, argv=tuple(argv), health_port=health, env=env))
        return specs


class HelmFloorSide:
    """No controller: the scenario runs the Helm CLI itself (S5's floor, since helm-controller cannot be built)."""

    name = "helm"
    agents = (HELM_AGENT,)

    def unavailable(self) -> str | None:
        """Why this side cannot run, or None."""
        return None if is_cached(HELM) else f"not built: {HELM.key} (run `reflow dev tools`)"

    def crds(self, controllers: tuple[str, ...]) -> list[Path]:
        """None: the floor creates no Flux objects."""
        return []

    def processes(self, launch: Launch) -> list[ProcessSpec]:
        """None."""
        return []


class ReflowSide:
    """reflow's controllers in one process, launched from a command line like Flux's (same flags)."""

    name = "reflow"
    agents = ("reflow", HELM_AGENT)
    """reflow's own client, and the helm subprocesses its helm controller runs."""

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

    def crds(self, controllers: tuple[str, ...]) -> list[Path]:
        """reflow's own CRDs for the API groups of the controllers."""
        groups = tuple(GROUPS[controller] for controller in controllers)
        return sorted(path for path in REFLOW_CRDS.glob("*.yaml") if path.name.split(".", 1)[1].startswith(groups))

    def processes(self, launch: Launch) -> list[ProcessSpec]:
        """One process running the scenario's controllers, this checkout's code first on its path."""
        health = free_port()
        argv = [
            *self.command,
            f"--controllers={','.join(launch.controllers)}",
            f"--kubeconfig={launch.kubeconfig}",
            *_common_flags(health, launch.concurrency.reflow),
            f"--concurrent-ssa={launch.concurrency.ssa}",
            *_storage_flags(launch.workdir / "reflow-artifacts"),
            f"--log-file={launch.workdir / 'logs' / 'reflow-controllers.json'}",
        ]
        if "notification" in launch.controllers:
            argv += _receiver_flags(launch, "--events-listen-addr")
        if "helm" in launch.controllers:
            argv.append(f"--helm-binary={binary('helm')}")
        return [ProcessSpec(name="reflow-controllers", argv=tuple(argv), health_port=health, env=self.env())]

    @staticmethod
    def env() -> dict[str, str]:
        """This checkout's `src` first on PYTHONPATH; the runtime namespace Flux's side gets too."""
        path = os.pathsep.join(filter(None, [str(REFLOW_SOURCE), os.environ.get("PYTHONPATH", "")]))
        return {"PYTHONPATH": path, "RUNTIME_NAMESPACE": "flux-system"}


Side = FluxSide | HelmFloorSide | ReflowSide
