"""`reflow create`: sources, Kustomizations, HelmReleases, Git Secrets, Alerts and Providers, applied or printed
with `--export`."""

from __future__ import annotations

import asyncio
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any, TypeVar

import click

from reflow.api.meta import Manifest, ObjectRef
from reflow.cli.console import err, fail, out, run, step, success
from reflow.cli.gitsecret import GitCredentials, GitSecretError, http_data, secret, ssh_data, validate_url
from reflow.cli.helmrelease import helm_release
from reflow.cli.manifests import (
    bucket,
    git_repository,
    helm_repository,
    kustomization,
    oci_repository,
    parse_labels,
    parse_source,
    safe_relative_path,
    split_list,
)
from reflow.cli.notifications import create_alert, create_alert_provider, create_receiver
from reflow.cli.nouns import AliasGroup
from reflow.cli.options import Duration, GlobalOptions, bool_flag, global_options
from reflow.cli.progress import wait_reconciled
from reflow.cli.render import to_yaml
from reflow.engines.flux.state import ready, revision
from reflow.kube.client import connect

F = TypeVar("F", bound=Callable[..., Any])
FIELD_MANAGER = "reflow"


def _common(command: F) -> F:
    decorated: Any = command
    for flag in (
        click.option("--export", is_flag=True, help="Print the YAML instead of applying it."),
        click.option("--label", "labels", multiple=True, metavar="KEY=VALUE", help="Set a label (repeatable)."),
        click.option("--interval", type=Duration(), default="1m", show_default=True, help="Reconcile interval."),
    ):
        decorated = flag(decorated)
    return decorated  # type: ignore[no-any-return]


async def _apply(options: GlobalOptions, objects: Sequence[Manifest]) -> Manifest:
    async with connect(options.connection) as kube:
        applied: Manifest = {}
        for obj in objects:
            if obj["kind"] == "Secret":
                step("applying secret with the repository credentials")
            else:
                step(f"applying {obj['kind']}")
            applied = await kube.apply(obj, field_manager=FIELD_MANAGER, force=True)
            success("authentication configured" if obj["kind"] == "Secret" else f"{obj['kind']} created")
        ref = ObjectRef.of(applied)
        err.print(f"◎ waiting for {ref.kind} reconciliation")
        return (await wait_reconciled(kube, ref, token=None, timeout=options.timeout)).obj


def _finish(obj: Manifest, verb: str) -> None:
    status, message = ready(obj)
    if status != "True":
        fail(f"{obj['kind']} reconciliation failed: {message}", "`reflow events --for` shows what happened")
    if not revision(obj):
        fail(f"{obj['kind']} reconciliation completed but no revision was found")
    success(f"{obj['kind']} reconciliation completed")
    success(f"{verb} revision: {revision(obj)}")


@click.group(cls=AliasGroup)
def create() -> None:
    """Create or update sources, Kustomizations and Secrets (or print them with --export)."""


@create.group(cls=AliasGroup)
def source() -> None:
    """Create or update a source."""


@create.group("secret", cls=AliasGroup)
def secret_group() -> None:
    """Create or update a Secret that Flux objects reference."""


