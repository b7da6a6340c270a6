"""Every route's shape and every error case, over ASGITransport with raw HTTP (no client-side checks)."""

import json
import sqlite3

import httpx
import pytest

MESSAGE_FIELDS = ["id", "object", "created_at", "thread_id", "assistant_id", "run_id", "role", "content",
                  "metadata", "from", "name", "plugin_call", "tool_calls", "status", "request_id"]


@pytest.fixture
async def http(emulator_app):
    async with httpx.AsyncClient(transport=httpx.ASGITransport(app=emulator_app), base_url="http://e/api/v1",
                                 headers={"Authorization": "Bearer k"}) as c:
        yield c


async def new_thread(http):
    return (await http.post("/threads", json={})).json()["id"]


async def test_message_has_every_field_in_reference_order(http):
    thread_id = await new_thread(http)
    r = await http.post(f"/threads/{thread_id}/messages", json={"role": "user", "content": "Who are you", "metadata": {}})
    assert r.status_code == 200
    body = r.json()
    assert list(body) == MESSAGE_FIELDS
    assert body["id"].startswith("message_") and len(body["id"]) == len("message_") + 36
    assert body["object"] == "thread.message" and body["thread_id"] == thread_id
    assert body["content"] == [{"type": "text", "text": {"value": "Who are you", "annotations": []}}]
    assert (body["assistant_id"], body["run_id"], body["from"], body["name"]) == ("", "", "", "")
    assert (body["plugin_call"], body["tool_calls"], body["status"]) == ({}, [], {})
    assert body["created_at"] > 1_700_000_000_000  # milliseconds
    assert r.headers["x-request-id"] == body["request_id"]


@pytest.mark.parametrize("raw", [b"", b'""', b"{}", b"null"])
async def test_empty_thread_bodies_mean_no_fields(http, raw):
    r = await http.post("/threads", content=raw, headers={"Content-Type": "application/json"})
    assert r.status_code == 200
    assert r.json()["metadata"] == {} and r.json()["object"] == "thread"


async def test_thread_create_with_messages_and_file_ids_echoed(http):
    r = await http.post("/threads", json={"messages": [{"role": "user", "content": "a"}, {"content": "b"}]})
    thread_id = r.json()["id"]
    listed = (await http.get(f"/threads/{thread_id}/messages", params={"order": "asc"})).json()
    assert [m["content"][0]["text"]["value"] for m in listed["data"]] == ["a", "b"]
    m = (await http.post(f"/threads/{thread_id}/messages", json={"content": "c", "file_ids": ["file-1"]})).json()
    assert m["file_ids"] == ["file-1"]


async def test_list_shape_and_default_limit_and_order(http):
    thread_id = await new_thread(http)
    ids = [(await http.post(f"/threads/{thread_id}/messages", json={"content": str(i)})).json()["id"] for i in range(25)]
    body = (await http.get(f"/threads/{thread_id}/messages")).json()
    assert list(body) == ["object", "data", "first_id", "last_id", "has_more", "request_id"]
    assert [m["id"] for m in body["data"]] == ids[::-1][:20]
    assert body["has_more"] is True and body["first_id"] == ids[-1] and body["last_id"] == ids[5]
    empty_thread = await new_thread(http)
    empty = (await http.get(f"/threads/{empty_thread}/messages")).json()
    assert (empty["data"], empty["first_id"], empty["last_id"], empty["has_more"]) == ([], None, None, False)


async def test_modify_replaces_metadata_and_null_clears(http):
    thread_id = await new_thread(http)
    m = (await http.post(f"/threads/{thread_id}/messages", json={"content": "x", "metadata": {"a": "1", "b": "2"}})).json()
    r = await http.post(f"/threads/{thread_id}/messages/{m['id']}", json={"metadata": {"c": "3"}})
    assert r.json()["metadata"] == {"c": "3"}
    r = await http.post(f"/threads/{thread_id}/messages/{m['id']}", json={"metadata": None})
    assert r.json()["metadata"] == {}
    assert (await http.get(f"/threads/{thread_id}/messages/{m['id']}")).json()["metadata"] == {}


