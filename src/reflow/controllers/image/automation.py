"""The ImageUpdateAutomation reconciler: check out the GitRepository, apply the policies' setters, commit, push.

A run costs one ref lookup when nothing can have changed (the same remote revision, the same latest
images and the same spec as last time); otherwise it checks the ref out, rewrites the marked fields under `update.path`,
and when a file changed commits with the rendered message (signed when asked) and pushes to the push
branch (and refspec) in one atomic push. No change, no commit.
"""

from __future__ import annotations

import asyncio
import shutil
import tempfile
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from reflow.api.conditions import ACCESS_DENIED, GIT_OPERATION_FAILED
from reflow.api.image import (
    INVALID_POLICY_SELECTOR,
    INVALID_SOURCE_CONFIGURATION,
    REMOVED_TEMPLATE_FIELD,
    SOURCE_MANAGER_FAILED,
    UPDATE_FAILED,
    GitSpec,
    ImageUpdateAutomation,
)
from reflow.api.meta import Manifest, ObjectRef
from reflow.api.source import GitRepository, GitRepositoryRef
from reflow.api.wire import render
from reflow.controllers.image.policies import InvalidSelector, latest_images, observed
from reflow.controllers.image.pullrequest import PullRequestPlan, open_pull_request, plan_pull_request
from reflow.controllers.source.gitaccess import git_secret, repository_credentials, repository_proxy
from reflow.engines.git import (
    Credentials,
    GitError,
    Proxy,
    RefNotFound,
    ResolvedRef,
    TokenCache,
    check_url,
    checkout,
    resolve_remote,
)
from reflow.engines.git.push import Author, Pushed, commit_and_push
from reflow.engines.git.signing import SigningKey, signing_key_from_secret
from reflow.engines.image.files import UnsafePath, read_marked, update_root, write_updates
from reflow.engines.image.message import (
    AutomationObject,
    InvalidMessageTemplate,
    RemovedTemplateField,
    TemplateData,
    commit_message,
)
from reflow.engines.image.setters import SetterResult, apply_setters, setter_values
from reflow.kube.client import Kube
from reflow.kube.errors import NotFound
from reflow.runtime.conditions import now_rfc3339
from reflow.runtime.errors import ReconcileError, StalledError
from reflow.runtime.reconciler import Progress, Reconciler, parse_kind
from reflow.runtime.result import Result

READY = "repository up-to-date"
Lookup = Callable[[str, str], Manifest | None]
Policies = Callable[[], list[Manifest]]


@dataclass(frozen=True, slots=True)
class PushTarget:
    """Where commits go, and whether that differs from the checked-out branch (Flux's "switch branch")."""

    branch: str
    switch: bool


def push_target(git: GitSpec, checkout_ref: GitRepositoryRef | None) -> PushTarget:
    """`push.branch`, else the checkout branch; without either the automation cannot push (Flux's rule)."""
    if git.push is not None and git.push.branch:
        checkout_branch = checkout_ref.branch if checkout_ref is not None else "master"
        return PushTarget(git.push.branch, git.push.branch != checkout_branch)
    if checkout_ref is None or not checkout_ref.branch:
        raise ValueError(
            "push spec not provided, and cannot be inferred from .spec.git.checkout.ref or GitRepository .spec.ref"
        )
    return PushTarget(checkout_ref.branch, False)


def summary(pushed: Pushed, message: str) -> str:
    """Flux's event text for a push: short commit, branch, refspecs, then the commit message."""
    text = f"pushed commit '{pushed.commit[:7]}' to branch '{pushed.branch}'"
    if pushed.refspecs:
        text += " and refspecs '" + "', '".join(pushed.refspecs) + "'"
    return f"{text}\n{message}" if message else text


def skipped(result: SetterResult, undecodable: dict[str, str]) -> str:
    """What the Ready message adds about files left untouched and markers naming no policy."""
    notes = [f"{path} (does not parse: {why})" for path, why in sorted({**result.unparsable, **undecodable}.items())]
    notes += [f"{marker} (no such policy with a latest image)" for marker in result.unresolved]
    return f"; skipped {len(notes)}: " + ", ".join(notes) if notes else ""


@dataclass(frozen=True, slots=True, kw_only=True)
class _Remote:
    repository: GitRepository
    url: str
    credentials: Credentials | None
    proxy: Proxy | None