@source.command("git")
@click.argument("name")
@click.option("--url", required=True, help="Repository address: http(s)://host/org/repo or ssh://user@host/org/repo.")
@click.option("--branch", help="Branch to follow.")
@click.option("--tag", help="Tag to check out.")
@click.option("--tag-semver", help="SemVer range; the newest matching tag is checked out.")
@click.option("--ref-name", help="Any Git reference, e.g. refs/heads/main.")
@click.option("--commit", help="Commit SHA to check out (with --branch: a commit in that branch).")
@click.option("-u", "--username", help="Basic authentication username.")
@click.option("-p", "--password", help="Basic authentication password (or SSH key passphrase).")
@click.option("--private-key-file", type=click.Path(dir_okay=False, path_type=Path), help="SSH private key file.")
@click.option("--ca-file", type=click.Path(dir_okay=False, path_type=Path), help="CA certificate for HTTPS.")
@click.option("--ssh-key-algorithm", default="ecdsa", show_default=True, help="SSH key to generate: ecdsa|rsa|ed25519.")
@click.option("--ssh-rsa-bits", type=int, default=2048, show_default=True, help="RSA key size.")
@click.option("--ssh-ecdsa-curve", default="p384", show_default=True, help="ECDSA curve: p256|p384|p521.")
@click.option("--secret-ref", help="Name of an existing Secret with the credentials.")
@click.option("--provider", type=click.Choice(["generic", "azure", "github"]), default="generic", show_default=True)
@click.option("--ignore-paths", multiple=True, help="Paths to leave out, .sourceignore syntax (comma-separated).")
@click.option("--recurse-submodules", is_flag=True, help="Also clone the submodules.")
@click.option("--sparse-checkout-paths", multiple=True, help="Directories to check out (comma-separated).")
@click.option("--fetch-timeout", type=Duration(), help="Time limit for one fetch (spec.timeout).")
@click.option("-s", "--silent", is_flag=True, help="Do not ask to confirm that a generated deploy key was added.")
@_common
@global_options
def git(name: str, options: GlobalOptions, **flags: Any) -> None:
    """Create or update a GitRepository source.

    \b
    Examples:
      reflow create source git podinfo --url=https://github.com/stefanprodan/podinfo --branch=master
      reflow create source git podinfo --url=https://github.com/stefanprodan/podinfo --tag-semver=">=6.0.0" --export
    """
    ref = {
        key: flags[flag]
        for key, flag in (
            ("branch", "branch"),
            ("commit", "commit"),
            ("name", "ref_name"),
            ("semver", "tag_semver"),
            ("tag", "tag"),
        )
        if flags[flag]
    }
    if not ref:
        fail("a Git reference is required", "use one of --branch, --tag, --tag-semver, --ref-name or --commit", code=2)
    try:
        scheme = validate_url(flags["url"])
    except GitSecretError as error:
        fail(str(error), code=2)
    credentials = GitCredentials(
        username=flags["username"],
        password=flags["password"],
        private_key_file=flags["private_key_file"],
        ca_file=flags["ca_file"],
        ssh_key_algorithm=flags["ssh_key_algorithm"],
        ssh_rsa_bits=flags["ssh_rsa_bits"],
        ssh_ecdsa_curve=flags["ssh_ecdsa_curve"],
    )
    if credentials.given and flags["secret_ref"]:
        fail("--secret-ref names an existing Secret; it cannot be combined with credential flags", code=2)
    labels = parse_labels(flags["labels"])
    objects: list[Manifest] = []
    secret_name = flags["secret_ref"]
    if credentials.given or (scheme == "ssh" and not secret_name):
        secret_name = name
        data = _credentials_data(flags["url"], scheme, credentials, flags["silent"])
        objects.append(secret(name, options.namespace, data, labels))
    objects.append(
        git_repository(
            name,
            options.namespace,
            url=flags["url"],
            ref=ref,
            interval=flags["interval"],
            labels=labels,
            secret_ref=secret_name,
            ignore_paths=split_list(flags["ignore_paths"]),
            recurse_submodules=flags["recurse_submodules"],
            sparse_checkout=split_list(flags["sparse_checkout_paths"]),
            fetch_timeout=flags["fetch_timeout"],
            provider=flags["provider"],
        )
    )
    if flags["export"]:
        out.out(to_yaml(objects), end="", highlight=False)
        return
    step("generating GitRepository source")
    _finish(run(_apply(options, objects)), "fetched")


@source.command("helm")
@click.argument("name")
@click.option("--url", required=True, help="Repository address: http(s)://host/path, or oci://registry/path.")
@click.option("--secret-ref", help="Name of an existing Secret with `username` and `password`.")
@click.option("--pass-credentials", is_flag=True, help="Send the credentials to chart hosts other than the URL's.")
@_common
@global_options
def helm(name: str, options: GlobalOptions, **flags: Any) -> None:
    """Create or update a HelmRepository source.

    \b
    Examples:
      reflow create source helm podinfo --url=https://stefanprodan.github.io/podinfo
      reflow create source helm podinfo --url=oci://ghcr.io/stefanprodan/charts/podinfo --secret-ref=creds --export
    """
    scheme = flags["url"].partition("://")[0] if "://" in flags["url"] else ""
    if scheme not in ("http", "https", "oci"):
        fail(f"url scheme '{scheme}' not supported, can be: http, https and oci", code=2)
    manifest = helm_repository(
        name,
        options.namespace,
        url=flags["url"],
        interval=flags["interval"],
        labels=parse_labels(flags["labels"]),
        secret_ref=flags["secret_ref"],
        pass_credentials=flags["pass_credentials"],
    )
    if flags["export"]:
        out.out(to_yaml([manifest]), end="", highlight=False)
        return
    step("generating HelmRepository source")
    obj = run(_apply(options, [manifest]))
    if scheme == "oci":
        status, message = ready(obj)
        if status != "True":
            fail(f"HelmRepository reconciliation failed: {message}", "`reflow events --for` shows what happened")
        success("HelmRepository reconciliation completed")
        return
    _finish(obj, "fetched")


