"""The conversation routes (CONTRACT §1b): shapes, paging, validation, atomic writes, the error envelope."""

import json
import sqlite3

import httpx
import pytest

from tui.emulator.errors import COMPAT_PREFIXES

PREFIX = "/compatible-mode/v1"


@pytest.fixture
async def http(emulator_app):
    async with httpx.AsyncClient(transport=httpx.ASGITransport(app=emulator_app), base_url="http://e" + PREFIX,
                                 headers={"Authorization": "Bearer k"}) as c:
        yield c


def item(role, text):
    return {"type": "message", "role": role, "content": text}


async def new_conv(http, items=(), metadata=None):
    r = await http.post("/conversations", json={"items": list(items), "metadata": metadata or {}})
    assert r.status_code == 200, r.text
    return r.json()


async def all_items(http, conv_id, order="asc"):
    r = await http.get(f"/conversations/{conv_id}/items", params={"order": order, "limit": 100})
    return r.json()["data"]


async def test_conversation_shape_ids_and_milliseconds(http):
    r = await http.post("/conversations", json={"metadata": {"topic": "demo"}})
    body = r.json()
    assert list(body) == ["id", "object", "created_at", "metadata"]
    assert body["id"].startswith("conv_") and len(body["id"]) == len("conv_") + 36
    assert body["object"] == "conversation" and body["metadata"] == {"topic": "demo"}
    assert body["created_at"] > 1_700_000_000_000  # milliseconds
    assert r.headers["x-request-id"]
    assert (await http.get(f"/conversations/{body['id']}")).json() == body


@pytest.mark.parametrize("raw", [b"", b"{}", b"null"])
async def test_create_with_no_fields(http, raw):
    r = await http.post("/conversations", content=raw, headers={"Content-Type": "application/json"})
    assert r.status_code == 200 and r.json()["metadata"] == {}
    assert await all_items(http, r.json()["id"]) == []


async def test_string_content_becomes_one_part_by_role_and_parts_are_kept(http):
    parts = [{"type": "input_text", "text": "a"}, {"type": "output_text", "text": "b"}]
    conv = await new_conv(http, [item("system", "be brief"), item("assistant", "ok"),
                                 {"role": "developer", "content": parts}, item("user", "hi")])
    got = await all_items(http, conv["id"])
    assert [(i["role"], i["content"]) for i in got] == [
        ("system", [{"type": "input_text", "text": "be brief"}]),
        ("assistant", [{"type": "output_text", "text": "ok"}]),
        ("developer", parts),
        ("user", [{"type": "input_text", "text": "hi"}]),
    ]
    first = got[0]
    assert list(first) == ["id", "type", "role", "content", "status"]
    assert first["id"].startswith("msg_") and len(first["id"]) == len("msg_") + 36
    assert first["type"] == "message" and first["status"] == "completed"
    one = await http.get(f"/conversations/{conv['id']}/items/{first['id']}")
    assert one.json() == first


async def test_create_items_appends_in_order_and_answers_a_list_without_object(http):
    conv = await new_conv(http, [item("user", "0")])
    r = await http.post(f"/conversations/{conv['id']}/items", json={"items": [item("user", "1"), item("assistant", "2")]})
    body = r.json()
    assert list(body) == ["data", "first_id", "last_id", "has_more"]
    assert [i["content"][0]["text"] for i in body["data"]] == ["1", "2"]
    assert (body["first_id"], body["last_id"], body["has_more"]) == (body["data"][0]["id"], body["data"][1]["id"], False)
    assert [i["content"][0]["text"] for i in await all_items(http, conv["id"])] == ["0", "1", "2"]


async def test_update_replaces_metadata_and_requires_it(http):
    conv = await new_conv(http, metadata={"a": "1", "b": "2"})
    r = await http.post(f"/conversations/{conv['id']}", json={"metadata": {"c": "3"}})
    assert r.json()["metadata"] == {"c": "3"}
    assert (await http.get(f"/conversations/{conv['id']}")).json()["metadata"] == {"c": "3"}
    r = await http.post(f"/conversations/{conv['id']}", json={})
    assert r.status_code == 400 and "metadata is required" in r.json()["error"]["message"]
    r = await http.post(f"/conversations/{conv['id']}", json={"metadata": {}})
    assert r.json()["metadata"] == {}


