"""Property-based fuzz of every emulator endpoint: no 5xx, every error in its family's shape
(DashScope's on /api/v1, the OpenAI-compatible envelope on /compatible-mode/v1)."""

import json
import warnings

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

with warnings.catch_warnings():
    warnings.simplefilter("ignore")  # starlette suggests httpx2; plain httpx is what we ship with
    from starlette.testclient import TestClient

from tui.emulator import create_app
from tui.emulator.demo import ORDER_BOT
from tui.emulator.demo_conversations import SUPPORT_CHAT

KNOWN_MESSAGE = "message_b9d179e0-6c0f-44f5-b813-0c4237730edf"


@pytest.fixture(scope="module")
def http(tmp_path_factory):
    app = create_app(tmp_path_factory.mktemp("fuzz") / "fuzz.sqlite3", demo_data=True)
    with TestClient(app, base_url="http://emulator.test", raise_server_exceptions=False) as client:
        yield client


ids = st.one_of(
    st.sampled_from([ORDER_BOT, KNOWN_MESSAGE, "thread_x", "message_", "..", "%2e%2e", "thread_" + "a" * 300]),
    st.text(alphabet=st.characters(blacklist_categories=["Cs"], blacklist_characters="/?#"), min_size=1, max_size=40),
)
json_values = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False) | st.text(max_size=80),
    lambda inner: st.lists(inner, max_size=5) | st.dictionaries(st.text(max_size=70), inner, max_size=20),
    max_leaves=30,
)
bodies = st.one_of(
    json_values.map(lambda v: json.dumps(v).encode()),
    st.fixed_dictionaries({}, optional={
        "content": json_values, "role": st.sampled_from(["user", "assistant", "system", "", None, 7]),
        "metadata": json_values,
    }).map(lambda v: json.dumps(v).encode()),
    st.binary(max_size=200),
)
params = st.dictionaries(
    st.sampled_from(["limit", "order", "after", "before", "metadata", "junk"]),
    st.one_of(st.text(max_size=30), st.integers(-5, 500).map(str), ids),
    max_size=5,
)


def check(response):
    if response is None:
        return  # the generated request cannot even be expressed as HTTP
    assert response.status_code < 500, (response.status_code, response.text[:300])
    assert "x-request-id" in response.headers
    body = response.json()
    compat = "/compatible-mode/" in str(response.request.url)
    if response.status_code >= 400 and compat:
        assert set(body) == {"error", "request_id"} and body["request_id"] == response.headers["x-request-id"], body
        assert set(body["error"]) == {"message", "type", "code", "param"}, body
        assert body["error"]["type"] == "invalid_request_error" and body["error"]["message"], body
    elif response.status_code >= 400:
        assert set(body) == {"code", "message", "request_id"}, body
        assert all(isinstance(body[k], str) and body[k] for k in body), body
    elif not compat:
        assert body["request_id"] == response.headers["x-request-id"]


def send(http, method, url, **kwargs):
    import starlette.testclient

    try:
        return http.request(method, url, **kwargs)
    except (starlette.testclient.httpx.InvalidURL, UnicodeEncodeError):  # httpx or httpx2, as starlette picks
        return None


common = settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])


@common
@given(thread=ids, query=params)
def test_list_messages(http, thread, query):
    check(send(http, "GET", f"/api/v1/threads/{thread}/messages", params=query, headers={"Authorization": "Bearer k"}))


@common
@given(thread=ids, message=ids)
def test_retrieve_message(http, thread, message):
    check(send(http, "GET", f"/api/v1/threads/{thread}/messages/{message}", headers={"Authorization": "Bearer k"}))


@common
@given(thread=st.one_of(st.just(ORDER_BOT), ids), body=bodies)
def test_create_message(http, thread, body):
    check(send(http, "POST", f"/api/v1/threads/{thread}/messages", content=body,
                    headers={"Authorization": "Bearer k", "Content-Type": "application/json"}))


@common
@given(message=st.one_of(st.just(KNOWN_MESSAGE), ids), body=bodies)
def test_modify_message(http, message, body):
    check(send(http, "POST", f"/api/v1/threads/{ORDER_BOT}/messages/{message}", content=body,
                    headers={"Authorization": "Bearer k", "Content-Type": "application/json"}))


@common
@given(thread=ids, body=bodies, method=st.sampled_from(["GET", "POST", "DELETE"]))
def test_threads(http, thread, body, method):
    if method == "DELETE" and thread == ORDER_BOT:
        return  # keep the thread the other properties aim at
    check(send(http, method, f"/api/v1/threads/{thread}", content=body if method == "POST" else None,
                       headers={"Authorization": "Bearer k", "Content-Type": "application/json"}))
    if method == "POST":
        check(send(http, "POST", "/api/v1/threads", content=body, headers={"Authorization": "Bearer k"}))


@common
@given(auth=st.one_of(st.none(), st.text(max_size=40)), path=st.sampled_from(
    ["/api/v1/threads", f"/api/v1/threads/{ORDER_BOT}", f"/api/v1/threads/{ORDER_BOT}/messages"]))
def test_auth_header_variants(http, auth, path):
    headers = {} if auth is None else {"Authorization": auth}
    check(send(http, "GET", path, headers=headers))


CONV = "/compatible-mode/v1/conversations"
item_bodies = st.one_of(
    bodies,
    st.fixed_dictionaries({}, optional={
        "items": st.one_of(json_values, st.lists(st.fixed_dictionaries({}, optional={
            "type": st.sampled_from(["message", "function_call", "", None]),
            "role": st.sampled_from(["user", "assistant", "system", "developer", "tool", "", None, 0]),
            "content": st.one_of(json_values, st.lists(st.fixed_dictionaries(
                {"type": st.sampled_from(["input_text", "output_text", "input_image", 5]), "text": json_values}),
                max_size=3)),
        }), max_size=22)),
        "metadata": json_values,
    }).map(lambda v: json.dumps(v).encode()),
)


@common
@given(conv=st.one_of(st.just(SUPPORT_CHAT), ids), query=params)
def test_list_items(http, conv, query):
    check(send(http, "GET", f"{CONV}/{conv}/items", params=query, headers={"Authorization": "Bearer k"}))


@common
@given(conv=st.one_of(st.just(SUPPORT_CHAT), ids), body=item_bodies)
def test_create_items_and_conversations(http, conv, body):
    headers = {"Authorization": "Bearer k", "Content-Type": "application/json"}
    check(send(http, "POST", f"{CONV}/{conv}/items", content=body, headers=headers))
    check(send(http, "POST", CONV, content=body, headers=headers))


@common
@given(conv=ids, item=ids, body=item_bodies, method=st.sampled_from(["GET", "POST", "DELETE", "PATCH"]))
def test_conversation_and_item_routes(http, conv, item, body, method):
    headers = {"Authorization": "Bearer k", "Content-Type": "application/json"}
    content = body if method == "POST" else None
    check(send(http, method, f"{CONV}/{conv}", content=content, headers=headers))
    check(send(http, method, f"{CONV}/{conv}/items/{item}", content=content, headers=headers))
