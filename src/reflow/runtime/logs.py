"""JSON log lines with the keys `flux logs` reads, bound per reconcile through a context variable."""

from __future__ import annotations

import contextvars
import json
import logging
import sys
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from datetime import UTC, datetime
from pathlib import Path
from types import MappingProxyType
from typing import Any, TextIO

_bound: contextvars.ContextVar[Mapping[str, Any]] = contextvars.ContextVar(
    "reflow_log_fields", default=MappingProxyType({})
)

_STANDARD = set(logging.LogRecord("", 0, "", 0, "", None, None).__dict__) | {"message", "asctime"}


@contextmanager
def bound(**fields: Any) -> Iterator[None]:
    """Add fields (controller, namespace, name, reconcileID, revision, …) to every line logged inside."""
    token = _bound.set({**_bound.get(), **fields})
    try:
        yield
    finally:
        _bound.reset(token)


def bind(**fields: Any) -> None:
    """Add fields to the current reconcile's lines from here on (for example the revision once known)."""
    _bound.set({**_bound.get(), **fields})


class JsonFormatter(logging.Formatter):
    """One JSON object a line: ts, level, logger, msg, error, then the bound and extra fields."""

    def format(self, record: logging.LogRecord) -> str:
        line: dict[str, Any] = {
            "ts": datetime.fromtimestamp(record.created, UTC).isoformat(timespec="milliseconds").replace("+00:00", "Z"),
            "level": record.levelname.lower(),
            "logger": record.name,
            "msg": record.getMessage(),
        }
        line.update(_bound.get())
        line.update({k: v for k, v in record.__dict__.items() if k not in _STANDARD and not k.startswith("_")})
        if record.exc_info:
            line["error"] = line.get("error") or str(record.exc_info[1])
            line["stacktrace"] = self.formatException(record.exc_info)
        return json.dumps(line, default=str)


class ConsoleFormatter(logging.Formatter):
    """Human-readable lines for `--log-encoding=console`."""

    def format(self, record: logging.LogRecord) -> str:
        fields = {**_bound.get()}
        fields.update({k: v for k, v in record.__dict__.items() if k not in _STANDARD and not k.startswith("_")})
        extra = " ".join(f"{k}={v}" for k, v in fields.items())
        return f"{record.levelname.lower():5} {record.name}: {record.getMessage()} {extra}".rstrip()


def configure(
    level: str = "info", encoding: str = "json", stream: TextIO | None = None, file: Path | None = None
) -> None:
    """Send reflow's logs to `stream` (stderr by default) at `level` (debug, info, error).

    With `file`, JSON lines also go there (appended), whatever the stream's encoding: `reflow logs` reads them.
    """
    handler: logging.Handler = logging.StreamHandler(stream or sys.stderr)
    handler.setFormatter(JsonFormatter() if encoding == "json" else ConsoleFormatter())
    handlers = [handler]
    if file is not None:
        file.parent.mkdir(parents=True, exist_ok=True)
        to_file = logging.FileHandler(file, encoding="utf-8")
        to_file.setFormatter(JsonFormatter())
        handlers.append(to_file)
    root = logging.getLogger("reflow")
    root.handlers[:] = handlers
    root.setLevel({"debug": logging.DEBUG, "info": logging.INFO, "error": logging.ERROR}.get(level, logging.INFO))
    root.propagate = False
