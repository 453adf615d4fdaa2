"""What our own applies left of each object, so a dry-run can prove a no-op without reading the live object."""

from __future__ import annotations

import hashlib
import json
from collections import OrderedDict

from reflow.api.meta import Manifest

from .drift import compared

CAPACITY = 10_000
"""Objects remembered at most (≈ 200 bytes each, uid included: 2 MB); the least recently used are forgotten first."""


def fingerprint(obj: Manifest) -> bytes:
    """A digest of an object's resourceVersion and of what drift detection compares of it."""
    version = str((obj.get("metadata") or {}).get("resourceVersion") or "")
    text = json.dumps([version, compared(obj)], sort_keys=True, separators=(",", ":"))
    return hashlib.blake2b(text.encode(), digest_size=16).digest()


class Recall:
    """Per object uid, the fingerprint of the last state of it this controller saw: what its apply returned,
    or the live object a read found unchanged.

    Every write bumps an object's resourceVersion, and a dry-run answers with the live object's
    resourceVersion. So a dry-run whose fingerprint equals the remembered one was made against exactly
    the state remembered, and left every compared field as it was: applying changes nothing. Any other
    answer (another writer in between, a change, a forgotten object) proves nothing; the caller reads.
    """

    def __init__(self, capacity: int = CAPACITY) -> None:
        self.capacity = capacity
        self._seen: OrderedDict[str, bytes] = OrderedDict()

    def remember(self, obj: Manifest) -> None:
        """Note the state of an object just returned by the API server (an apply's answer or a read)."""
        uid = (obj.get("metadata") or {}).get("uid")
        if not uid or self.capacity <= 0:
            return
        self._seen[uid] = fingerprint(obj)
        self._seen.move_to_end(uid)
        while len(self._seen) > self.capacity:
            self._seen.popitem(last=False)

    def unchanged(self, dry_run: Manifest) -> bool:
        """Whether the dry-run certainly leaves the object as this controller last saw it."""
        uid = str((dry_run.get("metadata") or {}).get("uid") or "")
        if not uid or self._seen.get(uid) != fingerprint(dry_run):
            return False
        self._seen.move_to_end(uid)
        return True

    def __len__(self) -> int:
        return len(self._seen)
