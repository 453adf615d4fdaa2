"""reflow's own `spec.git.push.pullRequest`: after the push, the push branch's changes wait in a pull request.

Everything that can be wrong in the spec or its Secret is checked before anything is committed, so a
misconfiguration never leaves a pushed branch without its pull request. A forge that refuses after the
push fails the run; the next run (the push branch then has the change, so nothing new is committed)
asks again.
"""

from __future__ import annotations

from dataclasses import dataclass

from reflow.api.conditions import GIT_OPERATION_FAILED
from reflow.api.image import INVALID_SOURCE_CONFIGURATION, ImageUpdateAutomation, PullRequestSpec
from reflow.api.source import GitRepositoryRef
from reflow.controllers.source.gitaccess import git_secret
from reflow.engines.forge.gitea import ForgeError, ForgeRepository, ensure_pull_request, forge_repository
from reflow.engines.git import GitError
from reflow.kube.client import Kube
from reflow.runtime.errors import ReconcileError, StalledError


@dataclass(frozen=True, slots=True, repr=False)
class PullRequestPlan:
    """Where to open the pull request, into which branch, with which token (never shown)."""

    repository: ForgeRepository
    base: str
    token: str
    ca: bytes | None


async def plan_pull_request(
    kube: Kube,
    auto: ImageUpdateAutomation,
    spec: PullRequestSpec,
    *,
    head: str,
    checkout_ref: GitRepositoryRef | None,
    git_url: str,
    ca: bytes | None,
) -> PullRequestPlan:
    """The checked plan; a spec that cannot work stalls, a missing Secret or token fails the run."""
    base = spec.target_branch or (checkout_ref.branch if checkout_ref is not None else None)
    if not base or base == head:
        raise StalledError(
            f"pullRequest needs spec.git.push.branch ('{head}') to differ from the branch it merges into"
            f" ('{base or 'none'}'); set push.branch or pullRequest.targetBranch",
            reason=INVALID_SOURCE_CONFIGURATION,
        )
    try:
        repository = forge_repository(git_url, spec.api_url)
    except ForgeError as error:
        raise StalledError(str(error), reason=INVALID_SOURCE_CONFIGURATION) from error
    name = spec.secret_ref.name
    try:
        data = await git_secret(kube, auto.metadata.namespace, name, "pull request")
    except GitError as error:
        raise ReconcileError(str(error), reason=GIT_OPERATION_FAILED) from error
    token = data.get("token", b"").decode().strip()
    if not token:
        raise ReconcileError(f"pull request secret '{auto.metadata.namespace}/{name}' has no 'token' key",
                             reason=GIT_OPERATION_FAILED)  # fmt: skip
    return PullRequestPlan(repository=repository, base=base, token=token, ca=ca)


async def open_pull_request(plan: PullRequestPlan, *, head: str, message: str, timeout: float) -> str:
    """Open (or find) the pull request from `head`; what the event says about it."""
    title, _, body = message.strip().partition("\n")
    try:
        pull = await ensure_pull_request(plan.repository, plan.token, head=head, base=plan.base,
                                         title=title or f"Update images on {head}", body=body.strip(),
                                         timeout=timeout, ca=plan.ca)  # fmt: skip
    except ForgeError as error:
        raise ReconcileError(f"failed to open the pull request from '{head}' into '{plan.base}': {error}",
                             reason=GIT_OPERATION_FAILED) from error  # fmt: skip
    verb = "opened" if pull.created else "updated"
    return f"{verb} pull request #{pull.number} into '{plan.base}' {pull.url}".rstrip()
