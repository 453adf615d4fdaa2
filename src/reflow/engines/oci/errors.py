"""Why talking to an OCI registry failed, each error carrying the Flux condition reason it is shown with.

```
OCIError                 OCIArtifactPullFailed
├── InvalidReference     URLInvalid: the `oci://` address, tag or digest cannot be parsed
├── AuthenticationFailed AuthenticationFailed: a Secret is missing or unusable, or the registry refused
├── ReferenceNotFound    ReadOperationFailed: no tag in range, or the tag or digest is not in the repository
├── Unreachable          OCIArtifactPullFailed: no connection, TLS failure, timeout, a proxy refusing
├── LayerFailed          OCIArtifactLayerOperationFailed: the selected layer is absent, too big or damaged
└── PushFailed           OCIArtifactPullFailed: the registry refused an upload
```

Messages never hold credentials: they name the registry, the repository and what to fix.
"""

from __future__ import annotations

from typing import ClassVar

from reflow.api.conditions import (
    AUTHENTICATION_FAILED,
    OCI_ARTIFACT_LAYER_OPERATION_FAILED,
    OCI_ARTIFACT_PULL_FAILED,
    READ_OPERATION_FAILED,
    URL_INVALID,
)


class OCIError(Exception):
    """A registry could not be read or written; `reason` is the FetchFailed condition's reason."""

    reason: ClassVar[str] = OCI_ARTIFACT_PULL_FAILED


class InvalidReference(OCIError):
    reason = URL_INVALID


class AuthenticationFailed(OCIError):
    reason = AUTHENTICATION_FAILED


class ReferenceNotFound(OCIError):
    reason = READ_OPERATION_FAILED


class Unreachable(OCIError):
    pass


class LayerFailed(OCIError):
    reason = OCI_ARTIFACT_LAYER_OPERATION_FAILED


class PushFailed(OCIError):
    pass
