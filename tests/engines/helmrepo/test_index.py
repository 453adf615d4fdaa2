"""The index's address, revision and checks, and the index cache, with plain data."""

from __future__ import annotations

import hashlib

import pytest

from reflow.engines.helmrepo import IndexCache, InvalidIndex, InvalidURL, index_url, load_index, revision

INDEX = b"""apiVersion: v1
entries:
  web:
  - name: web
    version: 1.2.0
    urls: [web-1.2.0.tgz]
  - name: web
  - version: 0.1.0
generated: "2026-01-01T00:00:00Z"
"""


def test_index_url_appends_the_file_to_the_path() -> None:
    assert index_url("https://charts.example.com/") == "https://charts.example.com/index.yaml"
    assert index_url("http://127.0.0.1:8080/a/b//") == "http://127.0.0.1:8080/a/b/index.yaml"
    assert index_url("https://h/repo?x=1") == "https://h/repo/index.yaml?x=1"


@pytest.mark.parametrize("url", ["oci://ghcr.io/charts", "ftp://h/x", "https:///nohost"])
def test_index_url_refuses_what_is_not_an_http_repository(url: str) -> None:
    with pytest.raises(InvalidURL):
        index_url(url)


def test_revision_is_the_sha256_of_the_fetched_bytes() -> None:
    assert revision(INDEX) == "sha256:" + hashlib.sha256(INDEX).hexdigest()
    assert revision(INDEX + b"\n") != revision(INDEX)


def test_load_index_keeps_chart_versions_that_name_a_chart_and_version() -> None:
    index = load_index(INDEX)
    assert index.api_version == "v1"
    assert [entry["version"] for entry in index.entries["web"]] == ["1.2.0"]


@pytest.mark.parametrize(
    ("data", "said"),
    [
        (b"", "the index is empty"),
        (b"apiVersion: v1\nentries: [\n", "not valid YAML at line"),
        (b"- a\n- b\n", "not a YAML mapping"),
        (b"entries: {}\n", "has no apiVersion"),
        (b"apiVersion: v1\nentries: [a]\n", "entries are not a mapping"),
    ],
)
def test_load_index_says_what_is_wrong(data: bytes, said: str) -> None:
    with pytest.raises(InvalidIndex, match=said):
        load_index(data)


class Clock:
    def __init__(self) -> None:
        self.now = 0.0

    def __call__(self) -> float:
        return self.now


def test_cache_keeps_an_index_until_its_ttl_and_touch_extends_it() -> None:
    clock, index = Clock(), load_index(INDEX)
    cache = IndexCache(2, 10.0, clock=clock)
    assert cache.set("helmrepository/ns/a/index.yaml", index)
    clock.now = 9.0
    assert cache.get("helmrepository/ns/a/index.yaml") is index
    cache.touch("helmrepository/ns/a/index.yaml")
    clock.now = 18.0
    assert cache.get("helmrepository/ns/a/index.yaml") is index
    clock.now = 19.0
    assert cache.get("helmrepository/ns/a/index.yaml") is None
    assert cache.purge() == 1
    assert len(cache) == 0


def test_cache_refuses_new_keys_when_full_of_live_entries_and_size_zero_is_off() -> None:
    clock, index = Clock(), load_index(INDEX)
    cache = IndexCache(1, 10.0, clock=clock)
    assert cache.set("a", index)
    assert not cache.set("b", index)
    assert cache.set("a", index)
    clock.now = 11.0
    assert cache.set("b", index)
    assert cache.get("b") is index
    assert not IndexCache(0, 10.0).set("a", index)