class ImageUpdateAutomationReconciler(Reconciler[ImageUpdateAutomation]):
    """Commits the latest images of the selected ImagePolicies into the GitRepository and pushes them."""

    api_version = ImageUpdateAutomation.KIND.api_version
    kind = "ImageUpdateAutomation"
    finalizer = None

    def __init__(
        self,
        kube: Kube,
        *,
        repositories: Lookup,
        policies: Policies,
        tokens: TokenCache | None = None,
        no_cross_namespace_refs: bool = False,
    ) -> None:
        self.kube = kube
        self.repositories = repositories
        self.policies = policies
        self.tokens = tokens or TokenCache()
        self.no_cross_namespace_refs = no_cross_namespace_refs

    def parse(self, obj: Manifest) -> ImageUpdateAutomation:
        return parse_kind(ImageUpdateAutomation, obj)

    def interval(self, auto: ImageUpdateAutomation) -> float:
        return auto.spec.interval

    async def reconcile(self, auto: ImageUpdateAutomation, progress: Progress) -> Result:
        started = now_rfc3339()
        spec, namespace = auto.spec, auto.metadata.namespace or ""
        git = spec.git
        if git is None:
            raise StalledError("source kind 'GitRepository' necessitates field .spec.git",
                               reason=INVALID_SOURCE_CONFIGURATION)  # fmt: skip
        try:
            images = latest_images(self.policies(), namespace, spec.policy_selector)
        except InvalidSelector as error:
            raise StalledError(str(error), reason=INVALID_POLICY_SELECTOR) from error
        remote = await self._remote(auto)
        checkout_ref = git.checkout.ref if git.checkout is not None else remote.repository.spec.ref
        try:
            target = push_target(git, checkout_ref)
        except ValueError as error:
            raise StalledError(str(error), reason=INVALID_SOURCE_CONFIGURATION) from error
        plan = await self._plan(auto, git, remote, target, checkout_ref)
        resolved = await self._resolve(remote, checkout_ref)
        status = auto.status
        policies = observed(images)
        refspec = git.push.refspec if git.push is not None else None
        if not (target.switch or refspec) and (
            resolved.revision == status.observed_source_revision
            and policies == {name: render(ref) for name, ref in status.observed_policies.items()}
            and auto.metadata.generation == status.observed_generation
        ):
            return Result(ready=READY, status={"lastAutomationRunTime": started})
        branch_head = await self._push_branch_head(remote, target.branch) if target.switch else None
        work = branch_head or resolved  # updates go on top of an existing push branch, as in Flux
        await progress(f"updating images at revision '{work.revision}'")
        workdir = Path(await asyncio.to_thread(tempfile.mkdtemp, prefix="reflow-automation-"))
        try:
            tree = await self._checkout(remote, work, workdir / "tree")
            try:
                root = update_root(tree, spec.update.path)
            except UnsafePath as error:
                raise ReconcileError(f"failed to apply policies: {error}", reason=UPDATE_FAILED) from error
            texts, undecodable = await asyncio.to_thread(read_marked, root)
            setters = setter_values({(namespace, name): ref for name, ref in images.items()})
            result = apply_setters(texts, setters)
            notes = skipped(result, undecodable)
            base = {"lastAutomationRunTime": started, "observedPolicies": policies}
            if not result.files:
                note = await self._open(plan, target.branch, "", remote) if plan and branch_head else None
                return Result(ready=READY + notes, status={**base, "observedSourceRevision": resolved.revision},
                              event=note)  # fmt: skip
            await asyncio.to_thread(write_updates, root, result.files)
            message = self._message(auto, result)
            signing_key = await self._signing_key(auto, git)
            prefix = root.relative_to(tree)
            files = [(prefix / update.path).as_posix() for update in result.files]
            pushed = await self._push(auto, remote, tree, files, message, target.branch, refspec, signing_key)
            note = await self._open(plan, target.branch, message, remote) if plan else None
        finally:
            await asyncio.to_thread(shutil.rmtree, workdir, True)
        revision = resolved.revision if target.switch else f"{target.branch}@sha1:{pushed.commit}"
        return Result(
            ready=READY + notes,
            status={
                **base,
                "observedSourceRevision": revision,
                "lastPushCommit": pushed.commit,
                "lastPushTime": now_rfc3339(),
            },
            event=summary(pushed, message) + (f"\n{note}" if note else ""),
            event_metadata={"revision": f"{target.branch}@sha1:{pushed.commit}"},
        )

    async def _plan(
        self,
        auto: ImageUpdateAutomation,
        git: GitSpec,
        remote: _Remote,
        target: PushTarget,
        checkout_ref: GitRepositoryRef | None,
    ) -> PullRequestPlan | None:
        spec = git.push.pull_request if git.push is not None else None
        if spec is None:
            return None
        ca = remote.credentials.ca_cert if remote.credentials else None
        return await plan_pull_request(self.kube, auto, spec, head=target.branch, checkout_ref=checkout_ref,
                                       git_url=remote.url, ca=ca)  # fmt: skip

    @staticmethod
    async def _open(plan: PullRequestPlan, head: str, message: str, remote: _Remote) -> str:
        return await open_pull_request(plan, head=head, message=message, timeout=remote.repository.spec.timeout)

    async def _remote(self, auto: ImageUpdateAutomation) -> _Remote:
        namespace = auto.metadata.namespace or ""
        ref = auto.spec.source_ref
        source_namespace = ref.namespace or namespace
        where = f"GitRepository/{source_namespace}/{ref.name}"
        if source_namespace != namespace and self.no_cross_namespace_refs:
            raise StalledError(f"can't access '{where}', cross-namespace references have been blocked",
                               reason=ACCESS_DENIED)  # fmt: skip
        manifest = self.repositories(source_namespace, ref.name)
        if manifest is None:
            try:
                manifest = await self.kube.get(ObjectRef(GitRepository.KIND.api_version, "GitRepository", ref.name,
                                                         source_namespace))  # fmt: skip
            except NotFound as error:
                raise ReconcileError(f"failed configuring source manager: referenced git repository '{where}'"
                                     " does not exist", reason=SOURCE_MANAGER_FAILED) from error  # fmt: skip
        repository = parse_kind(GitRepository, manifest)
        try:
            url = check_url(repository.spec.url)
            proxy = await repository_proxy(self.kube, repository)
            credentials = await repository_credentials(self.kube, repository, self.tokens, proxy)
        except GitError as error:
            raise ReconcileError(f"failed configuring source manager: {error}", reason=SOURCE_MANAGER_FAILED) from error
        return _Remote(repository=repository, url=url, credentials=credentials, proxy=proxy)

    async def _resolve(self, remote: _Remote, ref: GitRepositoryRef | None) -> ResolvedRef:
        try:
            return await resolve_remote(remote.url, ref, remote.credentials, proxy=remote.proxy,
                                        timeout=remote.repository.spec.timeout)  # fmt: skip
        except GitError as error:
            raise ReconcileError(f"failed to checkout source: {error}", reason=GIT_OPERATION_FAILED) from error

    async def _push_branch_head(self, remote: _Remote, branch: str) -> ResolvedRef | None:
        """The push branch's head when it already exists on the remote: updates go on top of it, as in Flux."""
        try:
            return await self._resolve(remote, GitRepositoryRef(branch=branch))
        except ReconcileError as error:
            if isinstance(error.__cause__, RefNotFound):
                return None
            raise

    async def _checkout(self, remote: _Remote, resolved: ResolvedRef, destination: Path) -> Path:
        try:
            done = await checkout(remote.url, resolved, destination, remote.credentials, proxy=remote.proxy,
                                  timeout=remote.repository.spec.timeout)  # fmt: skip
        except GitError as error:
            raise ReconcileError(f"failed to checkout source: {error}", reason=GIT_OPERATION_FAILED) from error
        return done.path

    @staticmethod
    def _message(auto: ImageUpdateAutomation, result: SetterResult) -> str:
        commit = auto.spec.git.commit if auto.spec.git else None
        data = TemplateData(
            AutomationObject(auto.metadata.namespace or "", auto.metadata.name),
            result,
            dict(commit.message_template_values) if commit else {},
        )
        try:
            return commit_message(commit.message_template if commit else None, data)
        except RemovedTemplateField as error:
            raise StalledError(str(error), reason=REMOVED_TEMPLATE_FIELD) from error
        except InvalidMessageTemplate as error:
            raise StalledError(f"failed to update source: {error}", reason=GIT_OPERATION_FAILED) from error

    async def _signing_key(self, auto: ImageUpdateAutomation, git: GitSpec) -> SigningKey | None:
        signing = git.commit.signing_key
        if signing is None:
            return None
        name = signing.secret_ref.name
        try:
            data = await git_secret(self.kube, auto.metadata.namespace, name, "signing key")
            return signing_key_from_secret(data, signing.type, name)
        except GitError as error:
            raise ReconcileError(f"failed to update source: {error}", reason=GIT_OPERATION_FAILED) from error

    async def _push(
        self,
        auto: ImageUpdateAutomation,
        remote: _Remote,
        tree: Path,
        files: list[str],
        message: str,
        branch: str,
        refspec: str | None,
        signing_key: SigningKey | None,
    ) -> Pushed:
        assert auto.spec.git is not None
        author = auto.spec.git.commit.author
        options = dict(auto.spec.git.push.options) if auto.spec.git.push is not None else {}
        try:
            return await commit_and_push(
                tree, remote.url, remote.credentials,
                files=files, message=message, author=Author(name=author.name or "", email=author.email),
                branch=branch, refspec=refspec, options=options, signing_key=signing_key,
                proxy=remote.proxy, timeout=remote.repository.spec.timeout,
            )  # fmt: skip
        except GitError as error:
            raise ReconcileError(f"failed to update source: {error}", reason=GIT_OPERATION_FAILED) from error
