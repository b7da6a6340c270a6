"""Generated threads, migrated over HTTP and read back with the `openai` SDK, compared under CONTRACT §6."""

from __future__ import annotations

import itertools

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from .live import expected_items, migrate, read_back
from .seed import TOOL_CALL, seed_thread

texts = st.one_of(
    st.just(""),
    st.just("  "),
    st.sampled_from(["你好", "退款 🎉", "👩‍💻 code", "[bold]not markup[/bold]", "line\nbreak"]),
    st.text(max_size=30),
)
messages = st.one_of(
    st.fixed_dictionaries({"role": st.sampled_from(["user", "assistant"]), "texts": st.lists(texts, min_size=1, max_size=3)}),
    st.fixed_dictionaries({"role": st.just("assistant"), "texts": st.just([""]), "tool_calls": st.just([TOOL_CALL])}),
    st.fixed_dictionaries({"role": st.just("assistant"), "texts": st.lists(texts, min_size=1, max_size=2),
                           "tool_calls": st.just([TOOL_CALL])}),
)
runs = itertools.count()



@pytest.fixture(scope="module")
def server(tmp_path_factory):
    """One emulator on a loopback socket for every generated thread."""
    from tests.conftest import LiveServer
    from tui.emulator import create_app

    app = create_app(tmp_path_factory.mktemp("roundtrip") / "emulator.sqlite3")
    live = LiveServer(app, app.storage)
    yield live
    live.stop()


@settings(max_examples=12, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture,
                                                                  HealthCheck.too_slow, HealthCheck.data_too_large])
@given(specs=st.lists(messages, max_size=250), non_text=st.sampled_from(["skip", "as-text"]))
def test_generated_threads_read_back_with_the_openai_sdk_match_the_source(server, tmp_path, specs, non_text):
    thread_id = seed_thread(server.storage, specs)
    (result,) = migrate(server, [thread_id], tmp_path / f"record{next(runs)}.sqlite3", non_text=non_text)
    assert result.error is None and result.verified, result
    assert read_back(server, result.conversation_id) == expected_items(specs, non_text)
