"""The `sops` metadata of a document: key groups of master keys, the Shamir threshold, the MAC and the encryption rules.

Every store hands over the metadata as a mapping with sops's field names (the flat stores, dotenv and
INI, after unflattening). Master key lists are recognised by name; any list not known to be a rule or
bookkeeping field is a master key type (`kms`, `gcp_kms`, `azure_kv`, `hc_vault`, …), so new key types
show up as "unsupported key type" rather than being ignored.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from reflow.engines.sops import patterns
from reflow.engines.sops.errors import InvalidDocument

AGE = "age"
PGP = "pgp"
DEFAULT_UNENCRYPTED_SUFFIX = "_unencrypted"
# Shamir shares are numbered by a non-zero byte, so no more than 255 key groups can ever be combined.
MAX_SHAMIR_THRESHOLD = 255
_NOT_KEYS = frozenset(
    {
        "shamir_threshold",
        "key_groups",
        "lastmodified",
        "mac",
        "mac_only_encrypted",
        "unencrypted_suffix",
        "encrypted_suffix",
        "unencrypted_regex",
        "encrypted_regex",
        "unencrypted_comment_regex",
        "encrypted_comment_regex",
        "version",
    }
)
# The field that names a master key in messages, per key type; the first one present wins.
_IDENTIFIERS = ("recipient", "fp", "arn", "resource_id", "key_name", "name", "vault_address")
_THRESHOLD_TEXT = re.compile(r"[0-9]{1,3}")
_FRACTION = re.compile(r"(T\d\d:\d\d:\d\d)\.\d+")


@dataclass(frozen=True, slots=True, kw_only=True)
class MasterKey:
    """One master key's copy of the data key (or of this group's Shamir share)."""

    type: str  # metadata name: age, pgp, kms, gcp_kms, azure_kv, hc_vault, …
    identifier: str  # public: age recipient, PGP fingerprint, KMS ARN, …; "" when absent
    enc: str = ""  # the encrypted data key: an armored age file or PGP message, a KMS blob, …

    def __str__(self) -> str:
        return f"{self.type} {self.identifier}".rstrip()


@dataclass(frozen=True, slots=True, kw_only=True)
class Rules:
    """Which values of the tree are encrypted; sops allows one rule per file (default: `_unencrypted` suffix)."""

    unencrypted_suffix: str = ""
    encrypted_suffix: str = ""
    unencrypted_regex: str = ""
    encrypted_regex: str = ""
    unencrypted_comment_regex: str = ""
    encrypted_comment_regex: str = ""
    mac_only_encrypted: bool = False  # the MAC covers encrypted values only (sops 3.9+)

    @property
    def by_comment(self) -> bool:
        """Whether comments decide what is encrypted (then decryption goes by each value's shape)."""
        return bool(self.unencrypted_comment_regex or self.encrypted_comment_regex)


@dataclass(frozen=True, slots=True, kw_only=True)
class Metadata:
    """What a document's `sops` section says about how to decrypt and verify it."""

    key_groups: tuple[tuple[MasterKey, ...], ...]
    shamir_threshold: int  # shares needed when there is more than one key group
    last_modified: str  # as written; the MAC's additional data is its RFC 3339 form
    mac: str  # the encrypted MAC; "" when the document has none
    rules: Rules
    version: str = ""

    @property
    def mac_additional_data(self) -> str:
        """`lastmodified` as Go's `time.RFC3339` writes it back (whole seconds)."""
        return _FRACTION.sub(r"\1", self.last_modified)


def parse_metadata(raw: object, file: str) -> Metadata:
    """The metadata of a document from its `sops` mapping; `InvalidDocument` when it is unusable."""
    if not isinstance(raw, Mapping):
        raise InvalidDocument(file, "sops metadata not found")
    rules = _rules(raw, file)
    groups = _key_groups(raw, file)
    threshold = _threshold(raw.get("shamir_threshold"), file)
    if len(groups) > 1 and threshold == 0:
        threshold = len(groups)
    last_modified = str(raw.get("lastmodified") or "")
    if not last_modified:
        raise InvalidDocument(file, "the sops metadata has no lastmodified timestamp")
    return Metadata(
        key_groups=groups,
        shamir_threshold=threshold,
        last_modified=last_modified,
        mac=str(raw.get("mac") or ""),
        rules=rules,
        version=str(raw.get("version") or ""),
    )


def _rules(raw: Mapping[str, Any], file: str) -> Rules:
    names = (
        "unencrypted_suffix",
        "encrypted_suffix",
        "unencrypted_regex",
        "encrypted_regex",
        "unencrypted_comment_regex",
        "encrypted_comment_regex",
    )
    values = {name: str(raw.get(name) or "") for name in names}
    chosen = [name for name, value in values.items() if value]
    if len(chosen) > 1:
        raise InvalidDocument(file, f"the sops metadata sets more than one encryption rule: {', '.join(chosen)}")
    if not chosen:
        values["unencrypted_suffix"] = DEFAULT_UNENCRYPTED_SUFFIX
    for name in chosen:
        if name.endswith("regex") and (reason := patterns.problem(values[name])) is not None:
            raise InvalidDocument(file, f"the sops metadata's {name} is not a valid RE2 regular expression ({reason})")
    return Rules(**values, mac_only_encrypted=_bool(raw.get("mac_only_encrypted")))


def _key_groups(raw: Mapping[str, Any], file: str) -> tuple[tuple[MasterKey, ...], ...]:
    top = _group(raw, file)
    if top:
        return (top,)
    listed = raw.get("key_groups") or []
    if not isinstance(listed, list):
        raise InvalidDocument(file, "the sops metadata's key_groups is not a list")
    groups = tuple(_group(group, file) for group in listed if isinstance(group, Mapping))
    if not groups or not any(groups):
        raise InvalidDocument(file, "the sops metadata lists no master keys")
    return groups


def _group(raw: Mapping[str, Any], file: str) -> tuple[MasterKey, ...]:
    keys: list[MasterKey] = []
    for key_type, entries in raw.items():
        if key_type in _NOT_KEYS or not isinstance(entries, list):
            continue
        for entry in entries:
            if not isinstance(entry, Mapping):
                raise InvalidDocument(file, f"a {key_type} master key in the sops metadata is not a mapping")
            identifier = next((str(entry[name]) for name in _IDENTIFIERS if entry.get(name)), "")
            keys.append(MasterKey(type=str(key_type), identifier=identifier, enc=str(entry.get("enc") or "")))
    return tuple(keys)


def _threshold(value: object, file: str) -> int:
    if value is None or value == "":
        return 0
    number = value
    if isinstance(value, str):  # dotenv and INI metadata hold text
        number = int(value) if _THRESHOLD_TEXT.fullmatch(value) else None
    if isinstance(number, float) and number.is_integer():
        number = int(number)
    if isinstance(number, bool) or not isinstance(number, int) or not 0 <= number <= MAX_SHAMIR_THRESHOLD:
        raise InvalidDocument(
            file, f"the sops metadata's shamir_threshold must be a whole number from 0 to {MAX_SHAMIR_THRESHOLD}"
        )
    return number


def _bool(value: object) -> bool:
    if isinstance(value, str):
        return value.lower() == "true"
    return bool(value)
