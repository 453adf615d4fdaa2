"""Flux's nouns on the command line: which kind each word names, its aliases, and how its state reads."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any

import click

from reflow.api.crds import kind_info
from reflow.api.helm import HelmRelease
from reflow.api.helmsource import HelmChart, HelmRepository
from reflow.api.image import ImagePolicy, ImageRepository, ImageUpdateAutomation
from reflow.api.kustomize import Kustomization
from reflow.api.notification import Alert, Provider, Receiver
from reflow.api.source import Bucket, ExternalArtifact, GitRepository, OCIRepository
from reflow.api.sourceext import ArtifactGenerator


@dataclass(frozen=True, slots=True, kw_only=True)
class Noun:
    """A kind as the CLI names it: `source git` is GitRepository, `kustomization` (alias `ks`) is Kustomization."""

    kind: str
    api_version: str
    word: str
    """The word under its group: `git` under `source`, `kustomization` at the top."""
    aliases: tuple[str, ...] = ()
    group: str | None = None
    """The word the noun stands under (`source`, `image`), or None for a top-level noun."""
    reconciled: bool = True
    """False for a kind no reflow controller reconciles (ExternalArtifact): no reconcile, suspend or resume."""
    static: bool = False
    """True for kinds no controller reconciles (Alert, Provider): they are ready once they exist."""

    @property
    def source(self) -> bool:
        """True for the kinds listed by `get sources`."""
        return self.group == "source"

    @property
    def phrase(self) -> str:
        """How help texts and examples spell the noun: `source git`, `image policy`, `kustomization`."""
        return f"{self.group} {self.word}" if self.group else self.word


def _noun(
    model: type, word: str, *aliases: str, group: str | None = None, reconciled: bool = True, static: bool = False
) -> Noun:
    info = kind_info(model)
    return Noun(
        kind=info.kind,
        api_version=info.api_version,
        word=word,
        aliases=aliases,
        group=group,
        reconciled=reconciled,
        static=static,
    )


GIT = _noun(GitRepository, "git", group="source")
OCI = _noun(OCIRepository, "oci", group="source")
BUCKET = _noun(Bucket, "bucket", group="source")
HELM = _noun(HelmRepository, "helm", group="source")
CHART = _noun(HelmChart, "chart", group="source")
EXTERNAL = _noun(ExternalArtifact, "external", group="source", reconciled=False)
KUSTOMIZATION = _noun(Kustomization, "kustomization", "kustomizations", "ks")
HELMRELEASE = _noun(HelmRelease, "helmrelease", "helmreleases", "hr")
GENERATOR = _noun(ArtifactGenerator, "artifactgenerator", "artifactgenerators", "ag")
ALERT = _noun(Alert, "alert", "alerts", static=True)
PROVIDER = _noun(Provider, "alert-provider", "alert-providers", static=True)
RECEIVER = _noun(Receiver, "receiver", "receivers")
IMAGE_REPOSITORY = _noun(ImageRepository, "repository", group="image")
IMAGE_POLICY = _noun(ImagePolicy, "policy", group="image")
IMAGE_UPDATE = _noun(ImageUpdateAutomation, "update", group="image")

SOURCES: tuple[Noun, ...] = (GIT, OCI, BUCKET, HELM, CHART, EXTERNAL)
APPLIERS: tuple[Noun, ...] = (KUSTOMIZATION, HELMRELEASE)
IMAGES: tuple[Noun, ...] = (IMAGE_REPOSITORY, IMAGE_POLICY, IMAGE_UPDATE)
ALL: tuple[Noun, ...] = SOURCES + APPLIERS + (GENERATOR, RECEIVER) + IMAGES
RECONCILED: tuple[Noun, ...] = tuple(noun for noun in ALL if noun.reconciled)
"""The nouns of `reconcile`, `suspend` and `resume`."""
NOTIFICATIONS: tuple[Noun, ...] = (ALERT, PROVIDER)
"""Static kinds: listed, suspended, resumed, deleted and exported, never reconciled."""
BY_KIND: Mapping[str, Noun] = {noun.kind: noun for noun in ALL}


class AliasGroup(click.Group):
    """A command group that also answers to each command's aliases (`ks` for `kustomization`)."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.aliases: dict[str, str] = {}

    def add_alias(self, alias: str, name: str) -> None:
        """Let `alias` run the command `name`."""
        self.aliases[alias] = name

    def get_command(self, ctx: click.Context, cmd_name: str) -> click.Command | None:
        return super().get_command(ctx, self.aliases.get(cmd_name, cmd_name))

    def resolve_command(
        self, ctx: click.Context, args: list[str]
    ) -> tuple[str | None, click.Command | None, list[str]]:
        _, command, rest = super().resolve_command(ctx, args)
        return (command.name if command else None), command, rest


def add_noun_commands(
    group: AliasGroup, sources: AliasGroup, make: Callable[[Noun], click.Command], nouns: tuple[Noun, ...] = ALL
) -> None:
    """Add one command per noun made by `make`: sources under `sources`, images under `group`'s `image`
    subgroup, the others (with aliases) under `group`."""
    for noun in nouns:
        command = make(noun)
        if noun.source:
            sources.add_command(command, noun.word)
        elif noun.group is not None:
            subgroup = group.commands[noun.group]
            assert isinstance(subgroup, click.Group)
            subgroup.add_command(command, noun.word)
        else:
            group.add_command(command, noun.word)
            for alias in noun.aliases:
                group.add_alias(alias, noun.word)


def verb_group(verb: str, help_text: str) -> tuple[AliasGroup, AliasGroup]:
    """A verb's group and its `source` subgroup (alias `sources`), wired together, with an `image` subgroup
    (alias `images`)."""
    group = AliasGroup(name=verb, help=help_text)
    sources = AliasGroup(name="source", help=f"{verb.capitalize()} sources: git, oci, bucket, helm, chart, external.")
    group.add_command(sources)
    group.add_alias("sources", "source")
    images = AliasGroup(name="image", help=f"{verb.capitalize()} image automation objects: repository, policy, update.")
    group.add_command(images)
    group.add_alias("images", "image")
    return group, sources
