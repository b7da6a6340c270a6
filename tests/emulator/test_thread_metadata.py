"""Modifying a thread's metadata over the HTTP routes: the body replaces the whole map (never a
merge), `{}` and `null` clear it, and what breaks the 16/64/512 rules is a 400 that changes nothing."""

import json

import httpx
import pytest
from hypothesis import settings
from hypothesis import strategies as st
from hypothesis.stateful import RuleBasedStateMachine, invariant, rule

SEVENTEEN = {f"k{i}": "v" for i in range(17)}
LONG_KEY = "k" * 65
LONG_VALUE = "v" * 513
FULL = {f"{i:02d}" + "k" * 62: "v" * 512 for i in range(16)}  # 16 pairs, 64-character keys, 512-character values


@pytest.fixture
async def http(emulator_app):
    async with httpx.AsyncClient(transport=httpx.ASGITransport(app=emulator_app), base_url="http://e/api/v1",
                                 headers={"Authorization": "Bearer k"}) as c:
        yield c


async def new_thread(http, metadata=None):
    r = await http.post("/threads", json={"metadata": metadata} if metadata is not None else {})
    assert r.status_code == 200, r.text
    return r.json()["id"]


async def held(http, thread_id):
    r = await http.get(f"/threads/{thread_id}")
    assert r.status_code == 200, r.text
    return r.json()["metadata"]


async def test_an_update_replaces_the_whole_map(http):
    thread_id = await new_thread(http, {"a": "1", "b": "2"})
    r = await http.post(f"/threads/{thread_id}", json={"metadata": {"b": "changed", "c": "3"}})
    assert r.status_code == 200
    assert r.json()["metadata"] == {"b": "changed", "c": "3"}  # "a" is gone: replaced, not merged
    assert r.json()["id"] == thread_id and r.json()["object"] == "thread"
    assert await held(http, thread_id) == {"b": "changed", "c": "3"}


@pytest.mark.parametrize("body", [{"metadata": {}}, {"metadata": None}], ids=["empty", "null"])
async def test_empty_or_null_metadata_clears(http, body):
    thread_id = await new_thread(http, {"a": "1", "b": "2"})
    r = await http.post(f"/threads/{thread_id}", json=body)
    assert r.status_code == 200 and r.json()["metadata"] == {}
    assert await held(http, thread_id) == {}


async def test_an_update_touches_only_that_thread_and_not_its_messages(http):
    thread_id, other = await new_thread(http, {"a": "1"}), await new_thread(http, {"a": "1"})
    message = (await http.post(f"/threads/{thread_id}/messages", json={"content": "x", "metadata": {"m": "1"}})).json()
    await http.post(f"/threads/{thread_id}", json={"metadata": {"t": "2"}})
    assert await held(http, other) == {"a": "1"}
    assert (await http.get(f"/threads/{thread_id}/messages/{message['id']}")).json()["metadata"] == {"m": "1"}


async def test_the_limits_themselves_are_allowed_and_kept_exactly(http):
    thread_id = await new_thread(http)
    r = await http.post(f"/threads/{thread_id}", json={"metadata": FULL})
    assert r.status_code == 200, r.text
    assert await held(http, thread_id) == FULL
    assert all(len(k) == 64 for k in FULL) and len(FULL) == 16


@pytest.mark.parametrize(("metadata", "message"), [
    (SEVENTEEN, "metadata has 17 pairs; at most 16 are allowed"),
    ({LONG_KEY: "v"}, f"metadata key {LONG_KEY[:20]!r}… is 65 characters; at most 64 are allowed"),
    ({"big": LONG_VALUE}, "metadata value of 'big' is 513 characters; at most 512 are allowed"),
    ({"n": 5}, "metadata value of 'n' must be a string, not int"),
    ({"": "v"}, "metadata keys must be non-empty strings"),
    (["a"], "metadata must be a JSON object of string keys to string values"),
], ids=["17-pairs", "65-key", "513-value", "number", "empty-key", "not-an-object"])
async def test_what_breaks_the_rules_is_a_400_naming_it_and_changes_nothing(http, metadata, message):
    thread_id = await new_thread(http, {"keep": "me"})
    r = await http.post(f"/threads/{thread_id}", json={"metadata": metadata})
    assert r.status_code == 400
    body = r.json()
    assert set(body) == {"code", "message", "request_id"}
    assert (body["code"], body["message"]) == ("InvalidParameter", message)
    assert await held(http, thread_id) == {"keep": "me"}


async def test_updating_a_thread_that_is_not_there_is_a_404(http):
    r = await http.post("/threads/thread_missing", json={"metadata": {"a": "1"}})
    assert r.status_code == 404
    assert (r.json()["code"], r.json()["message"]) == ("NotFound", "thread thread_missing not found")


# -- against a plain model: the map after any sequence of updates is the last one accepted -------

KEYS = st.text(min_size=1, max_size=64)
METADATA = st.dictionaries(KEYS, st.text(max_size=512), max_size=16)
REFUSED = st.sampled_from([SEVENTEEN, {LONG_KEY: "v"}, {"big": LONG_VALUE}, {"n": 1}])


class ThreadMetadataModel(RuleBasedStateMachine):
    """Two threads, updated at random over HTTP; the model is a dict per thread."""

    def __init__(self):
        super().__init__()
        import tempfile
        from pathlib import Path

        from starlette.testclient import TestClient

        from tui.emulator import create_app

        self.dir = tempfile.TemporaryDirectory()
        self.app = create_app(Path(self.dir.name) / "model.sqlite3")
        self.http = TestClient(self.app, base_url="http://e/api/v1", headers={"Authorization": "Bearer k"})
        self.model = {}
        for _ in range(2):
            self.model[self.http.post("/threads", json={}).json()["id"]] = {}

    def teardown(self):
        self.http.close()
        self.app.storage.close()
        self.dir.cleanup()

    def thread(self, index):
        return list(self.model)[index % len(self.model)]

    @rule(index=st.integers(0, 1), metadata=METADATA)
    def replace(self, index, metadata):
        thread_id = self.thread(index)
        r = self.http.post(f"/threads/{thread_id}", content=json.dumps({"metadata": metadata}))
        assert r.status_code == 200, r.text
        assert r.json()["metadata"] == metadata
        self.model[thread_id] = metadata

    @rule(index=st.integers(0, 1), body=st.sampled_from(['{"metadata": {}}', '{"metadata": null}']))
    def clear(self, index, body):
        assert self.http.post(f"/threads/{self.thread(index)}", content=body).status_code == 200
        self.model[self.thread(index)] = {}

    @rule(index=st.integers(0, 1), metadata=REFUSED)
    def refused(self, index, metadata):
        r = self.http.post(f"/threads/{self.thread(index)}", json={"metadata": metadata})
        assert r.status_code == 400 and r.json()["code"] == "InvalidParameter"

    @invariant()
    def each_thread_holds_its_last_accepted_map(self):
        for thread_id, metadata in self.model.items():
            assert self.http.get(f"/threads/{thread_id}").json()["metadata"] == metadata


ThreadMetadataModel.TestCase.settings = settings(max_examples=30, stateful_step_count=15, deadline=None,
                                                 derandomize=True)
test_thread_metadata_matches_the_model = ThreadMetadataModel.TestCase
