"""Walking a SOPS tree: decrypt the values the rules say are encrypted and compute the MAC over the result.

A tree is what a store loads: mappings (insertion-ordered dicts with string keys), lists and scalars.
The additional data of a value is its path of mapping keys (list positions do not count) joined as
`a:b:c:`. The MAC is SHA-512 over every non-null value in document order — only the encrypted ones with
`mac_only_encrypted`, after a fixed prefix — written as upper-case hex, then itself encrypted with
`lastmodified` as additional data.

Comments: sops encrypts YAML and dotenv comments too, keeps them out of the MAC, and with a comment
rule (`encrypted_comment_regex` / `unencrypted_comment_regex`) lets them decide which values get
encrypted. Stores here drop comments, as a kustomize build does. So with a comment rule a value is
decrypted when it has the `ENC[…]` shape (what Flux 2.10 does); the MAC still matches, because comments
never entered it and the encrypted set is exactly the set of encrypted-looking values.
"""

from __future__ import annotations

import hashlib
import hmac
from collections.abc import Callable
from typing import Any

from reflow.engines.sops import cipher, patterns
from reflow.engines.sops.errors import InvalidDocument, MacMismatch, ValueDecryptionFailed
from reflow.engines.sops.metadata import Metadata, Rules

# sha256("sops"): written first into the MAC when it covers encrypted values only.
MAC_ONLY_ENCRYPTED_PREFIX = hashlib.sha256(b"sops").digest()


def should_decrypt(rules: Rules, path: list[str], value: object) -> bool:
    """Whether the value at `path` is encrypted under the document's rules."""
    if rules.by_comment:
        return cipher.is_encrypted(value)
    encrypted = True
    if rules.unencrypted_suffix and any(key.endswith(rules.unencrypted_suffix) for key in path):
        encrypted = False
    if rules.encrypted_suffix:
        encrypted = any(key.endswith(rules.encrypted_suffix) for key in path)
    if rules.unencrypted_regex and any(patterns.search(rules.unencrypted_regex, key) for key in path):
        encrypted = False
    if rules.encrypted_regex:
        encrypted = any(patterns.search(rules.encrypted_regex, key) for key in path)
    return encrypted


def decrypt_tree(branches: list[Any], metadata: Metadata, key: bytes, *, file: str) -> tuple[list[Any], str]:
    """The branches with their encrypted values decrypted, and the MAC computed over them (upper-case hex)."""
    rules = metadata.rules
    digest = hashlib.sha512()
    if rules.mac_only_encrypted:
        digest.update(MAC_ONLY_ENCRYPTED_PREFIX)

    def leaf(value: Any, path: list[str]) -> Any:
        encrypted = should_decrypt(rules, path, value)
        plain = value
        if encrypted:
            at = ":".join(path)
            if not isinstance(value, str):
                raise ValueDecryptionFailed(file, at, "expected an encrypted value, found a plain one")
            try:
                plain = cipher.decrypt_value(value, key, at + ":")
            except cipher.CipherError as err:
                raise ValueDecryptionFailed(file, at, str(err)) from None
        if isinstance(plain, cipher.Comment):
            return None
        if not rules.mac_only_encrypted or encrypted:
            digest.update(cipher.mac_bytes(plain))
        return plain

    decrypted = [_walk(branch, [], leaf, file) for branch in branches]
    return decrypted, digest.hexdigest().upper()


def verify_mac(computed: str, metadata: Metadata, key: bytes, *, file: str) -> None:
    """Raise `MacMismatch` unless the document's stored MAC decrypts and equals `computed`."""
    if not metadata.mac:
        raise MacMismatch(file, "MAC mismatch — the file has no MAC")
    try:
        stored = cipher.decrypt_value(metadata.mac, key, metadata.mac_additional_data)
    except cipher.CipherError:
        raise MacMismatch(file, "MAC mismatch — the MAC or lastmodified was changed after encryption") from None
    if not isinstance(stored, str) or not hmac.compare_digest(stored.encode(), computed.encode()):
        raise MacMismatch(file)


def _walk(node: Any, path: list[str], leaf: Callable[[Any, list[str]], Any], file: str) -> Any:
    if isinstance(node, dict):
        out: dict[str, Any] = {}
        for name, value in node.items():
            if not isinstance(name, str):
                raise InvalidDocument(file, f"the tree has a non-string key at '{':'.join(path)}'")
            out[name] = _walk(value, [*path, name], leaf, file)
        return out
    if isinstance(node, list):
        return [_walk(item, path, leaf, file) for item in node]
    if node is None:
        return None
    return leaf(node, path)