def _credentials_data(url: str, scheme: str, credentials: GitCredentials, silent: bool) -> dict[str, str]:
    try:
        if scheme != "ssh":
            return http_data(credentials)
        data, key = asyncio.run(ssh_data(url, credentials))
    except GitSecretError as error:
        fail(str(error), code=1)
    if not credentials.private_key_file:
        err.print("deploy key:")
        out.out(key.public, highlight=False)
        if not silent and not click.confirm("Have you added the deploy key to your repository?", err=True):
            fail("aborted: add the deploy key to the repository first", code=1)
    return data


def _layer_selector(text: str | None) -> dict[str, str] | None:
    """`--layer-selector <media-type>:<operation>` as `spec.layerSelector`."""
    if not text:
        return None
    media_type, colon, operation = text.partition(":")
    if not colon or not media_type or not operation:
        fail(f"invalid --layer-selector \"{text}\": must be in the format '<media-type>:<operation>'", code=2)
    if operation not in ("extract", "copy"):
        fail(f'invalid --layer-selector "{text}": operation must be "extract" or "copy"', code=2)
    return {"mediaType": media_type, "operation": operation}


def _oci_verify(flags: dict[str, Any]) -> Manifest | None:
    """`spec.verify` from the `--verify-*` flags; a secret, issuer or subject needs a provider."""
    issuer, subject = flags["verify_issuer"] or "", flags["verify_subject"] or ""
    if not flags["verify_provider"]:
        if flags["verify_secret_ref"]:
            fail("a verification provider must be specified when a secret is specified", code=2)
        if issuer or subject:
            fail("a verification provider must be specified when OIDC issuer/subject is specified", code=2)
        return None
    verify: Manifest = {"provider": flags["verify_provider"]}
    if flags["verify_secret_ref"]:
        verify["secretRef"] = {"name": flags["verify_secret_ref"]}
    if issuer or subject:
        verify["matchOIDCIdentity"] = [{"issuer": issuer, "subject": subject}]
    return verify


