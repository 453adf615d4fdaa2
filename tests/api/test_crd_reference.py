"""The generated CRDs match Flux's CRD field facts (testdata/flux-crd-fields.md) with the Flux 2.10 delta applied."""

from __future__ import annotations

import dataclasses
import json
import re
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path

import pytest

from reflow.api.crds import KINDS, crd, kind_info
from reflow.api.duration import DURATION_PATTERN, TIMEOUT_PATTERN
from reflow.api.meta import Manifest

FIELDS_FILE = Path(__file__).parent / "testdata" / "flux-crd-fields.md"

HEADING = re.compile(r"^#### (\w+) — `([^`]+)`$")
NAMES = re.compile(r"^plural `(\S+)`; short `(\S+)`; categories `(\S+)`; scope (\w+); printer cols: (.+)$")
CEL = re.compile(r"^- `([^`]+)`: `(.+)` — (.+)$")
# Shapes of Flux's common types, which the reference names instead of listing their fields.
COMMON_SHAPES = {
    "Ref{name}": ({"name"}, {"name"}),
    "Artifact": (
        {"path", "url", "revision", "digest", "lastUpdateTime", "size", "metadata"},
        {"path", "url", "revision", "lastUpdateTime"},
    ),
    "Condition": (
        {"type", "status", "observedGeneration", "lastTransitionTime", "reason", "message"},
        {"type", "status", "lastTransitionTime", "reason", "message"},
    ),
}


@dataclass
class Facts:
    """What the reference says about one field path."""

    type: str
    required: bool = False
    default: object = None
    enum: tuple[str, ...] = ()
    item_enum: tuple[str, ...] = ()
    pattern: str | None = None
    duration: bool = False
    max_length: int | None = None
    max_items: int | None = None


@dataclass
class KindReference:
    """What the reference says about one kind."""

    kind: str
    api_version: str
    plural: str = ""
    short_names: tuple[str, ...] = ()
    categories: tuple[str, ...] = ()
    scope: str = ""
    columns: tuple[str, ...] = ()
    fields: dict[str, Facts] = field(default_factory=dict)
    rules: set[tuple[str, str, str]] = field(default_factory=set)


def _cells(line: str) -> list[str]:
    inner = line.strip()[1:-1]
    return [cell.strip().replace("\\|", "|") for cell in re.split(r"(?<!\\)\|", inner)]


def _facts(field_type: str, spec: str, required: bool) -> Facts:
    facts = Facts(type=field_type, required=required)
    for token in filter(None, (part.strip() for part in spec.split("; "))):
        if token.startswith("="):
            try:
                facts.default = json.loads(token[1:])
            except json.JSONDecodeError:
                facts.default = token[1:]
        elif token == "duration":
            facts.duration = True
        elif token.startswith("maxLen "):
            facts.max_length = int(token.removeprefix("maxLen "))
        elif token.startswith("maxItems "):
            facts.max_items = int(token.removeprefix("maxItems "))
        elif token.startswith("each: "):
            facts.item_enum = tuple(token.removeprefix("each: ").split(" | "))
        elif token.startswith("`") and token.endswith("`"):
            facts.pattern = token[1:-1]
        else:
            facts.enum = tuple(token.split(" | "))
    return facts


def parse_reference(text: str) -> dict[str, KindReference]:
    """Every kind section of flux-crd-fields.md: names, printer columns, field table and CEL rules."""
    kinds: dict[str, KindReference] = {}
    current: KindReference | None = None
    for line in text.splitlines():
        if heading := HEADING.match(line):
            current = kinds.setdefault(heading[1], KindReference(kind=heading[1], api_version=heading[2]))
        elif current is None:
            continue
        elif names := NAMES.match(line):
            current.plural = names[1]
            current.short_names = () if names[2] == "-" else tuple(names[2].split(","))
            current.categories = tuple(names[3].split(","))
            current.scope = names[4]
            current.columns = tuple(name.strip() for name in names[5].split(","))
        elif line.startswith("| ") and not line.startswith(("| field", "|---")):
            path, field_type, spec = _cells(line)
            required = path.endswith("*")
            current.fields[path.rstrip("*")] = _facts(field_type, spec, required)
        elif rule := CEL.match(line):
            current.rules.add((rule[1], rule[2], rule[3]))
    return kinds