async def test_delete_conversation_then_it_and_its_items_are_not_found(http, emulator_app):
    conv = await new_conv(http, [item("user", "x")])
    item_id = (await all_items(http, conv["id"]))[0]["id"]
    r = await http.delete(f"/conversations/{conv['id']}")
    assert r.json() == {"id": conv["id"], "object": "conversation.deleted", "deleted": True}
    for path in (f"/conversations/{conv['id']}", f"/conversations/{conv['id']}/items",
                 f"/conversations/{conv['id']}/items/{item_id}"):
        assert (await http.get(path)).status_code == 404
    assert emulator_app.storage.count_items(conv["id"]) == 0


async def test_delete_item(http):
    conv = await new_conv(http, [item("user", "a"), item("user", "b")])
    first = (await all_items(http, conv["id"]))[0]["id"]
    r = await http.delete(f"/conversations/{conv['id']}/items/{first}")
    assert r.json() == {"id": first, "object": "conversation.item.deleted", "deleted": True}
    assert [i["content"][0]["text"] for i in await all_items(http, conv["id"])] == ["b"]
    assert (await http.delete(f"/conversations/{conv['id']}/items/{first}")).status_code == 404


async def test_list_defaults_and_after_follows_the_requested_order(http):
    conv = await new_conv(http)
    ids = []
    for start in range(0, 25, 5):
        r = await http.post(f"/conversations/{conv['id']}/items",
                            json={"items": [item("user", str(n)) for n in range(start, start + 5)]})
        ids += [i["id"] for i in r.json()["data"]]
    body = (await http.get(f"/conversations/{conv['id']}/items")).json()
    assert list(body) == ["object", "data", "first_id", "last_id", "has_more"]
    assert [i["id"] for i in body["data"]] == ids[::-1][:20] and body["has_more"] is True
    asc = (await http.get(f"/conversations/{conv['id']}/items", params={"order": "asc", "after": ids[3], "limit": 2})).json()
    assert [i["id"] for i in asc["data"]] == ids[4:6] and asc["has_more"] is True
    desc = (await http.get(f"/conversations/{conv['id']}/items", params={"after": ids[3]})).json()
    assert [i["id"] for i in desc["data"]] == ids[2::-1] and desc["has_more"] is False
    empty = (await http.get(f"/conversations/{(await new_conv(http))['id']}/items")).json()
    assert (empty["data"], empty["first_id"], empty["last_id"], empty["has_more"]) == ([], None, None, False)


async def test_create_items_is_all_or_nothing(http, emulator_app):
    conv = await new_conv(http, [item("user", "kept")])
    r = await http.post(f"/conversations/{conv['id']}/items", json={"items": [item("user", "ok"), item("robot", "no")]})
    assert r.status_code == 400 and "items[1].role" in r.json()["error"]["message"]
    raw = json.dumps({"items": [item("user", "ok"), item("user", "\ud800")]})  # ASCII escapes: a lone surrogate
    r = await http.post(f"/conversations/{conv['id']}/items", content=raw, headers={"Content-Type": "application/json"})
    assert r.status_code == 400 and "lone surrogate" in r.json()["error"]["message"]
    assert [i["content"][0]["text"] for i in await all_items(http, conv["id"])] == ["kept"]
    r = await http.post("/conversations", json={"metadata": {"probe": "p"}, "items": [item("user", "ok"), {"type": "function_call"}]})
    assert r.status_code == 400
    with sqlite3.connect(emulator_app.storage.path) as db:
        assert db.execute("SELECT count(*) FROM conversations WHERE metadata LIKE '%probe%'").fetchone() == (0,)