@source.command("oci")
@click.argument("name")
@click.option("--url", help="The OCI repository address: oci://registry/path.")
@click.option("--tag", help="The artifact tag.")
@click.option("--tag-semver", help="SemVer range; the newest matching tag is pulled.")
@click.option("--digest", help="The artifact digest (sha256:…).")
@click.option("--secret-ref", help="Name of an image pull Secret (type kubernetes.io/dockerconfigjson).")
@click.option("--proxy-secret-ref", help="Name of an existing Secret with the proxy address and credentials.")
@click.option("--service-account", help="ServiceAccount whose imagePullSecrets authenticate.")
@click.option("--cert-ref", help="Name of a Secret with TLS certificates (ca.crt, tls.crt, tls.key).")
@click.option("--provider", type=click.Choice(["generic", "aws", "azure", "gcp"]), help="Authentication provider.")
@click.option("--insecure", is_flag=True, help="Plain HTTP to a registry without TLS.")
@click.option("--layer-selector", help="The layer to use: '<media-type>:<operation>' (extract or copy).")
@click.option("--ignore-paths", multiple=True, help="Paths to leave out, .sourceignore syntax (comma-separated).")
@click.option("--verify-provider", type=click.Choice(["cosign", "notation"]), help="Signature verification provider.")
@click.option("--verify-secret-ref", help="Name of a Secret with the keys that verify signatures.")
@click.option("--verify-subject", help="Regular expression for the OIDC subject of keyless signatures.")
@click.option("--verify-issuer", help="Regular expression for the OIDC issuer of keyless signatures.")
@click.option("--fetch-timeout", type=Duration(), help="Time limit for one fetch (spec.timeout).")
@_common
@global_options
def oci_source(name: str, options: GlobalOptions, **flags: Any) -> None:
    """Create or update an OCIRepository source.

    \b
    Examples:
      reflow create source oci podinfo --url=oci://ghcr.io/stefanprodan/manifests/podinfo --tag=6.3.5 --interval=10m
      reflow create source oci podinfo --url=oci://ghcr.io/stefanprodan/manifests/podinfo --tag-semver=">=6.0.0" \\
        --secret-ref=pull-secret --export
    """
    if not flags["url"]:
        fail("url is required", code=2)
    ref = {key: flags[flag] for key, flag in (("digest", "digest"), ("semver", "tag_semver"), ("tag", "tag"))}
    if not any(ref.values()):
        fail("--tag, --tag-semver or --digest is required", code=2)
    manifest = oci_repository(
        name,
        options.namespace,
        url=flags["url"],
        ref={key: value for key, value in ref.items() if value},
        interval=flags["interval"],
        labels=parse_labels(flags["labels"]),
        provider=flags["provider"],
        secret_ref=flags["secret_ref"],
        proxy_secret_ref=flags["proxy_secret_ref"],
        service_account=flags["service_account"],
        cert_ref=flags["cert_ref"],
        insecure=flags["insecure"],
        layer_selector=_layer_selector(flags["layer_selector"]),
        ignore_paths=split_list(flags["ignore_paths"]),
        fetch_timeout=flags["fetch_timeout"],
        verify=_oci_verify(flags),
    )
    if flags["export"]:
        out.out(to_yaml([manifest]), end="", highlight=False)
        return
    step("generating OCIRepository source")
    _finish(run(_apply(options, [manifest])), "fetched")


@source.command("bucket")
@click.argument("name")
@click.option("--bucket-name", required=True, help="Name of the bucket.")
@click.option("--endpoint", required=True, help="Address of the S3 API, host[:port].")
@click.option("--provider", type=click.Choice(["generic", "aws", "gcp", "azure"]), default="generic", show_default=True)
@click.option("--region", help="Region of the bucket.")
@click.option("--insecure", is_flag=True, help="Plain HTTP to the endpoint, for a non-TLS S3 server.")
@click.option("--secret-ref", help="Name of an existing Secret with the keys 'accesskey' and 'secretkey'.")
@click.option("--proxy-secret-ref", help="Name of an existing Secret with the proxy address and credentials.")
@click.option("--ignore-paths", multiple=True, help="Paths to leave out, .sourceignore syntax (comma-separated).")
@click.option("--fetch-timeout", type=Duration(), help="Time limit for one fetch (spec.timeout).")
@_common
@global_options
def bucket_source(name: str, options: GlobalOptions, **flags: Any) -> None:
    """Create or update a Bucket source.

    The keys are read from the Secret named by --secret-ref; they are never taken as flags.

    \b
    Examples:
      reflow create source bucket podinfo --bucket-name=podinfo --endpoint=minio.minio.svc.cluster.local:9000 \\
        --insecure --secret-ref=minio-keys --interval=10m
      reflow create source bucket podinfo --bucket-name=podinfo --provider=aws --endpoint=s3.amazonaws.com \\
        --region=us-east-1 --secret-ref=aws-keys --export
    """
    manifest = bucket(
        name,
        options.namespace,
        bucket_name=flags["bucket_name"],
        endpoint=flags["endpoint"],
        interval=flags["interval"],
        provider=flags["provider"],
        region=flags["region"],
        insecure=flags["insecure"],
        labels=parse_labels(flags["labels"]),
        secret_ref=flags["secret_ref"],
        proxy_secret_ref=flags["proxy_secret_ref"],
        ignore_paths=split_list(flags["ignore_paths"]),
        fetch_timeout=flags["fetch_timeout"],
    )
    if flags["export"]:
        out.out(to_yaml([manifest]), end="", highlight=False)
        return
    step("generating Bucket source")
    _finish(run(_apply(options, [manifest])), "fetched")


