"""The inputs of one build: the Kustomization fields that shape the manifests, the owner and the variables."""

from __future__ import annotations

import hashlib
import json
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field

from reflow.api.kustomize import Image, KustomizationSpec, Patch, PostBuild
from reflow.api.meta import CommonMetadata
from reflow.engines.envsubst import check_names, merge_variables


@dataclass(frozen=True, slots=True, kw_only=True)
class BuildSpec:
    """The fields of a Kustomization's spec that change what kustomize produces (see `of`)."""

    path: str = "."
    target_namespace: str | None = None
    name_prefix: str | None = None
    name_suffix: str | None = None
    patches: tuple[Patch, ...] = ()
    images: tuple[Image, ...] = ()
    components: tuple[str, ...] = ()
    ignore_missing_components: bool = False
    build_metadata: tuple[str, ...] = ()
    common_metadata: CommonMetadata | None = None

    @classmethod
    def of(cls, spec: KustomizationSpec) -> BuildSpec:
        """The build fields of a Kustomization's spec; an empty path means the artifact root."""
        return cls(
            path=spec.path or ".",
            target_namespace=spec.target_namespace,
            name_prefix=spec.name_prefix,
            name_suffix=spec.name_suffix,
            patches=spec.patches,
            images=spec.images,
            components=spec.components,
            ignore_missing_components=spec.ignore_missing_components,
            build_metadata=tuple(spec.build_metadata),
            common_metadata=spec.common_metadata,
        )


@dataclass(frozen=True, slots=True)
class Owner:
    """The Kustomization the objects belong to; its name and namespace become the owner labels."""

    name: str
    namespace: str


@dataclass(frozen=True, slots=True, kw_only=True)
class Substitution:
    """postBuild variables in force, already merged; the values never leave this record except hashed.

    `always` is the `Always` strategy (substitute even with no variables, for `${x:=default}`);
    `strict` makes an unset variable without a default an error, as kustomize-controller does by default.
    """

    variables: Mapping[str, str] = field(default_factory=dict, repr=False)
    always: bool = False
    strict: bool = True

    @classmethod
    def of(
        cls, post_build: PostBuild, sources: Sequence[Mapping[str, str]] = (), *, strict: bool = True
    ) -> Substitution:
        """Merge the `substituteFrom` data (in spec order) with the inline map, which wins; names are checked."""
        variables = merge_variables(sources, post_build.substitute)
        check_names(variables)
        return cls(variables=variables, always=post_build.substitute_strategy == "Always", strict=strict)

    @property
    def active(self) -> bool:
        """Whether substitution runs at all: some variable is set, or the strategy is `Always`."""
        return bool(self.variables) or self.always

    def fingerprint(self) -> str:
        """A sha256 of the variables and options, so a cache key depends on values without holding them."""
        data = json.dumps([sorted(self.variables.items()), self.always, self.strict], separators=(",", ":"))
        return hashlib.sha256(data.encode()).hexdigest()
