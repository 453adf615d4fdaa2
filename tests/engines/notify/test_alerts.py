"""Alert matching (sources, severity, inclusion/exclusion), metadata precedence and commit-status routing."""

from __future__ import annotations

from collections.abc import Mapping

import pytest

from reflow.api.notification import Alert
from reflow.api.wire import parse_object
from reflow.engines.notify import Route, combine_metadata, default_status_key, matches, route
from reflow.engines.notify.routing import commit_sha
from tests.engines.notify.events import REVISION, SHA, finished


def alert(**spec: object) -> Alert:
    base = {"providerRef": {"name": "p"}, "eventSources": [{"kind": "Kustomization", "name": "*"}]}
    return parse_object(Alert, {
        "apiVersion": "notification.toolkit.fluxcd.io/v1", "kind": "Alert",
        "metadata": {"name": "a", "namespace": "flux-system"}, "spec": {**base, **spec},
    })  # fmt: skip


def labels(found: Mapping[str, str] | None) -> object:
    return lambda: found


NO_LABELS = labels({})


@pytest.mark.parametrize(
    ("spec", "event_changes", "matched"),
    [
        pytest.param({}, {}, True, id="wildcard"),
        pytest.param({"eventSources": [{"kind": "Kustomization", "name": "apps"}]}, {}, True, id="by-name"),
        pytest.param({"eventSources": [{"kind": "Kustomization", "name": "other"}]}, {}, False, id="other-name"),
        pytest.param({"eventSources": [{"kind": "GitRepository", "name": "*"}]}, {}, False, id="other-kind"),
        pytest.param({"eventSources": [{"kind": "Kustomization", "name": "*", "namespace": "apps"}]}, {}, False,
                     id="other-namespace"),
        pytest.param({"eventSeverity": "error"}, {}, False, id="info-below-error"),
        pytest.param({"eventSeverity": "error"}, {"severity": "error"}, True, id="error-at-error"),
        pytest.param({}, {"severity": "error"}, True, id="info-takes-errors"),
        pytest.param({"inclusionList": ["^Reconciliation"]}, {}, True, id="included"),
        pytest.param({"inclusionList": ["^Applied"]}, {}, False, id="not-included"),
        pytest.param({"exclusionList": ["next run in 10m"]}, {}, False, id="excluded"),
        pytest.param({"inclusionList": [".*"], "exclusionList": ["finished"]}, {}, False, id="exclusion-wins"),
        pytest.param({"suspend": True}, {}, False, id="suspended"),
    ],
)  # fmt: skip
def test_alert_matching(spec: dict[str, object], event_changes: dict[str, object], matched: bool) -> None:
    assert matches(finished(**event_changes), alert(**spec), NO_LABELS).matched is matched  # type: ignore[arg-type]


@pytest.mark.parametrize(
    ("found", "matched"),
    [({"team": "web", "x": "y"}, True), ({"team": "db"}, False), (None, False)],
    ids=["labels-match", "labels-differ", "object-unreadable"],
)
def test_match_labels_read_the_object_labels(found: Mapping[str, str] | None, matched: bool) -> None:
    spec = {"eventSources": [{"kind": "Kustomization", "name": "*", "matchLabels": {"team": "web"}}]}
    assert matches(finished(), alert(**spec), labels(found)).matched is matched  # type: ignore[arg-type]


def test_an_invalid_regex_never_matches_and_is_reported() -> None:
    verdict = matches(finished(), alert(exclusionList=["(unclosed"]), NO_LABELS)  # type: ignore[arg-type]
    assert verdict.matched
    assert verdict.problems == ("failed to compile exclusion regex: (unclosed",)


def test_metadata_precedence_annotations_then_alert_then_controller() -> None:
    event = finished(metadata={
        "event.toolkit.fluxcd.io/env": "from-annotation",
        "event.toolkit.fluxcd.io/team": "web",
        "kustomize.toolkit.fluxcd.io/revision": REVISION,
        "kustomize.toolkit.fluxcd.io/env": "from-controller",
    })  # fmt: skip
    combined = combine_metadata(event, alert(eventMetadata={"env": "from-alert", "summary": "prod"}))
    assert dict(combined.event.metadata) == {"env": "from-controller", "team": "web", "revision": REVISION,
                                             "summary": "prod"}  # fmt: skip
    assert combined.conflicts == {
        "env": (
            "involved object annotations",
            "Alert object .spec.eventMetadata",
            "involved object controller metadata",
        )
    }


UPDATE = {"kustomize.toolkit.fluxcd.io/commit_status": "update", "kustomize.toolkit.fluxcd.io/revision": REVISION}


@pytest.mark.parametrize(
    ("provider", "metadata", "severity", "expected"),
    [
        pytest.param("slack", UPDATE, "info", Route.SKIP, id="chat-skips-commit-status-update"),
        pytest.param("generic", UPDATE, "info", Route.SKIP, id="generic-skips-commit-status-update"),
        pytest.param("slack", {}, "info", Route.SEND, id="chat-takes-other-events"),
        pytest.param("github", UPDATE, "info", Route.SEND, id="git-takes-update"),
        pytest.param("github", {}, "info", Route.DROP_NO_COMMIT, id="git-drops-plain-events"),
        pytest.param("gitlab", {"event.toolkit.fluxcd.io/commit": SHA}, "error", Route.SEND, id="git-takes-commit"),
        pytest.param("githubpullrequestcomment", {}, "info", Route.DROP_NO_CHANGE_REQUEST, id="change-request"),
    ],
)
def test_routing(provider: str, metadata: dict[str, str], severity: str, expected: Route) -> None:
    assert route(provider, finished(metadata=metadata, severity=severity)) is expected


def test_default_status_key_and_commit_lookup_order() -> None:
    assert default_status_key("0C9C2E41-58c4-4b39", finished()) == "kustomization/apps/0c9c2e41"
    assert commit_sha({"revision": "main/" + SHA}) == SHA
    assert commit_sha({"commit": "c0ffee1", "revision": REVISION}) == "c0ffee1"
    assert commit_sha({"originRevision": "v1@sha1:" + "a" * 40, "revision": REVISION}) == "a" * 40
    assert commit_sha({"revision": "latest@sha256:" + "b" * 64}) == "b" * 64
    assert commit_sha({}) is None