# Flux 2.10's schema changes to the 2.9 facts, as edits of the parsed reference.
KUBECONFIG_MESSAGE = "exactly one of spec.kubeConfig.configMapRef or spec.kubeConfig.secretRef must be specified"
Edit = Callable[[KindReference], None]
DNS_LABEL = "^[a-z0-9]([-a-z0-9]*[a-z0-9])?$"
ALIAS_PATH = "^@([a-z0-9]([a-z0-9_-]*[a-z0-9])?)/(.*)$"
# Flux 2.10 states the rule's meaning, not its text: names valid and at most 253 long, namespaces DNS labels.
AG_RULES = (
    (
        "has(self.pathPattern) && size(self.pathPattern) > 0 || self.artifacts.all(a, size(a.name) <= 253 && "
        "a.name.matches('^[a-z0-9]([-a-z0-9]*[a-z0-9])?(\\\\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$'))",
        "without pathPattern, artifact names must be valid Kubernetes object names",
    ),
    (
        "has(self.pathPattern) && size(self.pathPattern) > 0 || self.artifacts.all(a, !has(a.__namespace__) || "
        "(size(a.__namespace__) <= 63 && a.__namespace__.matches('^[a-z0-9]([-a-z0-9]*[a-z0-9])?$')))",
        "without pathPattern, artifact namespaces must be valid namespace names",
    ),
)


def add_field(path: str, field_type: str) -> Edit:
    return lambda kind: kind.fields.__setitem__(path, Facts(type=field_type))


def change_field(path: str, **changes: object) -> Edit:
    return lambda kind: kind.fields.__setitem__(path, dataclasses.replace(kind.fields[path], **changes))


def replace_rules(path: str, *rules: tuple[str, str]) -> Edit:
    def edit(kind: KindReference) -> None:
        kind.rules = {rule for rule in kind.rules if rule[0] != path} | {(path, *rule) for rule in rules}

    return edit


def add_rules(path: str, *rules: tuple[str, str]) -> Edit:
    return lambda kind: kind.rules.update((path, *rule) for rule in rules)


def oci_chart_fields(kind: KindReference) -> None:
    """`spec.chart.spec` inlines OCIRepository's spec (as 2.10's OCIRepository facts have it, nothing required)."""
    oci = parse_reference(FIELDS_FILE.read_text(encoding="utf-8"))["OCIRepository"]
    for path, facts in oci.fields.items():
        if path.startswith("spec.") and path.removeprefix("spec.").split(".")[0] in OCI_CHART_FIELDS:
            top = path.count(".") == 1
            kind.fields["spec.chart.spec." + path.removeprefix("spec.")] = dataclasses.replace(
                facts, required=facts.required and not top, default=None if top else facts.default
            )


OCI_CHART_FIELDS = {"url", "ref", "layerSelector", "provider", "secretRef", "certSecretRef", "proxySecretRef",
                    "serviceAccountName", "ignore", "insecure", "suspend", "timeout", "verify"}  # fmt: skip
_NOT_OCI = "!has(self.kind) || self.kind != 'OCIRepository'"
_OCI = "has(self.kind) && self.kind == 'OCIRepository'"
CHART_TEMPLATE_KIND: tuple[Edit, ...] = (
    add_field("spec.chart.kind", "str"),
    change_field("spec.chart.kind", enum=("HelmChart", "OCIRepository")),
    oci_chart_fields,
    change_field("spec.chart.spec.chart", required=False),
    change_field("spec.chart.spec.sourceRef", required=False),
    change_field("spec.chart.spec.version", default=None),
    change_field("spec.chart.spec.reconcileStrategy", default=None),
    add_rules(
        "spec.chart",
        (f"{_NOT_OCI} || (has(self.spec.url) && size(self.spec.url) > 0)",
         "chart.spec.url must be set when chart.kind is 'OCIRepository'"),
        (f"!has(self.spec.url) || ({_OCI})",
         "chart.spec.url requires chart.kind: 'OCIRepository'; for a HelmChart template set spec.chart and "
         "spec.sourceRef instead"),
        (f"({_OCI}) || (has(self.spec.chart) && has(self.spec.sourceRef))",
         "chart.spec.chart and chart.spec.sourceRef must be set when chart.kind is not 'OCIRepository'"),
        *(
            (f"{_NOT_OCI} || {allowed}", f"chart.spec.{name} cannot be set when chart.kind is 'OCIRepository'")
            for name, allowed in (
                ("chart", "!has(self.spec.chart)"),
                ("version", "!has(self.spec.version) || self.spec.version == '*'"),
                ("sourceRef", "!has(self.spec.sourceRef)"),
                ("reconcileStrategy",
                 "!has(self.spec.reconcileStrategy) || self.spec.reconcileStrategy == 'ChartVersion'"),
                ("valuesFiles", "!has(self.spec.valuesFiles)"),
                ("ignoreMissingValuesFiles", "!has(self.spec.ignoreMissingValuesFiles)"),
            )
        ),
    ),
)  # fmt: skip
"""Flux 2.10 (helm api v1.7.1): `spec.chart` templates a HelmChart or an OCIRepository (delta §E)."""


