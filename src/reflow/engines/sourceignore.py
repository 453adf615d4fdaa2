"""Which files of a source are left out of its artifact: `.sourceignore`, `spec.ignore` and Flux's defaults.

Patterns use gitignore syntax as Flux's fork of go-git's matcher reads it, each scoped to a *domain*
(the directory of the `.sourceignore` it came from, as path segments). Later patterns win. When a
source has no patterns of its own, VCS files plus Flux's default excludes apply; once it has any,
only the VCS patterns stay underneath them.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from enum import Enum
from pathlib import Path

from reflow.engines.glob import BadPattern, glob_match

IGNORE_FILE = ".sourceignore"
VCS_PATTERNS = (".git/", ".gitignore", ".gitmodules", ".gitattributes")
EXTENSION_PATTERNS = ("*.jpg", "*.jpeg", "*.gif", "*.png", "*.wmv", "*.flv", "*.tar.gz", "*.zip")
DEFAULT_PATTERNS = (
    *EXTENSION_PATTERNS,
    *(".github/", ".circleci/", ".travis.yml", ".gitlab-ci.yml", "appveyor.yml", ".drone.yml"),
    *("cloudbuild.yaml", "codeship-services.yml", "codeship-steps.yml"),
    *("**/.goreleaser.yml", "**/.sops.yaml", "**/.flux.yaml"),
)
_ANY_DIRS = "**"

Domain = tuple[str, ...]


class Verdict(Enum):
    """What one pattern says about a path."""

    NO_MATCH = "no-match"
    EXCLUDE = "exclude"
    INCLUDE = "include"


def _segment_matches(pattern: str, name: str) -> bool:
    try:
        return glob_match(pattern, name)
    except BadPattern:
        return False


@dataclass(frozen=True, slots=True, kw_only=True)
class Pattern:
    """One parsed line: its segments, `!` negation, trailing-`/` directory-only, and its domain."""

    segments: tuple[str, ...]
    domain: Domain = ()
    negated: bool = False
    dir_only: bool = False
    anchored: bool = False  # the line held a `/`, so it matches from the domain's root

    def verdict(self, path: Sequence[str], is_dir: bool) -> Verdict:
        """Whether this pattern excludes, re-includes, or says nothing about `path` (split on `/`)."""
        if len(path) <= len(self.domain) or tuple(path[: len(self.domain)]) != self.domain:
            return Verdict.NO_MATCH
        rest = path[len(self.domain) :]
        matched = self._anchored_match(rest, is_dir) if self.anchored else self._name_match(rest, is_dir)
        if not matched:
            return Verdict.NO_MATCH
        return Verdict.INCLUDE if self.negated else Verdict.EXCLUDE

    def _name_match(self, path: Sequence[str], is_dir: bool) -> bool:
        for index, name in enumerate(path):
            if _segment_matches(self.segments[0], name):
                return not (self.dir_only and not is_dir and index == len(path) - 1)
        return False

    def _anchored_match(self, path: Sequence[str], is_dir: bool) -> bool:
        remaining = list(path)
        matched = traversing = False
        for index, segment in enumerate(self.segments):
            if segment == "":
                traversing = False
                continue
            if segment == _ANY_DIRS:
                if index == len(self.segments) - 1:
                    break
                traversing = True
                continue
            if _ANY_DIRS in segment or not remaining:
                return False
            if traversing:
                traversing = False
                while remaining:
                    name = remaining.pop(0)
                    try:
                        if glob_match(segment, name):
                            matched = True
                            break
                    except BadPattern:
                        return False
                    if not remaining:
                        matched = False
            else:
                if not _segment_matches(segment, remaining[0]):
                    return False
                matched = True
                remaining.pop(0)
        return not (matched and self.dir_only and not is_dir and not remaining) and matched


def parse_pattern(line: str, domain: Iterable[str] = ()) -> Pattern:
    """Parse one gitignore line (not a comment or blank line) scoped to `domain`."""
    negated = line.startswith("!")
    if negated:
        line = line[1:]
    if not line.endswith("\\ "):
        line = line.rstrip(" ")
    dir_only = line.endswith("/")
    if dir_only:
        line = line[:-1]
    return Pattern(
        segments=tuple(line.split("/")),
        domain=tuple(domain),
        negated=negated,
        dir_only=dir_only,
        anchored="/" in line,
    )


def read_patterns(text: str, domain: Iterable[str] = ()) -> tuple[Pattern, ...]:
    """The patterns in an ignore file's text (or `spec.ignore`); `#` lines and blank lines are skipped."""
    scope = tuple(domain)
    lines = text.split("\n")
    if text.endswith("\n"):
        lines.pop()
    return tuple(
        parse_pattern(line, scope)
        for line in (raw.removesuffix("\r") for raw in lines)
        if not line.startswith("#") and line.strip()
    )


