"""`threadscope export` writes exactly what the server sent, a page at a time, from a process that
loads nothing of the TUI or the server (its start is part of every export's time)."""

import json
import subprocess
import sys

import httpx
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from tests.conftest import no_sleep
from tui.api import DashScopeClient, ProtocolError

THREAD = "thread_0123456789abcdef"
NOT_FOR_EXPORT = ("textual", "tui.app", "tui.screens", "tui.widgets", "tui.session", "tui.emulator", "uvicorn",
                  "starlette", "rich.markdown")

# The export as a user runs it (`python -m tui export …`), then the modules it loaded.
EXPORT_THEN_MODULES = """
import runpy, sys
names = sys.argv[3:]
sys.argv = ["threadscope", "export", sys.argv[1], "--format", "jsonl", "-o", sys.argv[2]]
try:
    runpy.run_module("tui", run_name="__main__")
except SystemExit as exit:
    assert not exit.code, exit.code
print("loaded:", sorted(n for n in names if any(m == n or m.startswith(n + ".") for m in sys.modules)))
"""


def seeded_thread(storage, count):
    from tui.emulator.storage import message_object

    thread_id = storage.create_thread({"k": "v"})["id"]
    texts = ["plain", "中文 and é", "emoji 😀🎉", 'quote " backslash \\ tab \t newline \n', "\u2028 \x7f </script>"]

    def rows():
        for i in range(count):
            body = message_object(message_id=f"message_{i:06d}", thread_id=thread_id, created_at=1711530000000 + i,
                                  role="user" if i % 2 == 0 else "assistant", text=f"{texts[i % len(texts)]} {i}",
                                  metadata={"i": str(i)} if i % 3 == 0 else None)
            yield {**body, "x_extra": {"n": i, "list": [1, None, True, "é"]}} if i % 7 == 0 else body

    storage.bulk_insert_messages(rows())
    return thread_id


def served_lines(base_url, thread_id):
    """Every message the server lists, oldest first, as `json.dumps` writes it compactly."""
    lines, after = [], None
    with httpx.Client(base_url=base_url, headers={"Authorization": "Bearer k"}) as http:
        while True:
            params = {"limit": 100, "order": "asc", **({"after": after} if after else {})}
            body = http.get(f"/threads/{thread_id}/messages", params=params).json()
            lines += [json.dumps(m, ensure_ascii=False, separators=(",", ":")) + "\n" for m in body["data"]]
            if not body["has_more"]:
                return lines
            after = body["last_id"]


def test_an_export_over_a_socket_is_the_served_json_and_loads_no_tui_or_server(live_server, tmp_path):
    server = live_server()
    thread_id = seeded_thread(server.storage, 250)  # three pages, the last one partly filled
    out = tmp_path / "export.jsonl"
    env = {"DASHSCOPE_HTTP_BASE_URL": server.base_url, "DASHSCOPE_API_KEY": "k", "PATH": "",
           "THREADSCOPE_CONFIG_DIR": str(tmp_path / "config"), "THREADSCOPE_DATA_DIR": str(tmp_path / "data")}
    done = subprocess.run([sys.executable, "-c", EXPORT_THEN_MODULES, thread_id, str(out), *NOT_FOR_EXPORT],
                          capture_output=True, text=True, env=env)
    assert done.returncode == 0, done.stderr
    assert done.stdout.strip().endswith("loaded: []")
    assert "wrote 250 messages" in done.stderr
    assert out.read_text(encoding="utf-8") == "".join(served_lines(server.base_url, thread_id))


# -- any objects, any page sizes ----------------------------------------------------------------

# Floats are left out: pydantic-core writes some in another notation than json.dumps (1.5e-7, not 1.5e-07).
scalars = st.none() | st.booleans() | st.integers(min_value=-(2**70), max_value=2**70) | st.text(max_size=12)
values = st.recursive(scalars, lambda inner: st.lists(inner, max_size=3) | st.dictionaries(st.text(max_size=5), inner,
                                                                                          max_size=3), max_leaves=8)
objects = st.dictionaries(st.text(max_size=8), values, max_size=4)


def paged(objects, per_page):
    """A server that lists `objects` (each given an id) `per_page` at a time, whatever limit is asked."""
    data = [{"id": f"message_{n}", **obj} for n, obj in enumerate(objects)]

    def handler(request):
        start = int(request.url.params.get("after", "message_-1").removeprefix("message_")) + 1
        chunk = data[start:start + per_page]
        more = start + per_page < len(data)
        return httpx.Response(200, json={"object": "list", "data": chunk, "has_more": more,
                                         "last_id": chunk[-1]["id"] if chunk else None})

    return data, handler


async def export_to(path, handler, fmt):
    from tui.export import write_export

    async with DashScopeClient(api_key="k", base_url="http://fake.test/api/v1", transport=httpx.MockTransport(handler),
                               sleep=no_sleep) as client:
        return await write_export(client, THREAD, fmt, path)


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(objs=st.lists(objects, max_size=12), per_page=st.integers(min_value=1, max_value=5))
async def test_jsonl_and_json_exports_are_what_json_dumps_writes_for_any_objects(tmp_path, objs, per_page):
    data, handler = paged(objs, per_page)
    jsonl, whole = tmp_path / "x.jsonl", tmp_path / "x.json"
    assert await export_to(jsonl, handler, "jsonl") == len(data)
    assert await export_to(whole, handler, "json") == len(data)
    dumped = [json.dumps(m, ensure_ascii=False, separators=(",", ":")) for m in data]
    assert jsonl.read_text(encoding="utf-8") == "".join(line + "\n" for line in dumped)
    assert whole.read_text(encoding="utf-8") == ("[\n" + ",\n".join(dumped) + "\n]\n" if dumped else "[]\n")
    assert json.loads(whole.read_text(encoding="utf-8")) == data


async def test_a_malformed_page_midway_is_a_protocol_error_and_leaves_no_file(tmp_path):
    data, good = paged([{"n": n} for n in range(6)], 2)

    def handler(request):
        if request.url.params.get("after") == "message_3":
            return httpx.Response(200, json={"object": "list", "data": "not a list", "has_more": False})
        return good(request)

    out = tmp_path / "x.jsonl"
    try:
        await export_to(out, handler, "jsonl")
    except ProtocolError as error:
        assert "not a list page" in str(error)
    else:
        raise AssertionError("the export went on past a malformed page")
    assert list(tmp_path.iterdir()) == []


def test_what_orjson_refuses_or_writes_otherwise_is_written_as_json_dumps_would():
    from tui.export import _json_bytes

    for item in ({"n": 2**70, "m": -(2**64)}, {"x": float("nan"), "y": float("-inf"), "z": None},
                 {"deep": [[[[{"a": "null"}]]]]}, {"big": 1e300, "neg": -0.0}):
        assert _json_bytes(item) == json.dumps(item, ensure_ascii=False, separators=(",", ":")).encode("utf-8")