DELTA_2_10: dict[str, tuple[Edit, ...]] = {
    "GitRepository": (add_field("status.sourceVerificationFingerprint", "str"),),
    "OCIRepository": (
        add_field("status.sourceVerificationFingerprint", "str"),
        change_field("spec.url", required=False),
        change_field("spec.interval", required=False),
        change_field("spec.provider", default=None),
        change_field("spec.timeout", default=None),
        add_rules(
            "",
            ("has(self.spec) && has(self.spec.url)", "spec.url is required"),
            ("has(self.spec) && has(self.spec.interval)", "spec.interval is required"),
        ),
    ),
    "ExternalArtifact": (add_field("status.exportedInputs", "map"),),
    "ArtifactGenerator": (
        add_field("spec.serviceAccountName", "str"),
        change_field("spec.serviceAccountName", pattern=DNS_LABEL, max_length=63),
        add_field("spec.managedNamespaces", "obj"),
        add_field("spec.managedNamespaces.allowedNames", "[]str"),
        change_field("spec.managedNamespaces.allowedNames", required=True),
        add_field("spec.managedNamespaces.prune", "bool"),
        change_field("spec.managedNamespaces.prune", required=True),
        add_field("spec.managedNamespaces.metadata", "obj"),
        add_field("spec.managedNamespaces.metadata.fromSource", "obj"),
        add_field("spec.managedNamespaces.metadata.fromSource.path", "str"),
        change_field(
            "spec.managedNamespaces.metadata.fromSource.path", required=True, pattern=ALIAS_PATH, max_length=1024
        ),
        add_rules(
            "spec.managedNamespaces.metadata.fromSource",
            (
                "(has(self.allowedAnnotations) && size(self.allowedAnnotations) > 0) || "
                "(has(self.allowedLabels) && size(self.allowedLabels) > 0)",
                "fromSource needs allowedAnnotations or allowedLabels with at least one key",
            ),
        ),
        add_field("spec.managedNamespaces.metadata.fromSource.allowedAnnotations", "map"),
        add_field("spec.managedNamespaces.metadata.fromSource.allowedLabels", "map"),
        add_field("spec.managedNamespaces.metadata.from", "[]obj"),
        add_field("spec.managedNamespaces.metadata.from.strategy", "str"),
        change_field(
            "spec.managedNamespaces.metadata.from.strategy", required=True, enum=("Reset", "Override", "Merge")
        ),
        add_field("spec.managedNamespaces.metadata.from.namespace", "str"),
        change_field(
            "spec.managedNamespaces.metadata.from.namespace",
            required=True,
            pattern=r"^(\*|[a-z0-9]([-a-z0-9]*[a-z0-9])?)$",
            max_length=63,
        ),
        add_field("spec.managedNamespaces.metadata.from.labels", "map"),
        add_field("spec.managedNamespaces.metadata.from.annotations", "map"),
        add_rules(
            "spec.managedNamespaces.metadata",
            (
                "has(self.fromSource) || (has(self.from) && size(self.from) > 0)",
                "metadata needs fromSource or at least one from operation",
            ),
        ),
        change_field("spec.artifacts.name", max_length=1024),
        add_field("spec.artifacts.namespace", "str"),
        change_field("spec.artifacts.namespace", max_length=1024),
        add_field("spec.artifacts.inputsFrom", "str"),
        change_field("spec.artifacts.inputsFrom", pattern=ALIAS_PATH, max_length=1024),
        add_field("spec.artifacts.copy.optional", "bool"),
        change_field("spec.artifacts.copy.optional", default=False),
        add_field("status.inventory.kind", "str"),
        change_field("status.inventory.kind", required=True, enum=("ExternalArtifact", "Namespace")),
        change_field("status.inventory.namespace", required=False),
        change_field("status.inventory.filename", required=False),
        replace_rules("spec", *AG_RULES),
    ),
    # reflow's own additive field (alert message templates), in both served versions.
    "Alert": (add_field("spec.messageTemplate", "str"), change_field("spec.messageTemplate", max_length=4096)),
    "ImageUpdateAutomation": (
        lambda kind: kind.fields.__setitem__("spec.policyChangeDelay", Facts("str", duration=True)),
    ),
    "Kustomization": (
        replace_rules("spec.kubeConfig", ("has(self.configMapRef) != has(self.secretRef)", KUBECONFIG_MESSAGE)),
    ),
    "HelmRelease": (
        replace_rules("spec.kubeConfig", ("has(self.configMapRef) != has(self.secretRef)", KUBECONFIG_MESSAGE)),
        *CHART_TEMPLATE_KIND,
    ),
}


