"""Git sources through the `git` and `ssh` CLIs: remote refs, ref resolution, shallow checkout, signatures,
proxies and GitHub App tokens."""

from __future__ import annotations

from .checkout import Checkout, checkout, sparse_patterns, start_empty
from .credentials import Credentials, credentials_from_secret
from .errors import (
    AuthenticationFailed,
    GitError,
    GitTimeout,
    InvalidProviderConfiguration,
    InvalidRef,
    InvalidURL,
    RefNotFound,
    RepositoryNotFound,
    UnknownHostKey,
    UnreachableHost,
    VerificationFailed,
)
from .githubapp import GitHubApp, TokenCache, github_app_from_secret, github_credentials, has_app_data
from .proxy import Proxy, proxy_from_secret
from .refs import (
    RefKind,
    RemoteRefs,
    ResolvedRef,
    format_revision,
    parse_ls_remote,
    ref_kind,
    ref_patterns,
    resolve_ref,
)
from .remote import list_refs, resolve_remote
from .transport import check_url
from .verify import Verification, VerificationMode, verify_checkout

__all__ = [
    "AuthenticationFailed",
    "Checkout",
    "Credentials",
    "GitError",
    "GitHubApp",
    "GitTimeout",
    "InvalidProviderConfiguration",
    "InvalidRef",
    "InvalidURL",
    "Proxy",
    "RefKind",
    "RefNotFound",
    "RemoteRefs",
    "RepositoryNotFound",
    "ResolvedRef",
    "TokenCache",
    "UnknownHostKey",
    "UnreachableHost",
    "Verification",
    "VerificationFailed",
    "VerificationMode",
    "check_url",
    "checkout",
    "credentials_from_secret",
    "format_revision",
    "github_app_from_secret",
    "github_credentials",
    "has_app_data",
    "list_refs",
    "parse_ls_remote",
    "proxy_from_secret",
    "ref_kind",
    "ref_patterns",
    "resolve_ref",
    "resolve_remote",
    "sparse_patterns",
    "start_empty",
    "verify_checkout",
]
