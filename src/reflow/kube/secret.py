"""A core Secret's `data`, decoded: the one place that turns its base64 values into bytes."""

from __future__ import annotations

import base64

from reflow.api.meta import Manifest


def secret_data(secret: Manifest) -> dict[str, bytes]:
    """A Secret's `data` as bytes by key; `stringData` never needs reading, the API server folds it into `data`."""
    return {key: base64.b64decode(value) for key, value in (secret.get("data") or {}).items()}
