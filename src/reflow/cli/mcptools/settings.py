"""What every tool call shares (the caller's connection and namespace, where controller logs are) and how a
failure of the CLI's code becomes the answer."""

from __future__ import annotations

import dataclasses
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from reflow.cli.console import Failure, hint_for
from reflow.cli.options import GlobalOptions
from reflow.engines.flux.localbuild import LocalBuildError
from reflow.kube.errors import KubeError


@dataclass(frozen=True, slots=True)
class Settings:
    """The server's global options, and the JSON log of a local `reflow controllers` the logs tool reads."""

    options: GlobalOptions
    log_file: Path | None = None

    def namespace(self, arguments: Mapping[str, Any]) -> GlobalOptions:
        """The global options, in the namespace the call names (the server's `-n` when it names none)."""
        return dataclasses.replace(self.options, namespace=arguments.get("namespace") or self.options.namespace)


def explain(error: BaseException) -> str | None:
    """The answer to a failure: a refusal, a missing object or a bad argument says why (and the hint the CLI
    gives); anything else is a bug (None)."""
    if isinstance(error, Failure):
        return str(error)
    if isinstance(error, KubeError):
        hint = hint_for(error)
        return f"{error} (hint: {hint})" if hint else str(error)
    if isinstance(error, LocalBuildError | ValueError | OSError):
        return str(error)
    return None
