"""No request on bad input gives a 500: arbitrary bodies, content types
and query strings to every endpoint get 200 or a 4xx JSON error."""

from __future__ import annotations

import json

import pytest
from hypothesis import given, settings, strategies as st

from serve_support import EXAMPLE, make_client

ENDPOINTS = ["/v1/explain", "/v1/plan", "/v1/batch", "/cds-services/followup-advice"]
TYPES = ["application/yaml", "application/json", "text/plain", "", "application/x-ndjson",
         "multipart/form-data"]
GOOD = EXAMPLE.read_text("utf-8")

json_values = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False) | st.text(max_size=20),
    lambda inner: st.lists(inner, max_size=4) | st.dictionaries(st.text(max_size=10), inner, max_size=4),
    max_leaves=20)


def mutated(text: str, data: st.DataObject) -> str:
    """The example log with a slice cut out or replaced."""
    i = data.draw(st.integers(0, len(text)))
    j = data.draw(st.integers(i, min(len(text), i + 40)))
    return text[:i] + data.draw(st.text(max_size=12)) + text[j:]


@pytest.fixture(scope="module")
def client(tmp_path_factory):  # one app for every example (one per example would be slow)
    with make_client(tmp_path_factory.mktemp("no500"), max_events=50) as c:
        yield c


@settings(max_examples=120, deadline=None)
@given(data=st.data())
def test_no_bad_input_gives_a_500(client, data):
    kind = data.draw(st.sampled_from(["mutated", "json", "bytes", "cds"]))
    if kind == "mutated":
        body = mutated(GOOD, data).encode("utf-8", "surrogatepass")
    elif kind == "json":
        body = json.dumps(data.draw(json_values)).encode()
    elif kind == "cds":
        body = json.dumps({"hook": "followup-advice", "context": {"log": data.draw(json_values),
                                                                   "at": data.draw(json_values)}}).encode()
    else:
        body = data.draw(st.binary(max_size=200))
    endpoint = data.draw(st.sampled_from(ENDPOINTS))
    query = data.draw(st.sampled_from(["", "?at=2026-11-23T09:00", "?at=" + "9" * 30, "?days=-1",
                                       "?policy=hayes@9.9.9", "?horizon=x", "?from=2026-02-30"]))
    r = client.post(endpoint + query, content=body,
                    headers={"content-type": data.draw(st.sampled_from(TYPES))})
    assert r.status_code < 500, (r.status_code, r.text[:300])
    if r.status_code >= 400:
        assert r.json()["error"]["code"].startswith("RULES-E")
