"""`Manifest`: a Kubernetes object as the JSON dict the API server sends and accepts."""

from __future__ import annotations

from typing import Any

Manifest = dict[str, Any]