BAD = [
    ("POST", "/conversations", {"items": [item("user", "x")] * 21}, 400, "at most 20"),
    ("POST", "/conversations", {"items": "nope"}, 400, "items must be an array"),
    ("POST", "/conversations", {"items": [{"type": "function_call", "role": "user", "content": "x"}]}, 400, "only message items"),
    ("POST", "/conversations", {"items": [{"role": "tool", "content": "x"}]}, 400, "role must be one of"),
    ("POST", "/conversations", {"items": [{"role": "user", "content": ""}]}, 400, "must not be empty"),
    ("POST", "/conversations", {"items": [{"role": "user", "content": []}]}, 400, "non-empty array"),
    ("POST", "/conversations", {"items": [{"role": "user", "content": [{"type": "input_image", "text": "x"}]}]}, 400, "input_text"),
    ("POST", "/conversations", {"items": [{"role": "user", "content": [{"type": "input_text", "text": 5}]}]}, 400, "text must be a string"),
    ("POST", "/conversations", {"metadata": {f"k{i}": "v" for i in range(17)}}, 400, "at most 16"),
    ("POST", "/conversations", {"metadata": {"k" * 65: "v"}}, 400, "at most 64"),
    ("POST", "/conversations", {"metadata": {"k": "v" * 513}}, 400, "at most 512"),
    ("POST", "/conversations/{c}/items", {"items": []}, 400, "at least one"),
    ("POST", "/conversations/{c}/items", {}, 400, "items must be an array"),
    ("GET", "/conversations/{c}/items?limit=0", None, 400, "limit must be"),
    ("GET", "/conversations/{c}/items?limit=101", None, 400, "limit must be"),
    ("GET", "/conversations/{c}/items?order=up", None, 400, "order must be"),
    ("GET", "/conversations/{c}/items?after=msg_nope", None, 400, "after=msg_nope"),
    ("GET", "/conversations/conv_missing", None, 404, "not found"),
    ("POST", "/conversations/conv_missing", {"metadata": {}}, 404, "not found"),
    ("DELETE", "/conversations/conv_missing", None, 404, "not found"),
    ("POST", "/conversations/conv_missing/items", {"items": [item("user", "x")]}, 404, "not found"),
    ("GET", "/conversations/{c}/items/msg_missing", None, 404, "not found"),
    ("GET", "/nowhere", None, 404, "no such route"),
    ("PATCH", "/conversations/{c}", None, 405, "not allowed"),
]


@pytest.mark.parametrize(("method", "path", "body", "status", "words"), BAD)
async def test_errors_use_the_compatible_envelope(http, method, path, body, status, words):
    conv = await new_conv(http)
    r = await http.request(method, path.replace("{c}", conv["id"]), json=body)
    assert r.status_code == status
    assert r.headers["content-type"].startswith("application/json")
    envelope = r.json()
    assert set(envelope) == {"error", "request_id"} and envelope["request_id"] == r.headers["x-request-id"]
    error = envelope["error"]
    assert set(error) == {"message", "type", "code", "param"} and error["param"] is None
    assert error["type"] == "invalid_request_error"
    assert error["code"] == {400: "invalid_parameter_error", 404: "not_found", 405: "method_not_allowed"}[status]
    assert words in error["message"]


async def test_item_of_another_conversation_is_not_found_and_not_a_cursor(http):
    a, b = await new_conv(http, [item("user", "x")]), await new_conv(http)
    item_id = (await all_items(http, a["id"]))[0]["id"]
    assert (await http.get(f"/conversations/{b['id']}/items/{item_id}")).status_code == 404
    assert (await http.delete(f"/conversations/{b['id']}/items/{item_id}")).status_code == 404
    assert (await http.get(f"/conversations/{b['id']}/items", params={"after": item_id})).status_code == 400


async def test_auth_and_body_limit_in_the_compatible_envelope(emulator_app):
    async with httpx.AsyncClient(transport=httpx.ASGITransport(app=emulator_app), base_url="http://e" + PREFIX) as c:
        r = await c.post("/conversations", json={})
        assert r.status_code == 401
        assert r.json()["error"]["code"] == "invalid_api_key" and r.json()["error"]["type"] == "invalid_request_error"
        big = b'{"items":[{"role":"user","content":"' + b"x" * (1024 * 1024) + b'"}]}'
        r = await c.post("/conversations", content=big, headers={"Authorization": "Bearer k"})
        assert r.status_code == 413 and r.json()["error"]["code"] == "request_too_large"


async def test_a_crash_is_a_500_server_error_in_the_compatible_envelope(http, emulator_app, monkeypatch):
    def broken(*args, **kwargs):
        raise RuntimeError("disk on fire")

    monkeypatch.setattr(emulator_app.storage, "get_conversation", broken)
    r = await http.get("/conversations/conv_x")
    assert r.status_code == 500
    assert r.json()["error"] == {"message": "the emulator failed: RuntimeError", "type": "server_error",
                                 "code": "internal_error", "param": None}