@secret_group.command("git")
@click.argument("name")
@click.option("--url", required=True, help="The Git repository address the Secret is for (http(s):// or ssh://).")
@click.option("-u", "--username", help="Basic authentication username.")
@click.option("-p", "--password", help="Basic authentication password (or SSH key passphrase).")
@click.option("--bearer-token", help="Bearer token for HTTPS authentication.")
@click.option("--private-key-file", type=click.Path(dir_okay=False, path_type=Path), help="SSH private key file.")
@click.option("--ca-file", type=click.Path(dir_okay=False, path_type=Path), help="CA certificate for HTTPS.")
@click.option("--ssh-key-algorithm", default="ecdsa", show_default=True, help="SSH key to generate: ecdsa|rsa|ed25519.")
@click.option("--ssh-rsa-bits", type=int, default=2048, show_default=True, help="RSA key size.")
@click.option("--ssh-ecdsa-curve", default="p384", show_default=True, help="ECDSA curve: p256|p384|p521.")
@click.option("--export", is_flag=True, help="Print the YAML instead of applying it.")
@click.option("--label", "labels", multiple=True, metavar="KEY=VALUE", help="Set a label (repeatable).")
@global_options
def secret_git(name: str, options: GlobalOptions, **flags: Any) -> None:
    """Create or update a Secret with Git credentials: basic auth, bearer token, CA, or an SSH key.

    \b
    For ssh:// URLs a key pair is generated unless --private-key-file is given, and the host keys are scanned.
    Examples:
      reflow create secret git podinfo-auth --url=https://github.com/stefanprodan/podinfo -u=git -p=token
      reflow create secret git podinfo-auth --url=ssh://git@github.com/stefanprodan/podinfo --export
    """
    credentials = GitCredentials(
        username=flags["username"],
        password=flags["password"],
        bearer_token=flags["bearer_token"],
        private_key_file=flags["private_key_file"],
        ca_file=flags["ca_file"],
        ssh_key_algorithm=flags["ssh_key_algorithm"],
        ssh_rsa_bits=flags["ssh_rsa_bits"],
        ssh_ecdsa_curve=flags["ssh_ecdsa_curve"],
    )
    try:
        scheme = validate_url(flags["url"])
    except GitSecretError as error:
        fail(str(error), code=2)
    if scheme != "ssh" and not credentials.given:
        fail("no credentials given", "pass -u/-p, --bearer-token or --ca-file", code=2)
    try:
        if scheme == "ssh":
            data, key = asyncio.run(ssh_data(flags["url"], credentials))
        else:
            data = http_data(credentials)
    except GitSecretError as error:
        fail(str(error))
    manifest = secret(name, options.namespace, data, parse_labels(flags["labels"]))
    if flags["export"]:
        out.out(to_yaml([manifest]), end="", highlight=False)
        return
    run(_apply_secret(options, manifest))
    success(f"git secret '{name}' created in '{options.namespace}' namespace")
    if scheme == "ssh" and not credentials.private_key_file:
        err.print("deploy key:")
        out.out(key.public, highlight=False)


async def _apply_secret(options: GlobalOptions, manifest: Manifest) -> None:
    async with connect(options.connection) as kube:
        await kube.apply(manifest, field_manager=FIELD_MANAGER, force=True)