async def test_metadata_filter(http):
    thread_id = await new_thread(http)
    for i in range(6):
        await http.post(f"/threads/{thread_id}/messages", json={"content": str(i), "metadata": {"odd": str(i % 2), "x": "y"}})
    r = await http.get(f"/threads/{thread_id}/messages", params={"metadata": json.dumps({"odd": "1", "x": "y"}), "order": "asc"})
    assert [m["content"][0]["text"]["value"] for m in r.json()["data"]] == ["1", "3", "5"]


@pytest.mark.parametrize(
    ("method", "path", "kwargs", "status", "code", "words"),
    [
        ("POST", "/threads/{t}/messages", {"json": {"content": "x", "role": "assistant"}}, 400, "InvalidParameter", "role must be 'user'"),
        ("POST", "/threads/{t}/messages", {"json": {"content": ""}}, 400, "InvalidParameter", "content must be a non-empty"),
        ("POST", "/threads/{t}/messages", {"json": {"content": "x", "metadata": {f"k{i}": "v" for i in range(17)}}}, 400, "InvalidParameter", "at most 16"),
        ("POST", "/threads/{t}/messages", {"json": {"content": "x", "metadata": {"k" * 65: "v"}}}, 400, "InvalidParameter", "at most 64"),
        ("POST", "/threads/{t}/messages", {"json": {"content": "x", "metadata": {"k": 5}}}, 400, "InvalidParameter", "must be a string"),
        ("POST", "/threads/{t}/messages", {"content": b"{not json", "headers": {"Content-Type": "application/json"}}, 400, "InvalidParameter", "not valid JSON"),
        ("POST", "/threads/{t}/messages", {"content": b"[1]", "headers": {"Content-Type": "application/json"}}, 400, "InvalidParameter", "must be a JSON object"),
        ("POST", "/threads/{t}/messages", {"content": b'{"content":"' + b"x" * (1024 * 1024) + b'"}'}, 413, "RequestTooLarge", "larger than"),
        ("GET", "/threads/{t}/messages?limit=0", {}, 400, "InvalidParameter", "limit must be"),
        ("GET", "/threads/{t}/messages?limit=101", {}, 400, "InvalidParameter", "limit must be"),
        ("GET", "/threads/{t}/messages?limit=ten", {}, 400, "InvalidParameter", "limit must be"),
        ("GET", "/threads/{t}/messages?order=sideways", {}, 400, "InvalidParameter", "order must be"),
        ("GET", "/threads/{t}/messages?after=message_nope", {}, 400, "InvalidParameter", "after=message_nope"),
        ("GET", "/threads/{t}/messages?before=message_nope", {}, 400, "InvalidParameter", "before=message_nope"),
        ("GET", "/threads/{t}/messages?metadata=nope", {}, 400, "InvalidParameter", "metadata filter"),
        ("GET", "/threads/thread_missing/messages", {}, 404, "NotFound", "thread thread_missing not found"),
        ("POST", "/threads/thread_missing/messages", {"json": {"content": "x"}}, 404, "NotFound", "not found"),
        ("GET", "/threads/{t}/messages/message_missing", {}, 404, "NotFound", "not found"),
        ("GET", "/threads/thread_missing", {}, 404, "NotFound", "not found"),
        ("DELETE", "/threads/thread_missing", {}, 404, "NotFound", "not found"),
        ("GET", "/nowhere", {}, 404, "NotFound", "no such route"),
        ("PATCH", "/threads/{t}/messages", {}, 405, "MethodNotAllowed", "not allowed"),
    ],
)
async def test_errors_have_status_code_message_request_id(http, method, path, kwargs, status, code, words):
    thread_id = await new_thread(http)
    r = await http.request(method, path.replace("{t}", thread_id), **kwargs)
    assert r.status_code == status
    assert r.headers["content-type"].startswith("application/json")
    body = r.json()
    assert set(body) == {"code", "message", "request_id"}
    assert body["code"] == code
    assert words in body["message"]
    assert body["request_id"]


async def test_message_of_another_thread_is_not_found_and_not_a_cursor(http):
    a, b = await new_thread(http), await new_thread(http)
    m = (await http.post(f"/threads/{a}/messages", json={"content": "x"})).json()
    assert (await http.get(f"/threads/{b}/messages/{m['id']}")).status_code == 404
    assert (await http.post(f"/threads/{b}/messages/{m['id']}", json={"metadata": {}})).status_code == 404
    assert (await http.get(f"/threads/{b}/messages", params={"after": m["id"]})).status_code == 400


