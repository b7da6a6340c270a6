"""The database: durability under kill -9, index-only paging on huge threads, deterministic demo data."""

import json
import signal
import subprocess
import sys
import textwrap

import httpx

from tui.emulator.demo import AGENT_LOOP, DEMO_THREADS, LOOP_SIZE
from tui.emulator.storage import Storage, message_object

WRITER = textwrap.dedent(
    """
    import sys
    from tui.emulator.storage import Storage, message_object, new_message_id, now_ms
    storage = Storage(sys.argv[1])
    thread = storage.create_thread()["id"]
    print("thread", thread, flush=True)
    i = 0
    while True:
        m = message_object(message_id=new_message_id(), thread_id=thread, created_at=now_ms(), role="user", text=str(i))
        storage.add_message(m)
        print("ack", m["id"], flush=True)  # acknowledged only after the commit returned
        i += 1
    """
)


def test_acknowledged_writes_survive_sigkill(tmp_path):
    db = tmp_path / "durable.sqlite3"
    proc = subprocess.Popen([sys.executable, "-c", WRITER, str(db)], stdout=subprocess.PIPE, text=True)
    acked = []
    thread_id = proc.stdout.readline().split()[1]
    for line in proc.stdout:
        acked.append(line.split()[1])
        if len(acked) == 300:
            proc.send_signal(signal.SIGKILL)
            break
    proc.wait()
    assert proc.returncode == -signal.SIGKILL
    storage = Storage(db)
    page = storage.list_messages(thread_id, limit=100, order="asc")
    stored = {json.loads(b)["id"] for b in page.bodies}
    seen_ids = set()
    cursor = None
    while True:
        page = storage.list_messages(thread_id, limit=100, order="asc", after=cursor)
        seen_ids |= {json.loads(b)["id"] for b in page.bodies}
        if not page.has_more:
            break
        cursor = page.last_id
    assert stored <= seen_ids
    assert set(acked) <= seen_ids


def test_deep_pages_use_the_index(tmp_path):
    storage = Storage(tmp_path / "big.sqlite3")
    thread_id = storage.create_thread()["id"]
    other = storage.create_thread()["id"]
    n = 200_000

    def rows():
        for i in range(n):
            yield message_object(message_id=f"message_{i:08d}", thread_id=thread_id if i % 10 else other,
                                 created_at=1_711_530_000_000 + i // 50, role="user", text=f"m{i}")

    assert storage.bulk_insert_messages(rows()) == n
    deep = "message_00150001"
    for order in ("asc", "desc"):
        for after in (None, deep):
            plan = " | ".join(storage.explain_list(thread_id, order=order, after=after))
            assert "USING INDEX messages_by_thread" in plan or "USING COVERING INDEX messages_by_thread" in plan, plan
            assert "SCAN messages" not in plan, plan
            assert "TEMP B-TREE" not in plan, plan
    # And the pages themselves are right at depth: exclusive cursor, requested order.
    page = storage.list_messages(thread_id, limit=3, order="asc", after=deep)
    assert [json.loads(b)["id"] for b in page.bodies] == ["message_00150002", "message_00150003", "message_00150004"]
    page = storage.list_messages(thread_id, limit=2, order="desc", after=deep)
    assert [json.loads(b)["id"] for b in page.bodies] == ["message_00149999", "message_00149998"]


async def test_demo_data_is_deterministic(tmp_path):
    from tui.emulator import create_app

    dumps = []
    for name in ("a", "b"):
        app = create_app(tmp_path / f"{name}.sqlite3", demo_data=True)
        async with httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://e/api/v1",
                                     headers={"Authorization": "Bearer k"}) as c:
            listing = {}
            for thread_id, _ in DEMO_THREADS:
                body = (await c.get(f"/threads/{thread_id}/messages", params={"limit": 100, "order": "asc"})).json()
                body.pop("request_id")
                listing[thread_id] = body
        dumps.append(json.dumps(listing, sort_keys=True))
    assert dumps[0] == dumps[1]
    loop = json.loads(dumps[0])[AGENT_LOOP]
    assert loop["has_more"] is True


def test_demo_has_what_the_ui_needs(tmp_path):
    from tui.emulator.demo import seed_demo

    storage = Storage(tmp_path / "demo.sqlite3")
    assert seed_demo(storage) is True
    assert seed_demo(storage) is False  # idempotent
    assert storage.count_messages(AGENT_LOOP) == LOOP_SIZE
    bodies = []
    for thread_id, _ in DEMO_THREADS:
        cursor = None
        while True:
            page = storage.list_messages(thread_id, limit=100, order="asc", after=cursor)
            bodies += [json.loads(b) for b in page.bodies]
            if not page.has_more:
                break
            cursor = page.last_id
    assistants = [b for b in bodies if b["role"] == "assistant"]
    assert assistants and all(b["assistant_id"].startswith("asst_") and b["run_id"].startswith("run_") for b in assistants)
    assert any(b["tool_calls"] for b in bodies)
    assert any(b["plugin_call"] for b in bodies)
    assert any(b["content"][0]["text"]["annotations"] for b in bodies)
    assert any("```" in b["content"][0]["text"]["value"] and "|---|" in b["content"][0]["text"]["value"] for b in bodies)
    assert any("退款" in b["content"][0]["text"]["value"] for b in bodies)
    assert any(b["metadata"] for b in bodies)
    assert storage.count_messages(DEMO_THREADS[-1][0]) == 0
