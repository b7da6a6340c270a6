"""Migrations over real HTTP with the fault injector on the items route: each fault leaves the
conversation with exactly the source's items, in order, once."""

from __future__ import annotations

import pytest

from tui.emulator.faults import parse_faults

from .live import expected_items, migrate, read_back
from .seed import TOOL_CALL, seed_thread

SPECS = [
    {"role": "user", "texts": ["你好，订单 A-1 在哪里？"], "metadata": {"channel": "web"}},
    {"role": "assistant", "texts": [""], "tool_calls": [TOOL_CALL]},
    *({"role": "assistant" if i % 2 else "user", "texts": [f"turn {i} 🎉", f"part two of {i}"]} for i in range(43)),
]



@pytest.mark.parametrize(("fault", "sent"), [
    ("lost", 3),       # written, then a gateway's 504: found in the conversation, not sent again
    ("drop", 3),       # written, then the connection closes unanswered
    ("reset", 4),      # the connection breaks before the server acts: sent again
    ("503", 4),
    ("429", 4),        # Retry-After waited out, then sent again
    ("delay=3s", 4),   # the client's read timeout: the server drops the request, so it is sent again
])
def test_each_fault_on_the_items_route_leaves_every_item_exactly_once(live_server, tmp_path, fault, sent):
    server = live_server(faults="")
    thread_id = seed_thread(server.storage, SPECS, {"team": "support"})
    server.app.rules = parse_faults(f"create_items:{fault}x1")
    (result,) = migrate(server, [thread_id], tmp_path / "record.sqlite3", read_timeout=1.0)
    assert result.error is None and result.verified, result
    assert result.items == 44 and [s["reason"] for s in result.skipped] == ["tool calls"]
    assert read_back(server, result.conversation_id) == expected_items(SPECS)
    assert server.app.seen["create_items"] == sent


def test_a_conversation_deleted_during_the_migration_is_reported(live_server, tmp_path):
    server = live_server(faults="")
    thread_id = seed_thread(server.storage, SPECS)
    server.app.rules = parse_faults("create_items:503x100")  # the first batch never lands
    (first,) = migrate(server, [thread_id], tmp_path / "record.sqlite3", max_tries=2)
    assert first.error and "run the same command again to resume" in first.error
    server.app.rules = []
    from openai import OpenAI

    from .live import compat_url

    with OpenAI(api_key="local", base_url=compat_url(server), max_retries=0) as sdk:
        sdk.conversations.delete(first.conversation_id)
    (second,) = migrate(server, [thread_id], tmp_path / "record.sqlite3")
    assert second.error.startswith(f"conversation {first.conversation_id} is gone (HTTP 404)")
    assert not second.verified
