"""Credentials and TLS settings read from Secret data, with plain data."""

from __future__ import annotations

import ssl
import subprocess
from pathlib import Path

import pytest

from reflow.engines.helmrepo import (
    AuthenticationFailed,
    BasicAuth,
    ClientOptions,
    TLSConfig,
    basic_auth_from_secret,
    ssl_context,
    tls_from_secret,
)


def test_basic_auth_needs_both_keys() -> None:
    assert basic_auth_from_secret({"username": b"u", "password": b"p\n"}, "ns/s") == BasicAuth("u", "p")
    assert basic_auth_from_secret({"ca.crt": b"x"}, "ns/s") is None
    with pytest.raises(AuthenticationFailed, match=r"secret 'ns/s'.*'password' is missing"):
        basic_auth_from_secret({"username": b"u"}, "ns/s")


def test_the_password_stays_out_of_repr() -> None:
    assert "hunter2" not in repr(BasicAuth("u", "hunter2"))
    assert "hunter2" not in repr(ClientOptions(auth=BasicAuth("u", "hunter2")))


def test_credentials_go_to_other_hosts_only_with_pass_credentials() -> None:
    auth = BasicAuth("u", "p")
    repository = "https://charts.example.com/stable"
    options = ClientOptions(auth=auth)
    assert options.auth_for("https://charts.example.com/stable/web-1.0.0.tgz", repository) == auth
    assert options.auth_for("https://cdn.example.net/web-1.0.0.tgz", repository) is None
    passing = ClientOptions(auth=auth, pass_credentials=True)
    assert passing.auth_for("https://cdn.example.net/web-1.0.0.tgz", repository) == auth


def test_tls_reads_current_and_older_keys_and_wants_cert_with_key() -> None:
    assert tls_from_secret({"username": b"u"}, "ns/s") is None
    assert tls_from_secret({"caFile": b"CA"}, "ns/s").ca == b"CA"  # type: ignore[union-attr]
    both = tls_from_secret({"ca.crt": b"CA", "tls.crt": b"C", "tls.key": b"K"}, "ns/s")
    assert both is not None
    assert (both.ca, both.cert, both.key) == (b"CA", b"C", b"K")
    with pytest.raises(AuthenticationFailed, match="must be given together"):
        tls_from_secret({"tls.crt": b"C"}, "ns/s")


def test_without_a_ca_or_client_certificate_the_system_context_is_shared(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    shared = ssl_context(None, "none")
    assert ssl_context(TLSConfig(ca=None, cert=None, key=None), "empty") is shared
    assert shared.verify_mode == ssl.CERT_REQUIRED
    assert shared.check_hostname
    ca = TLSConfig(ca=_ca_pem(tmp_path), cert=None, key=None)
    own = ssl_context(ca, "with-ca")
    assert own is not shared
    assert len(own.get_ca_certs()) == len(shared.get_ca_certs()) + 1
    monkeypatch.setenv("SSL_CERT_FILE", str(tmp_path / "other-bundle.pem"))
    assert ssl_context(None, "none") is not shared


def _ca_pem(folder: Path) -> bytes:
    """A self-signed CA certificate made by openssl."""
    subprocess.run(
        ["openssl", "req", "-x509", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:P-256", "-nodes", "-days", "1",
         "-subj", "/CN=bench-ca", "-keyout", str(folder / "ca.key"), "-out", str(folder / "ca.crt")],
        check=True, capture_output=True,
    )  # fmt: skip
    return (folder / "ca.crt").read_bytes()
