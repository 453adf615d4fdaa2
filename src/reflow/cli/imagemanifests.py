"""ImageRepository, ImagePolicy and ImageUpdateAutomation manifests as `flux create image … --export` writes them."""

from __future__ import annotations

import re

from reflow.api.image import ImagePolicy, ImageRepository, ImageUpdateAutomation
from reflow.api.meta import Manifest
from reflow.cli.render import go_duration
from reflow.engines.image.extract import InvalidPattern, compile_pattern, extract_problem

# Docker's reference grammar: the first component is a registry host only when it has a `.` or `:` or is
# `localhost`; every path component is lowercase.
_HOST = re.compile(
    r"[a-zA-Z0-9](?:[a-zA-Z0-9-]*[a-zA-Z0-9])?(?:\.[a-zA-Z0-9](?:[a-zA-Z0-9-]*[a-zA-Z0-9])?)*(?::[0-9]+)?"
)
_PATH = re.compile(r"[a-z0-9]+(?:(?:[._]|__|-+)[a-z0-9]+)*(?:/[a-z0-9]+(?:(?:[._]|__|-+)[a-z0-9]+)*)*")


def valid_repository(image: str) -> bool:
    """Whether `image` names an image repository (no tag or digest), as the registry libraries parse it."""
    first, _, rest = image.partition("/")
    if rest and ("." in first or ":" in first or first == "localhost"):
        return _HOST.fullmatch(first) is not None and _PATH.fullmatch(rest) is not None
    return _PATH.fullmatch(image) is not None


class InvalidFlags(ValueError):
    """Flags that cannot make the object; the message names the flag as Flux's CLI does."""


def _object(model: type, name: str, namespace: str, labels: dict[str, str], spec: Manifest) -> Manifest:
    info = model.KIND  # type: ignore[attr-defined]
    metadata: Manifest = {"name": name, "namespace": namespace, **({"labels": labels} if labels else {})}
    return {"apiVersion": info.api_version, "kind": info.kind, "metadata": metadata, "spec": spec}


def image_repository(
    name: str,
    namespace: str,
    *,
    image: str,
    interval: float,
    labels: dict[str, str],
    secret_ref: str | None = None,
    cert_ref: str | None = None,
    scan_timeout: float | None = None,
) -> Manifest:
    """An ImageRepository that scans `image` every `interval` seconds."""
    if not image:
        raise InvalidFlags("an image repository (--image) is required")
    if not valid_repository(image):
        raise InvalidFlags(f"unable to parse image value: repository '{image}' is not a valid image repository name")
    spec: Manifest = {"image": image, "interval": go_duration(interval)}
    if scan_timeout:
        spec["timeout"] = go_duration(scan_timeout)
    if secret_ref:
        spec["secretRef"] = {"name": secret_ref}
    if cert_ref:
        spec["certSecretRef"] = {"name": cert_ref}
    return _object(ImageRepository, name, namespace, labels, spec)


def image_policy(
    name: str,
    namespace: str,
    *,
    image_ref: str,
    labels: dict[str, str],
    semver: str | None = None,
    alpha: str | None = None,
    numeric: str | None = None,
    filter_regex: str | None = None,
    filter_extract: str | None = None,
    reflect_digest: str | None = None,
    interval: float | None = None,
) -> Manifest:
    """An ImagePolicy choosing from the ImageRepository `image_ref` by exactly one of the three rules."""
    if not image_ref:
        raise InvalidFlags("the name of an ImageRepository in the namespace is required (--image-ref)")
    chosen = [rule for rule in (semver, alpha, numeric) if rule]
    if len(chosen) > 1:
        raise InvalidFlags("only one of --select-semver, --select-alpha or --select-numeric can be specified")
    policy: Manifest
    if semver:
        policy = {"semver": {"range": semver}}
    elif alpha or numeric:
        flag, key, order = (
            ("--select-alpha", "alphabetical", alpha) if alpha else ("--select-numeric", "numerical", numeric)
        )
        if order not in ("asc", "desc"):
            raise InvalidFlags(f'{flag} must be one of ["asc", "desc"]')
        policy = {key: {"order": order}}
    else:
        raise InvalidFlags("a policy must be provided with either --select-semver or --select-alpha")
    spec: Manifest = {"imageRepositoryRef": {"name": image_ref}, "policy": policy}
    if filter_regex:
        try:
            compiled = compile_pattern(filter_regex)
        except InvalidPattern as error:
            raise InvalidFlags("--filter-regex is an invalid regex pattern") from error
        spec["filterTags"] = {"pattern": filter_regex}
        if filter_extract:
            problem = extract_problem(filter_extract, dict(compiled.groupindex))
            if problem:
                raise InvalidFlags(problem)
            spec["filterTags"]["extract"] = filter_extract
    elif filter_extract:
        raise InvalidFlags("cannot specify --filter-extract without specifying --filter-regex")
    if reflect_digest:
        if reflect_digest not in ("Never", "IfNotPresent", "Always"):
            raise InvalidFlags("invalid value for --reflect-digest, must be one of 'Never', 'IfNotPresent', 'Always'")
        spec["digestReflectionPolicy"] = reflect_digest
    if interval:
        if reflect_digest != "Always":
            raise InvalidFlags(
                "the --interval flag can only be used with the 'Always' digest reflection policy,"
                " use --reflect-digest=Always"
            )
        spec["interval"] = go_duration(interval)
    return _object(ImagePolicy, name, namespace, labels, spec)


def image_update(
    name: str,
    namespace: str,
    *,
    git_repo_ref: str,
    checkout_branch: str,
    author_name: str,
    author_email: str,
    interval: float,
    labels: dict[str, str],
    git_repo_namespace: str | None = None,
    git_repo_path: str | None = None,
    push_branch: str | None = None,
    commit_template: str | None = None,
    signing_key_secret: str | None = None,
    signing_key_type: str | None = None,
) -> Manifest:
    """An ImageUpdateAutomation that commits to `checkout_branch` of the GitRepository `git_repo_ref`."""
    for value, message in (
        (git_repo_ref, "a reference to a GitRepository is required (--git-repo-ref)"),
        (checkout_branch, "the Git repository branch is required (--checkout-branch)"),
        (author_name, "the author name is required (--author-name)"),
        (author_email, "the author email is required (--author-email)"),
    ):
        if not value:
            raise InvalidFlags(message)
    if signing_key_type and not signing_key_secret:
        raise InvalidFlags("--signing-key-type requires --signing-key-secret")
    if signing_key_type and signing_key_type not in ("gpg", "ssh"):
        raise InvalidFlags("--signing-key-type must be one of: gpg, ssh")
    commit: Manifest = {"author": {"email": author_email, "name": author_name}}
    if commit_template:
        commit["messageTemplate"] = commit_template
    if signing_key_secret:
        commit["signingKey"] = {"secretRef": {"name": signing_key_secret}}
        if signing_key_type:
            commit["signingKey"]["type"] = signing_key_type
    git: Manifest = {"checkout": {"ref": {"branch": checkout_branch}}, "commit": commit}
    if push_branch:
        git["push"] = {"branch": push_branch}
    source: Manifest = {"kind": "GitRepository", "name": git_repo_ref}
    if git_repo_namespace:
        source["namespace"] = git_repo_namespace
    spec: Manifest = {"git": git, "interval": go_duration(interval), "sourceRef": source}
    if git_repo_path:
        spec["update"] = {"path": git_repo_path, "strategy": "Setters"}
    return _object(ImageUpdateAutomation, name, namespace, labels, spec)
