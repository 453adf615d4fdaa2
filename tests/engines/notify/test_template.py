"""Alert message templates: Go templates over the event in Flux's Go shape, or `${var}` over its fields and metadata
with Flux's envsubst operators when the template holds no `{{`."""

from __future__ import annotations

import pytest

from reflow.engines.notify import ProviderError
from reflow.engines.notify.template import render_message
from tests.engines.notify.events import REVISION, finished


@pytest.mark.parametrize(
    ("template", "message"),
    [
        pytest.param("[${severity^^}] ${kind}/${namespace}/${name}: ${message}",
                     "[INFO] Kustomization/flux-system/apps: Reconciliation finished in 1.2s, next run in 10m0s",
                     id="fields-and-case"),
        pytest.param("${summary} at ${revision}", f"Production cluster at {REVISION}", id="metadata"),
        pytest.param("${env:=prod} ${message:0:14}", "prod Reconciliation", id="default-and-substring"),
        pytest.param("${reason/Succeeded/ OK}", "Reconciliation OK", id="replace"),
    ],
)  # fmt: skip
def test_template_renders_the_message(template: str, message: str) -> None:
    assert render_message(finished(), template).message == message


def test_no_template_keeps_the_event() -> None:
    event = finished()
    assert render_message(event, None) is event


def test_metadata_keys_become_variable_names() -> None:
    event = finished(metadata={"helm.chart-version": "1.2.3"})
    assert render_message(event, "chart ${helm_chart_version}").message == "chart 1.2.3"


@pytest.mark.parametrize(
    ("template", "words"),
    [
        pytest.param("${cluster}", "the event has no 'cluster'; give a default", id="unknown-variable"),
        pytest.param("${message", "spec.messageTemplate:", id="syntax"),
    ],
)
def test_a_bad_template_is_a_clear_error(template: str, words: str) -> None:
    with pytest.raises(ProviderError) as caught:
        render_message(finished(), template)
    assert words in str(caught.value)


@pytest.mark.parametrize(
    ("template", "message"),
    [
        pytest.param("{{ .InvolvedObject.Kind }}/{{ .InvolvedObject.Namespace }}/{{ .InvolvedObject.Name }}: "
                     "{{ .Message }}",
                     "Kustomization/flux-system/apps: Reconciliation finished in 1.2s, next run in 10m0s",
                     id="fields"),
        pytest.param("{{ .Severity | upper }} {{ .Metadata.summary }} at {{ index .Metadata \"revision\" }}",
                     f"INFO Production cluster at {REVISION}", id="metadata-and-functions"),
        pytest.param("{{ if eq .Severity \"error\" }}🚨{{ else }}✅{{ end }} {{ .Reason }} ({{ .Action }})",
                     "✅ ReconciliationSucceeded (Reconcile)", id="conditional"),
        pytest.param("{{ range $k, $v := .Metadata }}{{ $k }}={{ $v }};{{ end }}",
                     f"revision={REVISION};summary=Production cluster;", id="range-in-key-order"),
        pytest.param("{{ .InvolvedObject.APIVersion }} {{ .ReportingController }} {{ .Metadata.missing }}",
                     "kustomize.toolkit.fluxcd.io/v1 kustomize-controller <no value>", id="go-names"),
        pytest.param("${message} {{ .Reason }}", "${message} ReconciliationSucceeded", id="go-wins-over-dollar"),
    ],
)  # fmt: skip
def test_a_go_template_renders_the_message_from_the_event(template: str, message: str) -> None:
    assert render_message(finished(), template).message == message


@pytest.mark.parametrize(
    ("template", "words"),
    [
        pytest.param("{{ .Mesage }}", "failed to run the Go template", id="unknown-field"),
        pytest.param("{{ .Message ", "unable to parse the Go template", id="syntax"),
        pytest.param("{{ nosuch .Message }}", "unable to parse the Go template", id="unknown-function"),
    ],
)
def test_a_bad_go_template_is_a_clear_error(template: str, words: str) -> None:
    with pytest.raises(ProviderError) as caught:
        render_message(finished(), template)
    assert words in str(caught.value)
