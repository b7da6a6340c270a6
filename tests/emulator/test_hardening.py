"""Hostile input the emulator must refuse with a 400 in the error shape, never a 500 (issue 19, items 10–13, 15)."""

import asyncio
import json
import sqlite3
import threading

import httpx
import pytest

DEEP = ("[" * 5000 + "]" * 5000)
THREAD = "/api/v1/threads/{t}"
CONV = "/compatible-mode/v1/conversations/{c}"


@pytest.fixture
async def http(emulator_app):
    async with httpx.AsyncClient(transport=httpx.ASGITransport(app=emulator_app), base_url="http://e",
                                 headers={"Authorization": "Bearer k", "Content-Type": "application/json"}) as c:
        yield c


async def ids(http):
    thread = (await http.post("/api/v1/threads", json={})).json()["id"]
    message = (await http.post(f"/api/v1/threads/{thread}/messages", json={"content": "x"})).json()["id"]
    conv = (await http.post("/compatible-mode/v1/conversations", json={"items": [{"role": "user", "content": "x"}]})).json()["id"]
    return {"t": thread, "m": message, "c": conv}


def error_of(r):
    body = r.json()
    return body["error"]["message"] if "error" in body else body["message"]


POST_ROUTES = [
    "/api/v1/threads", THREAD, THREAD + "/messages", THREAD + "/messages/{m}",
    "/compatible-mode/v1/conversations", CONV, CONV + "/items",
]


@pytest.mark.parametrize("path", POST_ROUTES)
@pytest.mark.parametrize("body", [DEEP, '{"metadata":' + DEEP + "}", '{"content":' + '{"a":' * 3000 + "1" + "}" * 3001])
async def test_deep_nesting_is_a_400_on_every_post_route(http, path, body):
    r = await http.post(path.format(**await ids(http)), content=body)
    assert r.status_code == 400, r.text
    assert "nested too deeply" in error_of(r)


SURROGATE = "\\ud800"


@pytest.mark.parametrize(("path", "body"), [
    (THREAD + "/messages", '{"content":"a' + SURROGATE + '"}'),
    (THREAD + "/messages", '{"content":"a","metadata":{"k":"' + SURROGATE + '"}}'),
    (THREAD + "/messages/{m}", '{"metadata":{"' + SURROGATE + '":"v"}}'),
    (THREAD, '{"metadata":{"k":"' + SURROGATE + '"}}'),
    ("/compatible-mode/v1/conversations", '{"metadata":{"k":"' + SURROGATE + '"}}'),
    (CONV + "/items", '{"items":[{"role":"user","content":"' + SURROGATE + '"}]}'),
])
async def test_lone_surrogates_in_bodies_are_a_400(http, path, body):
    r = await http.post(path.format(**await ids(http)), content=body)
    assert r.status_code == 400, r.text
    assert "lone surrogate" in error_of(r)


async def test_lone_surrogate_and_huge_metadata_filters_are_a_400(http):
    t = (await ids(http))["t"]
    r = await http.get(f"/api/v1/threads/{t}/messages", params={"metadata": '{"k":"' + SURROGATE + '"}'})
    assert r.status_code == 400 and "metadata filter" in error_of(r)
    huge = json.dumps({f"k{i}": "v" for i in range(1500)})
    r = await http.get(f"/api/v1/threads/{t}/messages", params={"metadata": huge})
    assert r.status_code == 400 and "at most 16" in error_of(r)


async def test_thread_create_with_messages_is_all_or_nothing(http, emulator_app):
    body = '{"metadata":{"probe":"p"},"messages":[{"role":"user","content":"ok"},{"role":"user","content":"' + SURROGATE + '"}]}'
    r = await http.post("/api/v1/threads", content=body)
    assert r.status_code == 400
    r = await http.post("/api/v1/threads", json={"metadata": {"probe": "p"}, "messages": [{"content": "ok"}, {"content": ""}]})
    assert r.status_code == 400
    with sqlite3.connect(emulator_app.storage.path) as db:
        assert db.execute("SELECT count(*) FROM threads").fetchone() == (0,)
        assert db.execute("SELECT count(*) FROM messages").fetchone() == (0,)


