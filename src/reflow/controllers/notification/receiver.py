"""The Receiver reconciler: check the filters, read the token, and publish the webhook path in the status."""

from __future__ import annotations

from reflow.api.conditions import INVALID_CEL_EXPRESSION, TOKEN_NOT_FOUND, VALIDATION_FAILED
from reflow.api.meta import Manifest, ObjectRef
from reflow.api.notification import Receiver
from reflow.engines.receiver.oidc import InvalidExpression, InvalidProviders, check_receiver
from reflow.engines.receiver.targets import InvalidFilter, check_filters
from reflow.engines.receiver.validate import TOKEN_KEY
from reflow.engines.receiver.webhook import webhook_path
from reflow.kube.client import Kube
from reflow.kube.errors import KubeError
from reflow.kube.secret import secret_data
from reflow.runtime.errors import ReconcileError, StalledError
from reflow.runtime.reconciler import Progress, Reconciler, parse_kind
from reflow.runtime.result import Result


class ReceiverReconciler(Reconciler[Receiver]):
    """Makes a Receiver Ready with `status.webhookPath` once its Secret holds a token; checks it every interval."""

    api_version = Receiver.KIND.api_version
    kind = "Receiver"

    def __init__(self, kube: Kube) -> None:
        self.kube = kube

    def parse(self, obj: Manifest) -> Receiver:
        return parse_kind(Receiver, obj)

    def interval(self, receiver: Receiver) -> float:
        return receiver.spec.interval

    async def reconcile(self, receiver: Receiver, progress: Progress) -> Result:
        spec, meta = receiver.spec, receiver.metadata
        try:
            check_filters(spec)
        except InvalidFilter as err:
            raise StalledError(str(err), reason=INVALID_CEL_EXPRESSION) from err
        try:
            check_receiver(spec)
        except InvalidProviders as err:
            raise StalledError(str(err), reason=VALIDATION_FAILED) from err
        except InvalidExpression as err:
            raise StalledError(str(err), reason=INVALID_CEL_EXPRESSION) from err
        token = await self._token(receiver)
        path = webhook_path(token, meta.name, meta.namespace or "")
        return Result(ready=f"Receiver initialized for path: {path}", status={"webhookPath": path})

    async def _token(self, receiver: Receiver) -> bytes:
        """The Secret's `token`; ReconcileError (TokenNotFound, the path withdrawn) when it cannot be read."""
        if receiver.spec.secret_ref is None:
            return b""
        namespace = receiver.metadata.namespace or ""
        name = f"{namespace}/{receiver.spec.secret_ref.name}"
        withdrawn = {"webhookPath": None}
        try:
            secret = await self.kube.get(ObjectRef("v1", "Secret", receiver.spec.secret_ref.name, namespace))
        except KubeError as err:
            raise ReconcileError(f"unable to read token from secret '{name}' error: {err}", reason=TOKEN_NOT_FOUND,
                                 status=withdrawn) from err  # fmt: skip
        data = secret_data(secret)
        if TOKEN_KEY not in data:
            raise ReconcileError(f"invalid '{name}' secret data: required fields 'token'", reason=TOKEN_NOT_FOUND,
                                 status=withdrawn)  # fmt: skip
        return data[TOKEN_KEY]
