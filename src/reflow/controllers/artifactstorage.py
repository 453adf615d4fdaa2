"""The process's one artifact storage and server, shared by every controller that publishes artifacts.

source-controller and source-watcher both serve files from `--storage-path` on `--storage-addr`; in
one process they share a single listener rather than fight for the port. The first controller set up
on a manager adds the server; the others subscribe to learn the advertised address once it listens.
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from dataclasses import dataclass, field
from weakref import WeakKeyDictionary

from reflow.engines.artifact import Storage, StorageSettings, advertised_address, serve_artifacts
from reflow.runtime.manager import Manager
from reflow.runtime.servers import split_address


@dataclass(slots=True)
class ServedStorage:
    """The storage artifacts are written to; `storage` carries the server's address once `ready` is set."""

    storage: Storage
    ready: asyncio.Event = field(default_factory=asyncio.Event)
    subscribers: list[Callable[[Storage], None]] = field(default_factory=list)

    def subscribe(self, listener: Callable[[Storage], None]) -> None:
        """Call `listener` with the served storage once the server listens."""
        self.subscribers.append(listener)


_SERVED: WeakKeyDictionary[Manager, ServedStorage] = WeakKeyDictionary()


def served_storage(manager: Manager, settings: StorageSettings) -> ServedStorage:
    """The manager's artifact storage; the first call adds the artifact server to the manager."""
    served = _SERVED.get(manager)
    if served is not None:
        return served
    settings.storage_path.mkdir(parents=True, exist_ok=True)
    served = ServedStorage(Storage(settings.storage_path, advertised_address(settings)))
    _SERVED[manager] = served

    async def serve() -> None:
        host, port = split_address(settings.storage_addr)
        async with serve_artifacts(settings.storage_path, host=host, port=port) as server:
            served.storage = Storage(settings.storage_path, advertised_address(settings, server.port))
            for listener in served.subscribers:
                listener(served.storage)
            served.ready.set()
            await asyncio.Event().wait()

    manager.add_service("artifact-server", serve)
    return served