CROSS_KIND_DEPENDS_ON = (
    add_field("spec.dependsOn.apiVersion", "str"),
    add_field("spec.dependsOn.kind", "str"),
    add_field("spec.dependsOn.ready", "bool"),
)
PULL_REQUEST = (
    add_field("spec.git.push.pullRequest", "obj"),
    lambda kind: kind.fields.__setitem__(
        "spec.git.push.pullRequest.provider", Facts("str", default="gitea", enum=("gitea",))
    ),
    lambda kind: kind.fields.__setitem__("spec.git.push.pullRequest.secretRef", Facts("Ref{name}", required=True)),
    add_field("spec.git.push.pullRequest.targetBranch", "str"),
    add_field("spec.git.push.pullRequest.apiURL", "str"),
)
BEYOND_FLUX: dict[str, tuple[Edit, ...]] = {
    "Kustomization": CROSS_KIND_DEPENDS_ON,
    "HelmRelease": CROSS_KIND_DEPENDS_ON,
    "ImageUpdateAutomation": PULL_REQUEST,
}
"""Fields reflow serves ahead of Flux: cross-kind dependsOn named as Flux's open design names them
(flux2#5879); an ImageUpdateAutomation's pull request (image-automation-controller#524)."""


def remove_field(path: str) -> Edit:
    return lambda kind: kind.fields.__delitem__(path)


def promote(api_version: str) -> Edit:
    def edit(kind: KindReference) -> None:
        kind.api_version = api_version

    return edit


NOTIFICATION_V1 = "notification.toolkit.fluxcd.io/v1"
# Flux 2.10's v1 Alert and Provider: v1beta3 without the deprecated fields, `mastodon` added (the v1beta3 facts stay
# those of the still-served v1beta3 version).
V1_FROM_V1BETA3: dict[str, tuple[Edit, ...]] = {
    "Alert": (
        promote(NOTIFICATION_V1),
        remove_field("spec.summary"),
    ),
    "Provider": (
        promote(NOTIFICATION_V1),
        remove_field("spec.interval"),
        remove_field("spec.proxy"),
        lambda kind: change_field("spec.type", enum=(*kind.fields["spec.type"].enum, "mastodon"))(kind),
    ),
}


def reference(*, served_older: bool = False) -> dict[str, KindReference]:
    """Each kind's facts for its storage version, or for its older served version with `served_older`."""
    kinds = parse_reference(FIELDS_FILE.read_text(encoding="utf-8"))
    for deltas in (DELTA_2_10, BEYOND_FLUX) if served_older else (DELTA_2_10, BEYOND_FLUX, V1_FROM_V1BETA3):
        for name, edits in deltas.items():
            for edit in edits:
                edit(kinds[name])
    return kinds


def _type_of(node: Manifest) -> str:
    kind = node.get("type")
    if kind is None and node.get("x-kubernetes-preserve-unknown-fields"):
        return "json"
    if kind == "array":
        return "[]" + _type_of(node["items"])
    if kind == "object":
        return "map" if "additionalProperties" in node else "obj"
    return {"string": "str", "boolean": "bool", "integer": "int"}[kind]


def walk(node: Manifest, prefix: str = "") -> Iterator[tuple[str, Manifest, bool]]:
    """(path, schema, required) of every property under a schema, arrays entered through their items."""
    required = set(node.get("required", ()))
    for name, child in node.get("properties", {}).items():
        path = f"{prefix}.{name}" if prefix else name
        yield path, child, name in required
        inner = child["items"] if child.get("type") == "array" else child
        yield from walk(inner, path)


