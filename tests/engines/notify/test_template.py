"""Alert message templates: `${var}` over the event's fields and metadata, with Flux's envsubst operators."""

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