@pytest.mark.parametrize("header", [None, "", "Bearer", "Bearer   ", "Basic abc"])
async def test_missing_or_empty_bearer_is_401(emulator_app, header):
    headers = {"Authorization": header} if header is not None else {}
    async with httpx.AsyncClient(transport=httpx.ASGITransport(app=emulator_app), base_url="http://e/api/v1") as c:
        r = await c.post("/threads", json={}, headers=headers)
    assert r.status_code == 401 and r.json()["code"] == "InvalidApiKey"


async def test_api_key_restricts_to_that_key(tmp_path):
    from tui.emulator import create_app

    app = create_app(tmp_path / "k.sqlite3", api_key="right")
    async with httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://e/api/v1") as c:
        assert (await c.post("/threads", json={}, headers={"Authorization": "Bearer wrong"})).status_code == 401
        assert (await c.post("/threads", json={}, headers={"Authorization": "Bearer right"})).status_code == 200


async def test_delete_thread_removes_messages(http, emulator_app):
    thread_id = await new_thread(http)
    await http.post(f"/threads/{thread_id}/messages", json={"content": "x"})
    r = await http.delete(f"/threads/{thread_id}")
    assert r.status_code == 200
    assert {k: v for k, v in r.json().items() if k != "request_id"} == {"id": thread_id, "object": "thread.deleted", "deleted": True}
    assert emulator_app.storage.count_messages(thread_id) == 0


async def test_head_is_get_without_the_body_and_405_where_there_is_no_get(http):
    thread_id = await new_thread(http)
    got = await http.get(f"/threads/{thread_id}")
    head = await http.head(f"/threads/{thread_id}")
    assert head.status_code == 200 and head.content == b""
    assert int(head.headers["content-length"]) == len(got.content)
    assert head.headers["content-type"] == "application/json" and head.headers["x-request-id"]
    assert (await http.head("/threads")).status_code == 405  # create only: POST


async def test_repeated_query_parameter_last_wins_and_blank_is_the_default(http):
    thread_id = await new_thread(http)
    for i in range(3):
        await http.post(f"/threads/{thread_id}/messages", json={"content": str(i)})
    r = await http.get(f"/threads/{thread_id}/messages?limit=1&limit=2&order=")
    assert r.status_code == 200 and len(r.json()["data"]) == 2
    assert r.json()["data"][0]["content"][0]["text"]["value"] == "2"  # blank order: the default, newest first


async def test_an_emulator_bug_is_a_500_in_dashscope_shape_and_a_log_record(http, emulator_app, caplog, monkeypatch):
    thread_id = await new_thread(http)

    def broken(*args, **kwargs):
        raise RuntimeError("disk on fire")

    monkeypatch.setattr(emulator_app.storage, "get_thread", broken)
    with caplog.at_level("ERROR", logger="tui.emulator.app"):
        r = await http.get(f"/threads/{thread_id}")
    assert r.status_code == 500
    body = r.json()
    assert body["code"] == "InternalError" and body["message"] == "the emulator failed: RuntimeError"
    assert r.headers["x-request-id"] == body["request_id"]
    assert any("disk on fire" in (record.exc_text or "") for record in caplog.records)
    assert (await http.post(f"/threads/{thread_id}/messages", json={"content": "still fine"})).status_code == 200


async def test_lifespan_is_answered_and_a_client_gone_mid_body_gets_no_answer(emulator_app):
    sent = []

    async def send(message):
        sent.append(message)

    lifespan = iter([{"type": "lifespan.startup"}, {"type": "lifespan.shutdown"}])

    async def receive_lifespan():
        return next(lifespan)

    await emulator_app({"type": "lifespan"}, receive_lifespan, send)
    assert [m["type"] for m in sent] == ["lifespan.startup.complete", "lifespan.shutdown.complete"]

    sent.clear()

    async def hang_up():
        return {"type": "http.disconnect"}

    scope = {"type": "http", "method": "POST", "path": "/api/v1/threads", "query_string": b"",
             "headers": [(b"authorization", b"Bearer k"), (b"content-type", b"application/json")]}
    await emulator_app(scope, hang_up, send)
    assert sent == []
    with sqlite3.connect(emulator_app.storage.path) as db:
        assert db.execute("SELECT count(*) FROM threads").fetchone() == (0,)  # nothing done for nobody