@pytest.mark.parametrize("prefix", COMPAT_PREFIXES)
async def test_both_prefixes_serve_the_same_conversations(emulator_app, prefix):
    async with httpx.AsyncClient(transport=httpx.ASGITransport(app=emulator_app), base_url="http://e",
                                 headers={"Authorization": "Bearer k"}) as c:
        conv = (await c.post(f"{COMPAT_PREFIXES[0]}/conversations", json={"items": [item("user", "hi")]})).json()
        r = await c.get(f"{prefix}/conversations/{conv['id']}/items")
        assert r.status_code == 200 and r.json()["data"][0]["content"][0]["text"] == "hi"


def test_deep_pages_and_cursors_use_the_indexes(tmp_path):
    from tui.emulator.conversation_store import item_object
    from tui.emulator.storage import Storage

    storage = Storage(tmp_path / "big.sqlite3")
    conv = storage.create_conversation()["id"]
    other = storage.create_conversation()["id"]
    storage.bulk_insert_items(other, (item_object("user", [{"type": "input_text", "text": "o"}]) for _ in range(5000)))
    items = [item_object("user", [{"type": "input_text", "text": str(i)}], item_id=f"msg_{i:08d}") for i in range(20000)]
    storage.bulk_insert_items(conv, items)
    for order in ("asc", "desc"):
        for after in (None, "msg_00015000"):
            plan = " | ".join(storage.explain_items(conv, order=order, after=after))
            assert "items_by_conversation" in plan, plan
            assert "sqlite_autoindex_items_1" in plan, plan  # the cursor: found through the unique id index
            assert "SCAN" not in plan and "TEMP B-TREE" not in plan, plan
    page = storage.list_items(conv, limit=2, order="desc", after="msg_00015000")
    assert [json.loads(b)["id"] for b in page.bodies] == ["msg_00014999", "msg_00014998"]


async def test_demo_conversations_are_deterministic_and_have_what_the_ui_needs(tmp_path):
    from tui.emulator import create_app
    from tui.emulator.demo_conversations import (
        CN_CHAT,
        DEMO_CONVERSATIONS,
        EMPTY_CHAT,
        LONG_CHAT,
        LONG_SIZE,
        SUPPORT_CHAT,
    )

    listings = []
    for name in ("a", "b"):
        app = create_app(tmp_path / f"{name}.sqlite3", demo_data=True)
        async with httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://e" + PREFIX,
                                     headers={"Authorization": "Bearer k"}) as c:
            listing = {}
            for conv_id, _ in DEMO_CONVERSATIONS:
                listing[conv_id] = [(await c.get(f"/conversations/{conv_id}")).json(),
                                    (await c.get(f"/conversations/{conv_id}/items", params={"limit": 100, "order": "asc"})).json()]
        listings.append(json.dumps(listing, sort_keys=True, ensure_ascii=False))
        assert app.storage.count_items(LONG_CHAT) == LONG_SIZE >= 2000
    assert listings[0] == listings[1]
    listing = json.loads(listings[0])
    assert {"system", "developer", "user", "assistant"} <= {i["role"] for i in listing[SUPPORT_CHAT][1]["data"]}
    assert any("发票" in i["content"][0]["text"] for i in listing[CN_CHAT][1]["data"])
    assert listing[EMPTY_CHAT][1]["data"] == []


def test_seeding_adds_the_conversations_to_a_database_seeded_before_them(tmp_path):
    from tui.emulator.demo import seed_demo
    from tui.emulator.demo_conversations import SUPPORT_CHAT
    from tui.emulator.storage import Storage

    storage = Storage(tmp_path / "old.sqlite3")
    assert seed_demo(storage) is True
    with sqlite3.connect(storage.path) as db:  # as a database from before conversations existed
        db.execute("DELETE FROM conversations")
        db.execute("DELETE FROM items")
    assert seed_demo(storage) is True
    assert storage.get_conversation(SUPPORT_CHAT)["metadata"]["app"] == "shop-support"
    assert seed_demo(storage) is False
