"""The dyff-style report `reflow diff` prints for a drifted object, from plain data."""

from __future__ import annotations

import pytest

from reflow.api.meta import Manifest
from reflow.engines.ssa.report import report


def service(ports: list[Manifest], **metadata: object) -> Manifest:
    return {"apiVersion": "v1", "kind": "Service", "metadata": {"name": "web", **metadata}, "spec": {"ports": ports}}


@pytest.mark.parametrize(
    ("live", "merged", "expected"),
    [
        pytest.param(service([{"name": "http", "port": 80}]), service([{"name": "http", "port": 80}]), "", id="same"),
        pytest.param(
            service([{"name": "http", "port": 9899}]),
            service([{"name": "http", "port": 9898}]),
            "spec.ports.http.port\n± value change\n- 9899\n+ 9898\n\n",
            id="list-entry-named-by-name",
        ),
        pytest.param(
            service([], labels={"a": "1"}),
            service([], labels={"b": "2"}),
            "metadata.labels\n- one map entry removed:\n  a: '1'\n\n"
            "metadata.labels\n+ one map entry added:\n  b: '2'\n\n",
            id="map-entries",
        ),
        pytest.param(
            service([{"name": "http", "port": 80}]),
            service([{"name": "http", "port": 80}, {"name": "grpc", "port": 90}]),
            "spec.ports\n+ one list entry added:\n  - name: grpc\n    port: 90\n\n",
            id="named-list-entry-added",
        ),
        pytest.param(
            {"kind": "ConfigMap", "data": {"n": "1"}},
            {"kind": "ConfigMap", "data": {"n": 1}},
            "data.n\n± type change from string to int\n- 1\n+ 1\n\n",
            id="type-change",
        ),
        pytest.param(
            {"kind": "Pod", "spec": {"args": ["a", "b"]}},
            {"kind": "Pod", "spec": {"args": ["b", "a"]}},
            "spec.args\n⇆ order changed\n- a, b\n+ b, a\n\n",
            id="order-change",
        ),
        pytest.param(
            {"kind": "Pod", "metadata": {"resourceVersion": "1", "managedFields": []}, "status": {"phase": "Running"}},
            {"kind": "Pod", "metadata": {"resourceVersion": "2"}, "status": {}},
            "",
            id="server-metadata-and-status-ignored",
        ),
    ],
)
def test_report_lists_each_changed_field_with_old_and_new_values(
    live: Manifest, merged: Manifest, expected: str
) -> None:
    assert report(live, merged) == expected