def test_thread_create_rolls_back_when_a_message_insert_fails(tmp_path):
    from tui.emulator.storage import Storage, message_object

    storage = Storage(tmp_path / "atomic.sqlite3")
    ok = message_object(message_id="message_1", thread_id="", created_at=1, role="user", text="ok")
    with pytest.raises(sqlite3.IntegrityError):
        storage.create_thread({"probe": "p"}, messages=[ok, dict(ok)])  # the same id twice: the second insert fails
    with sqlite3.connect(storage.path) as db:
        assert db.execute("SELECT count(*) FROM threads").fetchone() == (0,)


@pytest.mark.parametrize("limit", [" 5", "+5", "٥", "1_0", "5 ", "0x5", "-1", "1e1", "5.0"])
@pytest.mark.parametrize("path", ["/api/v1/threads/{t}/messages", CONV + "/items"])
async def test_limit_is_parsed_strictly(http, limit, path):
    r = await http.get(path.format(**await ids(http)), params={"limit": limit})
    assert r.status_code == 400 and "limit must be" in error_of(r)


@pytest.mark.parametrize("role", ["", False, 0, [], "User"])
async def test_message_role_is_parsed_strictly(http, role):
    t = (await ids(http))["t"]
    r = await http.post(f"/api/v1/threads/{t}/messages", json={"role": role, "content": "x"})
    assert r.status_code == 400 and "role must be 'user'" in error_of(r)


@pytest.mark.parametrize(("file_ids", "words"), [(0, "array"), ("f", "array"), ([""], "array"), ([1], "array"),
                                                 ([f"file-{i}" for i in range(10_000)], "at most 10")])
async def test_file_ids_are_parsed_strictly(http, file_ids, words):
    t = (await ids(http))["t"]
    r = await http.post(f"/api/v1/threads/{t}/messages", json={"content": "x", "file_ids": file_ids})
    assert r.status_code == 400 and words in error_of(r)


async def test_two_authorization_headers_the_first_one_counts(tmp_path):
    from tui.emulator import create_app

    app = create_app(tmp_path / "auth.sqlite3", api_key="right")
    async with httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://e") as c:
        for path in ("/api/v1/threads", "/compatible-mode/v1/conversations"):
            first_right = [("Authorization", "Bearer right"), ("Authorization", "Bearer wrong")]
            first_wrong = [("Authorization", "Bearer wrong"), ("Authorization", "Bearer right")]
            assert (await c.post(path, json={}, headers=first_right)).status_code == 200
            assert (await c.post(path, json={}, headers=first_wrong)).status_code == 401


async def test_a_slow_query_does_not_hold_up_other_requests(http, emulator_app, monkeypatch):
    t = (await ids(http))["t"]
    other_answered = threading.Event()
    real = emulator_app.storage.list_messages

    def slow_list(*args, **kwargs):
        # Stands for a filter scanning a huge thread: it waits for another request to be answered meanwhile.
        assert other_answered.wait(timeout=10), "the other request was held up behind the slow query"
        return real(*args, **kwargs)

    monkeypatch.setattr(emulator_app.storage, "list_messages", slow_list)

    async def other():
        r = await http.get(f"/api/v1/threads/{t}")
        other_answered.set()
        return r

    slow, quick = await asyncio.gather(http.get(f"/api/v1/threads/{t}/messages"), other())
    assert (slow.status_code, quick.status_code) == (200, 200)


async def test_a_page_of_huge_messages_is_streamed_whole(http, emulator_app):
    from tui.emulator.storage import message_object

    t = (await ids(http))["t"]
    big = "é" * 300_000  # 600 KB of UTF-8 each: a page of five is streamed, never joined into one string
    emulator_app.storage.bulk_insert_messages(
        message_object(message_id=f"message_big{i}", thread_id=t, created_at=i, role="user", text=big) for i in range(5)
    )
    r = await http.get(f"/api/v1/threads/{t}/messages", params={"order": "asc", "limit": 100})
    assert "content-length" not in r.headers  # sent in parts
    body = r.json()
    assert [m["id"] for m in body["data"]][1:] == [f"message_big{i}" for i in range(5)]
    assert body["data"][1]["content"][0]["text"]["value"] == big
    assert body["request_id"] == r.headers["x-request-id"] and body["has_more"] is False
    small = await http.get(f"/api/v1/threads/{t}/messages", params={"limit": 1})
    assert "content-length" in small.headers
