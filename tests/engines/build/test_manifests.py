"""Built documents that stop parsing after decryption and substitution fail without quoting what they hold."""

from __future__ import annotations

import pytest

from reflow.api.meta import Manifest
from reflow.engines.build import InvalidManifest, SubstitutionFailed
from reflow.engines.build.manifests import build_objects
from reflow.engines.build.spec import Substitution

SECRET = (
    "apiVersion: v1\nkind: Secret\nmetadata:\n  name: {name}\n  namespace: apps\nstringData:\n  password: {value}\n"
)


def chain(error: BaseException | None) -> str:
    """The messages of an error and of everything it was raised from, as a log with a traceback shows them."""
    text = ""
    while error is not None:
        text += f"{error!s} {error!r}\n"
        error = error.__cause__ or (None if error.__suppress_context__ else error.__context__)
    return text


@pytest.mark.parametrize(
    ("name", "value", "variables", "message"),
    [
        pytest.param("${NAME}", "hunter2", {"NAME": ""}, r"without metadata\.name", id="name-emptied"),
        pytest.param("db", "${X}!hunter2", {"X": ""}, r"a tagged value is not valid at line 7", id="unknown-tag"),
        pytest.param("db", "${X}hunter2", {"X": "!!int "}, "a tagged value is not valid", id="int-tag"),
        pytest.param("db", "${X}hunter2", {"X": "!!timestamp "}, "a tagged value is not valid", id="timestamp-tag"),
        pytest.param("db", "${X}hunter2", {"X": "!!binary "}, "a tagged value is not valid at line 7", id="binary-tag"),
        pytest.param("db", "hunter2${X}", {"X": ": bad"}, r"line 7, column 20", id="mapping-in-value"),
        pytest.param("db", "${X}{hunter2", {"X": ""}, r"at line 8, column 1", id="unclosed-flow"),
        pytest.param("db", "pw${hunter2}", {"X": ""}, r"a variable is not set \(strict mode\)", id="unset-variable"),
    ],
)
def test_a_secret_broken_by_substitution_is_named_not_quoted(
    name: str, value: str, variables: dict[str, str], message: str
) -> None:
    stream = SECRET.format(name=name, value=value)
    with pytest.raises((SubstitutionFailed, InvalidManifest), match=message) as caught:
        build_objects(stream, Substitution(variables=variables, strict=True))
    assert str(caught.value).startswith("Secret/apps/")
    assert "hunter2" not in chain(caught.value)


def test_a_decrypted_object_broken_by_substitution_is_named_not_quoted() -> None:
    stream = "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: conf\ndata:\n  token: ENC[AES256_GCM,data:x]\n"

    def decrypt(manifest: Manifest) -> Manifest:
        return {**manifest, "data": {"token": "pw${hunter2}"}}

    with pytest.raises(SubstitutionFailed, match=r"^ConfigMap/conf: .*a variable is not set") as caught:
        build_objects(stream, Substitution(variables={"X": "1"}, strict=True), decrypt)
    assert "hunter2" not in chain(caught.value)


def test_an_unset_variable_in_a_plain_object_is_named() -> None:
    stream = "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: conf\ndata:\n  region: ${cluster_region}\n"
    with pytest.raises(SubstitutionFailed, match=r'^ConfigMap/conf: .*"cluster_region"'):
        build_objects(stream, Substitution(variables={"X": "1"}, strict=True))
