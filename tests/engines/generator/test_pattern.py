"""pathPattern makes one request per matching directory, with captures validated as label values."""

from __future__ import annotations

import pytest

from reflow.api.sourceext import OutputArtifact
from reflow.engines.generator import InvalidPattern, expand, requests_without_pattern
from tests.engines.generator.trees import op

DIRECTORIES = ["apps", "apps/podinfo", "apps/podinfo/envs", "apps/podinfo/envs/staging", "apps/podinfo/envs/Prod",
               "apps/redis/envs/dev", "apps/redis/base"]  # fmt: skip
TEMPLATE = OutputArtifact(name="{app}-{env}", copy=(op("@repo/apps/{app}/envs/{env}/**", "@artifact/"),))


def test_one_request_per_matching_directory() -> None:
    requests = expand("apps/{app}/envs/{env}", DIRECTORIES, [TEMPLATE])
    assert [(r.artifact.name, r.artifact.copy[0].from_, dict(r.labels)) for r in requests] == [
        ("podinfo-prod", "@repo/apps/podinfo/envs/Prod/**", {"app": "podinfo", "env": "prod"}),
        ("podinfo-staging", "@repo/apps/podinfo/envs/staging/**", {"app": "podinfo", "env": "staging"}),
        ("redis-dev", "@repo/apps/redis/envs/dev/**", {"app": "redis", "env": "dev"}),
    ]


@pytest.mark.parametrize(
    ("pattern", "directories", "artifact", "message"),
    [
        pytest.param("apps/{app}", ["apps/bad_"], TEMPLATE, "'bad_' captured as 'app' from 'apps/bad_' is not a valid "
                     "label value", id="capture-not-a-label-value"),
        pytest.param("apps/{app", ["apps/x"], TEMPLATE, "unmatched '{'", id="unclosed-brace"),
        pytest.param("apps/{a-b}", ["apps/x"], TEMPLATE, "capture name 'a-b'", id="bad-capture-name"),
        pytest.param("{x}/{x}", ["a/b"], TEMPLATE, "captures 'x' twice", id="duplicate-capture"),
        pytest.param("apps/{app}", ["apps/x"], TEMPLATE, "uses '{env}', which the pathPattern does not capture",
                     id="undefined-placeholder"),
        pytest.param("apps/{app}", ["apps/a.b", "apps/A.B"], OutputArtifact(name="{app}", copy=()),
                     "directories 'apps/A.B' and 'apps/a.b' both make artifact 'a.b'", id="collision"),
        pytest.param("apps/{app}", ["apps/a..b"], OutputArtifact(name="{app}", copy=()), "not a valid Kubernetes "
                     "object name", id="bad-name"),
    ],
)  # fmt: skip
def test_bad_patterns_are_refused(pattern: str, directories: list[str], artifact: OutputArtifact, message: str) -> None:
    with pytest.raises(InvalidPattern) as failed:
        expand(pattern, directories, [artifact])
    assert message in str(failed.value)


def test_duplicate_artifact_names_are_refused() -> None:
    with pytest.raises(InvalidPattern, match="listed twice"):
        requests_without_pattern([OutputArtifact(name="a", copy=()), OutputArtifact(name="a", copy=())])
