"""Cloud event buses: Google Cloud Pub/Sub and Azure Event Hubs, each given the event JSON through its REST API.

Both authenticate with what the Provider's Secret holds: a Google service account key (JSON, in `token`), an Event
Hubs SAS connection string (the address) or a bearer token. Object identity through `serviceAccountName` (workload
identity federation with Google or Azure) needs the clouds' token services and is refused with a clear error.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import os
import time
from datetime import datetime
from urllib.parse import quote, urlencode, urlsplit

import jwt

from reflow.engines.notify.event import Event
from reflow.engines.notify.providers.changerequest import Call
from reflow.engines.notify.target import ProviderError, Request, Target, json_request

PUBSUB_API = "https://pubsub.googleapis.com"
PUBSUB_EMULATOR = "PUBSUB_EMULATOR_HOST"
"""Google's convention: `host:port` of a Pub/Sub emulator, reached over plain HTTP without credentials."""
PUBSUB_SCOPES = "https://www.googleapis.com/auth/pubsub https://www.googleapis.com/auth/cloud-platform"
GRANT_TYPE = "urn:ietf:params:oauth:grant-type:jwt-bearer"
ASSERTION_LIFETIME = 3600
EVENTHUB_SUFFIX = ".servicebus.windows.net"
SAS_LIFETIME = 3600
"""Seconds an Event Hubs SAS token is valid, counted from the event's timestamp."""
NO_OBJECT_IDENTITY = (
    "{type}: authenticating as spec.serviceAccountName (object identity) is not available in this build; {instead}"
)


def _event_json(event: Event) -> bytes:
    return json.dumps(event.body(), separators=(",", ":"), ensure_ascii=False).encode()


async def googlepubsub(event: Event, target: Target, call: Call) -> None:
    """`POST /v1/projects/{address}/topics/{channel}:publish` with the event JSON as the message's data and the
    Secret's headers as its attributes, as the service account whose key is the Secret's `token`."""
    if not target.address:
        raise ProviderError("GCP project ID cannot be empty")
    if not target.channel:
        raise ProviderError("GCP Pub/Sub topic ID cannot be empty")
    message: dict[str, object] = {"data": base64.b64encode(_event_json(event)).decode()}
    if target.headers:
        message["attributes"] = dict(target.headers)
    path = f"/v1/projects/{quote(target.address, safe='')}/topics/{quote(target.channel, safe='')}:publish"
    emulator = os.environ.get(PUBSUB_EMULATOR)
    if emulator:
        await call(json_request(f"http://{emulator}{path}", {"messages": [message]}))
        return
    if not target.token:
        raise ProviderError(NO_OBJECT_IDENTITY.format(type="googlepubsub", instead="put a service account key (JSON) "
                                                      "in the Provider Secret's `token`"))  # fmt: skip
    access = await google_access_token(target.token, call, time.time())
    await call(json_request(PUBSUB_API + path, {"messages": [message]}, {"Authorization": f"Bearer {access}"}))


async def google_access_token(key_json: str, call: Call, now: float) -> str:
    """An OAuth access token for a service account key: a signed JWT grant exchanged at the key's `token_uri`."""
    try:
        key = json.loads(key_json)
        email, private_key, token_uri = key["client_email"], key["private_key"], key["token_uri"]
    except (ValueError, KeyError, TypeError) as err:
        raise ProviderError("googlepubsub: the Secret's `token` is not a service account key (JSON with "
                            "client_email, private_key and token_uri)") from err  # fmt: skip
    issued = int(now)
    claims = {"iss": email, "scope": PUBSUB_SCOPES, "aud": token_uri, "iat": issued,
              "exp": issued + ASSERTION_LIFETIME}  # fmt: skip
    headers = {"kid": key["private_key_id"]} if key.get("private_key_id") else None
    try:
        assertion = jwt.encode(claims, private_key, algorithm="RS256", headers=headers)
    except (ValueError, TypeError, jwt.PyJWTError) as err:
        raise ProviderError("googlepubsub: the service account key's private_key is not a usable RSA key") from err
    form = urlencode({"grant_type": GRANT_TYPE, "assertion": assertion}).encode()
    form_type = {"Content-Type": "application/x-www-form-urlencoded"}
    answer = await call(Request(url=token_uri, body=form, headers=form_type))
    try:
        token = json.loads(answer)["access_token"]
    except (ValueError, KeyError, TypeError) as err:
        raise ProviderError("googlepubsub: the token endpoint answered without an access_token") from err
    if not isinstance(token, str) or not token:
        raise ProviderError("googlepubsub: the token endpoint answered without an access_token")
    return token


def azureeventhub(event: Event, target: Target) -> Request:
    """Event Hubs' REST send (`POST https://{namespace}/{hub}/messages`) of the event JSON: with a SAS token signed
    from the connection string in the address, or the Secret's bearer `token` (address: the hub, channel: the
    namespace)."""
    if not target.address:
        raise ProviderError("endpoint URL cannot be empty")
    if "SharedAccessKey" in target.address:
        if target.token:
            raise ProviderError("jwt token and SAS authentication cannot be set at the same time")
        host, hub, authorization = _sas(target.address, event.timestamp)
    else:
        if not target.token:
            raise ProviderError(NO_OBJECT_IDENTITY.format(type="azureeventhub", instead="use a SAS connection string "
                                                          "as the address or a `token` in the Secret"))  # fmt: skip
        if not target.channel:
            raise ProviderError("azureeventhub with a token needs the Event Hubs namespace as spec.channel")
        host = target.channel if ".servicebus." in target.channel else target.channel + EVENTHUB_SUFFIX
        hub, authorization = target.address, f"Bearer {target.token}"
    headers = {"Content-Type": "application/atom+xml;type=entry;charset=utf-8", "Authorization": authorization}
    return Request(url=f"https://{host}/{quote(hub, safe='')}/messages?timeout=60&api-version=2014-01",
                   body=_event_json(event), headers=headers)  # fmt: skip


def _sas(connection: str, timestamp: str) -> tuple[str, str, str]:
    """The namespace host, hub and `SharedAccessSignature …` header of an Event Hubs connection string."""
    parts = dict(item.partition("=")[::2] for item in connection.split(";") if item.strip())
    host = urlsplit(parts.get("Endpoint", "").strip()).hostname
    name, key, hub = parts.get("SharedAccessKeyName"), parts.get("SharedAccessKey"), parts.get("EntityPath")
    if not host or not name or not key or not hub:
        raise ProviderError("invalid Event Hubs connection string: expected Endpoint, SharedAccessKeyName, "
                            "SharedAccessKey and EntityPath")  # fmt: skip
    expiry = int(datetime.fromisoformat(timestamp.replace("Z", "+00:00")).timestamp()) + SAS_LIFETIME
    resource = quote(f"https://{host}/{hub}", safe="")
    signature = base64.b64encode(hmac.new(key.encode(), f"{resource}\n{expiry}".encode(), hashlib.sha256).digest())
    token = f"sr={resource}&sig={quote(signature.decode(), safe='')}&se={expiry}&skn={quote(name, safe='')}"
    return host, hub, f"SharedAccessSignature {token}"