def generated_facts(schema: Manifest, expected: dict[str, Facts]) -> tuple[dict[str, Facts], list[str]]:
    """Facts of the generated schema in the reference's terms; common types are checked as a whole."""
    facts: dict[str, Facts] = {}
    problems: list[str] = []
    collapsed: list[str] = []
    for path, node, required in walk(schema):
        if not path.startswith(("spec", "status")) or path in ("spec", "status"):
            continue
        if any(path.startswith(prefix + ".") for prefix in collapsed):
            continue
        field_type = _type_of(node)
        common = expected.get(path, Facts(type="")).type.removeprefix("[]")
        if common in COMMON_SHAPES:
            item = node["items"] if node.get("type") == "array" else node
            names, needed = COMMON_SHAPES[common]
            if set(item.get("properties", {})) != names or set(item.get("required", ())) != needed:
                problems.append(f"{path}: not the {common} shape")
            field_type = field_type.replace("obj", common)
            collapsed.append(path)
        pattern = node.get("pattern")
        duration = pattern in (DURATION_PATTERN, TIMEOUT_PATTERN)
        items = node.get("items", {})
        facts[path] = Facts(
            type=field_type,
            required=required,
            default=node.get("default"),
            enum=tuple(node.get("enum", ())),
            item_enum=tuple(items.get("enum", ())),
            pattern=None if duration else pattern,
            duration=duration,
            max_length=node.get("maxLength"),
            max_items=node.get("maxItems"),
        )
    return facts, problems


def generated_rules(schema: Manifest) -> set[tuple[str, str, str]]:
    rules = {("", rule["rule"], rule["message"]) for rule in schema.get("x-kubernetes-validations", ())}
    for path, node, _ in walk(schema):
        rules |= {(path, rule["rule"], rule["message"]) for rule in node.get("x-kubernetes-validations", ())}
    return rules


KINDS_BY_NAME = {kind_info(model).kind: model for model in KINDS}


def test_reference_lists_every_kind_reflow_generates() -> None:
    assert sorted(reference()) == sorted(KINDS_BY_NAME)


@pytest.mark.parametrize("kind", sorted(KINDS_BY_NAME))
def test_crd_names_columns_and_scope_match_reference(kind: str) -> None:
    expected = reference()[kind]
    generated = crd(KINDS_BY_NAME[kind])
    spec = generated["spec"]
    version = spec["versions"][0]
    assert f"{spec['group']}/{version['name']}" == expected.api_version
    assert spec["names"]["plural"] == expected.plural
    assert tuple(spec["names"].get("shortNames", ())) == expected.short_names
    assert tuple(spec["names"]["categories"]) == expected.categories
    assert spec["scope"] == expected.scope
    assert tuple(column["name"] for column in version["additionalPrinterColumns"]) == expected.columns


@pytest.mark.parametrize("kind", sorted(KINDS_BY_NAME))
def test_crd_fields_match_reference(kind: str) -> None:
    expected = reference()[kind]
    schema = crd(KINDS_BY_NAME[kind])["spec"]["versions"][0]["schema"]["openAPIV3Schema"]
    facts, problems = generated_facts(schema, expected.fields)
    problems += [f"{path}: in the reference, not generated" for path in expected.fields.keys() - facts.keys()]
    problems += [f"{path}: generated, not in the reference" for path in facts.keys() - expected.fields.keys()]
    for path in sorted(expected.fields.keys() & facts.keys()):
        if facts[path] != expected.fields[path]:
            problems.append(f"{path}: generated {facts[path]}, reference {expected.fields[path]}")
    assert problems == []


@pytest.mark.parametrize("kind", sorted(KINDS_BY_NAME))
def test_crd_cel_rules_match_reference(kind: str) -> None:
    schema = crd(KINDS_BY_NAME[kind])["spec"]["versions"][0]["schema"]["openAPIV3Schema"]
    assert generated_rules(schema) == reference()[kind].rules


@pytest.mark.parametrize("kind", ["Alert", "Provider"])
def test_older_served_version_matches_the_v1beta3_reference(kind: str) -> None:
    expected = reference(served_older=True)[kind]
    (older,) = crd(KINDS_BY_NAME[kind])["spec"]["versions"][1:]
    assert f"{crd(KINDS_BY_NAME[kind])['spec']['group']}/{older['name']}" == expected.api_version
    schema = older["schema"]["openAPIV3Schema"]
    facts, problems = generated_facts(schema, expected.fields)
    assert problems == []
    assert facts == expected.fields
    assert generated_rules(schema) == expected.rules


def test_reference_parser_reads_escaped_pipes_defaults_and_rules() -> None:
    kinds = parse_reference(FIELDS_FILE.read_text(encoding="utf-8"))
    git = kinds["GitRepository"]
    assert git.fields["spec.url"] == Facts(type="str", required=True, pattern="^(http|https|ssh)://.*$")
    assert git.fields["spec.timeout"] == Facts(type="str", default="60s", duration=True)
    assert kinds["ImageRepository"].fields["spec.exclusionList"].default == ["^.*\\.sig$"]
    assert kinds["ImageUpdateAutomation"].fields["spec.update"].default == {"strategy": "Setters"}
    assert len(kinds["Bucket"].rules) == 7
    assert sum(len(kind.fields) for kind in kinds.values()) > 600
