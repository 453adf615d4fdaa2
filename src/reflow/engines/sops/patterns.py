"""The regular expressions of a document's rules, compiled and matched with RE2 as sops does with Go's `regexp`.

The patterns come from the document, which anyone holding the cluster's public key can write. A
backtracking engine such as Python's `re` takes time exponential in the key on `^(a+)+$` while holding
the GIL, which stops every reconciler; RE2 matches in time linear in the key and has no backreferences
or lookaround, so such a pattern is refused here as sops refuses it. Patterns and keys are matched as
UTF-8 bytes, as Go does (dotenv and INI keys may hold undecodable bytes, kept as surrogates).
"""

from __future__ import annotations

import re2

_OPTIONS = re2.Options()
_OPTIONS.log_errors = False  # RE2 would write every refused pattern to stderr


def problem(pattern: str) -> str | None:
    """Why RE2 cannot compile `pattern` (its own words), or None when it can."""
    try:
        re2.compile(_utf8(pattern), _OPTIONS)
    except re2.error as err:
        reason = err.args[0] if err.args else ""
        return reason.decode("utf-8", "replace") if isinstance(reason, bytes) else str(reason)
    return None


def search(pattern: str, key: str) -> bool:
    """Whether `pattern` matches anywhere in `key`; the pattern must have passed `problem`."""
    return re2.compile(_utf8(pattern), _OPTIONS).search(_utf8(key)) is not None


def _utf8(text: str) -> bytes:
    return text.encode("utf-8", "surrogateescape")