def vcs_patterns(domain: Iterable[str] = ()) -> tuple[Pattern, ...]:
    return tuple(parse_pattern(line, domain) for line in VCS_PATTERNS)


def default_patterns(domain: Iterable[str] = ()) -> tuple[Pattern, ...]:
    """Flux's extension, CI and tooling excludes (without the VCS ones)."""
    return tuple(parse_pattern(line, domain) for line in DEFAULT_PATTERNS)


@dataclass(frozen=True, slots=True)
class Matcher:
    """Patterns in increasing priority; the last one with a verdict on a path decides."""

    patterns: tuple[Pattern, ...]

    def ignores(self, path: str | Sequence[str], is_dir: bool) -> bool:
        """Whether this path (relative, `/`-separated or pre-split) is excluded on its own."""
        parts = path.split("/") if isinstance(path, str) else path
        for pattern in reversed(self.patterns):
            verdict = pattern.verdict(parts, is_dir)
            if verdict is not Verdict.NO_MATCH:
                return verdict is Verdict.EXCLUDE
        return False

    def excludes(self, path: str, is_dir: bool) -> bool:
        """Whether the path is left out of an artifact: it or a directory above it is ignored.

        The archiver never descends into an ignored directory, so a `!` line cannot bring back a file
        below one.
        """
        parts = path.split("/")
        return any(self.ignores(parts[:depth], True) for depth in range(1, len(parts))) or self.ignores(parts, is_dir)


def default_matcher(patterns: Iterable[Pattern], domain: Iterable[str] = ()) -> Matcher:
    """VCS and default excludes underneath the given patterns."""
    scope = tuple(domain)
    return Matcher((*vcs_patterns(scope), *default_patterns(scope), *patterns))


def source_matcher(patterns: Iterable[Pattern], domain: Iterable[str] = ()) -> Matcher:
    """The matcher a source's artifact is built with: defaults only when it brings no patterns."""
    given = tuple(patterns)
    if not given:
        return default_matcher((), domain)
    return Matcher((*vcs_patterns(domain), *given))


def read_ignore_file(path: Path, domain: Iterable[str] = ()) -> tuple[Pattern, ...]:
    """The patterns in one ignore file; none when it does not exist or cannot be read as text."""
    try:
        text = path.read_text(encoding="utf-8", errors="surrogateescape")
    except (FileNotFoundError, IsADirectoryError):
        return ()
    return read_patterns(text, domain)


def load_ignore_patterns(root: Path, domain: Iterable[str] = ()) -> tuple[Pattern, ...]:
    """Every `.sourceignore` under `root`, each scoped to its directory, parents before children.

    Subdirectories are visited in name order and `.git` is skipped; symlinked directories are not
    followed.
    """
    scope = tuple(domain)
    patterns = list(read_ignore_file(root / IGNORE_FILE, scope))
    for entry in sorted(root.iterdir(), key=lambda item: item.name):
        if entry.is_dir() and not entry.is_symlink() and entry.name != ".git":
            patterns.extend(load_ignore_patterns(entry, (*scope, entry.name)))
    return tuple(patterns)
