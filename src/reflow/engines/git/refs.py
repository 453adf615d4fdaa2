"""Which commit a GitRepository's `spec.ref` selects among the remote's refs, and its revision string.

Precedence is Flux's: commit > name > semver > tag > branch, and branch `master` when nothing is set.
Revisions follow RFC-0005: `<branch>@sha1:<hex>`, `<tag>@sha1:<hex>`, `<full ref name>@sha1:<hex>`, and
`sha1:<hex>` for a commit without a branch (`sha256:` for SHA-256 repositories).
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime
from enum import StrEnum

from reflow.api.source import GitRepositoryRef
from reflow.engines.git.errors import InvalidRef, RefNotFound
from reflow.engines.semver import InvalidConstraint, NoMatchingVersion, latest_git_tag

DEFAULT_BRANCH = "master"
HEADS = "refs/heads/"
TAGS = "refs/tags/"
PEELED = "^{}"
_COMMIT = re.compile(r"^(?:[0-9a-f]{40}|[0-9a-f]{64})$")
_EPOCH = datetime(1970, 1, 1, tzinfo=UTC)


class RefKind(StrEnum):
    """Which field of `spec.ref` decided the checkout."""

    COMMIT = "commit"
    NAME = "name"
    SEMVER = "semver"
    TAG = "tag"
    BRANCH = "branch"


@dataclass(frozen=True, slots=True)
class RemoteRefs:
    """What `git ls-remote` reported: each ref's object id, annotated tags peeled to their commit."""

    objects: Mapping[str, str] = field(default_factory=dict)  # ref name -> object id (tag object for annotated)
    peeled: Mapping[str, str] = field(default_factory=dict)  # annotated tag ref -> commit id
    head: str | None = None  # the ref HEAD points to, when the remote said

    def commit(self, name: str) -> str | None:
        """The commit `name` points to, through an annotated tag; `None` when the remote lacks it."""
        return self.peeled.get(name) or self.objects.get(name)

    def tags(self) -> tuple[str, ...]:
        return tuple(name.removeprefix(TAGS) for name in self.objects if name.startswith(TAGS))


@dataclass(frozen=True, slots=True, kw_only=True)
class ResolvedRef:
    """The commit to check out, the ref that led to it, and the artifact revision."""

    kind: RefKind
    commit: str
    ref_name: str | None  # full ref to fetch, e.g. `refs/tags/v1.0.0`; None for a bare commit
    revision: str

    @property
    def tag(self) -> str | None:
        """The tag name when the ref is a tag (so a tag signature can be checked)."""
        return self.ref_name.removeprefix(TAGS) if self.ref_name and self.ref_name.startswith(TAGS) else None


def parse_ls_remote(output: str) -> RemoteRefs:
    """Parse `git ls-remote --symref` output (`<oid>\\t<ref>`, `ref: <target>\\tHEAD`, peeled `<ref>^{}`)."""
    objects: dict[str, str] = {}
    peeled: dict[str, str] = {}
    head: str | None = None
    for line in output.splitlines():
        left, _, name = line.partition("\t")
        if left.startswith("ref: "):
            if name == "HEAD":
                head = left.removeprefix("ref: ")
            continue
        if not name:
            continue
        if name.endswith(PEELED):
            peeled[name.removesuffix(PEELED)] = left
        else:
            objects[name] = left
    return RemoteRefs(objects=objects, peeled=peeled, head=head)


def hash_algorithm(commit: str) -> str:
    return "sha256" if len(commit) == 64 else "sha1"


def format_revision(pointer: str | None, commit: str) -> str:
    """`<pointer>@<algo>:<hex>`, or `<algo>:<hex>` without a pointer."""
    digest = f"{hash_algorithm(commit)}:{commit}"
    return f"{pointer}@{digest}" if pointer else digest


def ref_kind(ref: GitRepositoryRef | None) -> RefKind:
    """The field that wins under Flux's precedence."""
    if ref is None:
        return RefKind.BRANCH
    for kind, value in (
        (RefKind.COMMIT, ref.commit),
        (RefKind.NAME, ref.name),
        (RefKind.SEMVER, ref.semver),
        (RefKind.TAG, ref.tag),
    ):
        if value:
            return kind
    return RefKind.BRANCH


def ref_patterns(ref: GitRepositoryRef | None) -> tuple[str, ...] | None:
    """The `ls-remote` patterns that cover this ref; `None` when no listing is needed (a commit).

    A named ref is asked for together with its peeled form, so an annotated tag comes with its commit.
    """
    kind = ref_kind(ref)
    if kind is RefKind.COMMIT:
        return None
    if kind is RefKind.SEMVER:
        return (f"{TAGS}*",)
    if ref is not None and kind is RefKind.NAME and ref.name:
        name = ref.name
    elif ref is not None and kind is RefKind.TAG and ref.tag:
        name = f"{TAGS}{ref.tag}"
    else:
        name = f"{HEADS}{(ref.branch if ref else None) or DEFAULT_BRANCH}"
    return (name, f"{name}{PEELED}")


def _found(refs: RemoteRefs, name: str, what: str) -> str:
    commit = refs.commit(name)
    if commit is None:
        raise RefNotFound(f"{what} not found in the remote")
    return commit


def resolve_ref(
    ref: GitRepositoryRef | None, refs: RemoteRefs, *, tag_times: Mapping[str, datetime] | None = None
) -> ResolvedRef:
    """Pick the commit `ref` selects from the remote's `refs`.

    For `semver`, `tag_times` maps tag names to their commits' committer time and breaks ties between
    versions that differ only in build metadata (newest wins); without it the lexically greatest tag wins.
    """
    spec = ref or GitRepositoryRef()
    if spec.commit:
        commit = spec.commit.lower()
        if not _COMMIT.match(commit):
            raise InvalidRef(f"commit '{spec.commit}' is not a full SHA-1 or SHA-256 hash")
        branch_ref = f"{HEADS}{spec.branch}" if spec.branch else None
        return ResolvedRef(
            kind=RefKind.COMMIT, commit=commit, ref_name=branch_ref, revision=format_revision(spec.branch, commit)
        )
    if spec.name:
        commit = _found(refs, spec.name, f"reference '{spec.name}'")
        return ResolvedRef(
            kind=RefKind.NAME, commit=commit, ref_name=spec.name, revision=format_revision(spec.name, commit)
        )
    if spec.semver:
        times = tag_times or {}
        try:
            match = latest_git_tag({tag: times.get(tag, _EPOCH) for tag in refs.tags()}, spec.semver)
        except InvalidConstraint as error:
            raise InvalidRef(f"semver parse error: {error}") from error
        except NoMatchingVersion as error:
            raise RefNotFound(str(error)) from error
        name = f"{TAGS}{match.tag}"
        commit = _found(refs, name, f"tag '{match.tag}'")
        return ResolvedRef(
            kind=RefKind.SEMVER, commit=commit, ref_name=name, revision=format_revision(match.tag, commit)
        )
    if spec.tag:
        name = f"{TAGS}{spec.tag}"
        commit = _found(refs, name, f"tag '{spec.tag}'")
        return ResolvedRef(kind=RefKind.TAG, commit=commit, ref_name=name, revision=format_revision(spec.tag, commit))
    branch = spec.branch or DEFAULT_BRANCH
    name = f"{HEADS}{branch}"
    commit = _found(refs, name, f"branch '{branch}'")
    return ResolvedRef(kind=RefKind.BRANCH, commit=commit, ref_name=name, revision=format_revision(branch, commit))