@create.command("kustomization")
@click.argument("name")
@click.option("--source", "source_text", required=True, help="The source: [<kind>/]<name>[.<namespace>].")
@click.option("--path", default="./", show_default=True, help="Directory in the source with the manifests.")
@bool_flag("--prune", help="Delete objects that are no longer in the source (--prune or --prune=true|false).")
@bool_flag("--wait", help="Wait for every applied object to become ready (--wait or --wait=true|false).")
@click.option("--health-check", multiple=True, help="Object to wait for: Kind/name[.namespace] (repeatable).")
@click.option("--health-check-timeout", type=Duration(), help="Time limit for apply and health checks.")
@click.option(
    "--depends-on",
    multiple=True,
    help="What must be ready first: a Kustomization ([namespace/]name) or any object "
    "(apiVersion/Kind/[namespace/]name[:true|false][@readyExpr]).",
)
@click.option("--service-account", help="ServiceAccount to impersonate when applying.")
@click.option("--target-namespace", help="Namespace for every namespaced object.")
@click.option("--decryption-provider", type=click.Choice(["sops"]), help="Decrypt SOPS-encrypted manifests.")
@click.option("--decryption-secret", help="Secret with the decryption keys.")
@click.option("--retry-interval", type=Duration(), help="Wait after a failure (default: the interval).")
@click.option("--kubeconfig-secret-ref", help="Secret with the kubeconfig of a remote cluster.")
@_common
@global_options
def create_kustomization(name: str, options: GlobalOptions, **flags: Any) -> None:
    """Create or update a Kustomization.

    \b
    Examples:
      reflow create kustomization podinfo --source=GitRepository/podinfo --path=./kustomize --prune --interval=10m
      reflow create kustomization mysql --source=apps --path=./apps --decryption-provider=sops --export
    """
    manifest = kustomization(
        name,
        options.namespace,
        source=parse_source(flags["source_text"]),
        path=safe_relative_path(flags["path"]),
        prune=flags["prune"],
        interval=flags["interval"],
        labels=parse_labels(flags["labels"]),
        wait=flags["wait"],
        health_checks=flags["health_check"],
        health_check_timeout=flags["health_check_timeout"],
        depends_on=flags["depends_on"],
        service_account=flags["service_account"],
        target_namespace=flags["target_namespace"],
        decryption_provider=flags["decryption_provider"],
        decryption_secret=flags["decryption_secret"],
        retry_interval=flags["retry_interval"],
        kubeconfig_secret_ref=flags["kubeconfig_secret_ref"],
    )
    if flags["export"]:
        out.out(to_yaml([manifest]), end="", highlight=False)
        return
    step("generating Kustomization")
    _finish(run(_apply(options, [manifest])), "applied")


create.add_alias("ks", "kustomization")
create.add_command(create_alert)
create.add_command(create_alert_provider)
create.add_command(create_receiver)


@create.command("helmrelease")
@click.argument("name")
@click.option("--source", help="Source of the chart template: <kind>/<name>[.<namespace>], kind HelmRepository, "
              "GitRepository or Bucket.")  # fmt: skip
@click.option("--chart", help="Chart name (HelmRepository) or path (GitRepository, Bucket).")
@click.option("--chart-version", help="Chart version, a SemVer range (HelmRepository sources only).")
@click.option("--chart-ref", help="An existing chart source: OCIRepository/<name> or HelmChart/<name>[.<namespace>].")
@click.option("--chart-interval", type=Duration(), help="How often the created HelmChart checks its source.")
@click.option("--reconcile-strategy", type=click.Choice(["ChartVersion", "Revision"]), default="ChartVersion",
              show_default=True, help="When the created HelmChart makes a new artifact.")  # fmt: skip
@click.option("--release-name", help="Helm release name; [<target-namespace>-]<name> when empty.")
@click.option("--depends-on", multiple=True, help="HelmRelease that must be ready first: [namespace/]name.")
@click.option("--target-namespace", help="Namespace to install the release into.")
@click.option("--storage-namespace", help="Namespace of the Helm storage.")
@click.option("--create-target-namespace", is_flag=True, help="Create the target namespace if it does not exist.")
@click.option("--service-account", help="ServiceAccount to impersonate.")
@click.option("--crds", type=click.Choice(["Skip", "Create", "CreateReplace"]), help="CRDs policy on upgrade.")
@click.option("--values", multiple=True, help="Local values files, merged in order into spec.values.")
@click.option("--values-from", multiple=True, help="Secret/<name> or ConfigMap/<name> with a values.yaml key.")
@click.option("--kubeconfig-secret-ref", help="Secret with the kubeconfig of a remote cluster.")
@_common
@global_options
def create_helmrelease(name: str, options: GlobalOptions, **flags: Any) -> None:
    """Create or update a HelmRelease.

    \b
    Examples:
      reflow create hr podinfo --source=HelmRepository/podinfo --chart=podinfo --chart-version=">4.0.0"
      reflow create hr podinfo --chart-ref=OCIRepository/podinfo --values=./values.yaml --export
    """
    manifest = helm_release(name, options.namespace, flags, parse_labels(flags["labels"]))
    if flags["export"]:
        out.out(to_yaml([manifest]), end="", highlight=False)
        return
    step("generating HelmRelease")
    _finish(run(_apply(options, [manifest])), "applied")


create.add_alias("hr", "helmrelease")
