"""An HTTP proxy on loopback that wants basic credentials, for tests: PyPI's `pproxy`, run as a process.

It serves plain requests and CONNECT tunnels, asks for credentials on every request (`--auth 0`: no
per-address memory of an earlier login), and logs each forwarded connection as `… -> host:port`.
"""

from __future__ import annotations

import secrets
import subprocess
import sys
from dataclasses import dataclass, field
from pathlib import Path

from tests.gitservers import free_port, listening, terminate


@dataclass(slots=True, kw_only=True)
class ProxyServer:
    """pproxy on 127.0.0.1 accepting `username`/`password` only; `log` lists what it forwarded or refused."""

    directory: Path
    username: str = "proxy-user"
    password: str = field(default_factory=lambda: secrets.token_urlsafe(12))
    port: int = 0
    process: subprocess.Popen[bytes] | None = None

    @property
    def address(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    @property
    def log(self) -> str:
        return (self.directory / "pproxy.log").read_text()

    def forwarded_to(self, port: int) -> int:
        """How many connections it forwarded to 127.0.0.1:`port`."""
        return sum(line.endswith(f"-> 127.0.0.1:{port}") for line in self.log.splitlines())

    def refused(self) -> int:
        return self.log.count("Unauthorized")

    def start(self) -> None:
        for _ in range(5):
            self.port = free_port()
            listen = f"http://127.0.0.1:{self.port}#{self.username}:{self.password}"
            with (self.directory / "pproxy.log").open("wb") as log:
                self.process = subprocess.Popen(
                    [sys.executable, "-m", "pproxy", "-l", listen, "--auth", "0", "-v"],
                    stdout=log,
                    stderr=subprocess.STDOUT,
                )
            if listening(self.process, self.port, 15):
                return
            self.stop()
            if "Address already in use" not in self.log:
                raise RuntimeError(f"pproxy did not start: {self.log}")
        raise RuntimeError("pproxy did not find a free port")

    def stop(self) -> None:
        terminate(self.process)
        self.process = None
