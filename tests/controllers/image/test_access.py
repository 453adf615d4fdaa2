"""ImageRepository `accessFrom`: which namespaces' ImagePolicies may read a repository (plain data)."""

from __future__ import annotations

import pytest

from reflow.controllers.image.access import allowed_by


@pytest.mark.parametrize(
    ("access_from", "labels", "allowed"),
    [
        pytest.param(None, {"team": "a"}, False, id="no-access-from-denies"),
        pytest.param({"namespaceSelectors": []}, {"team": "a"}, False, id="no-selectors-deny"),
        pytest.param({"namespaceSelectors": [{"matchLabels": {}}]}, {}, True, id="empty-match-allows-all"),
        pytest.param({"namespaceSelectors": [{"matchLabels": {"team": "a"}}]}, {"team": "a"}, True, id="match"),
        pytest.param({"namespaceSelectors": [{"matchLabels": {"team": "a"}}]}, {"team": "b"}, False, id="mismatch"),
        pytest.param(
            {"namespaceSelectors": [{"matchLabels": {"team": "b"}}, {"matchLabels": {"env": "dev"}}]},
            {"team": "a", "env": "dev"},
            True,
            id="any-selector-grants",
        ),
    ],
)
def test_access_from_matches_namespace_labels(access_from: dict | None, labels: dict[str, str], allowed: bool) -> None:
    assert allowed_by(access_from, labels) is allowed
