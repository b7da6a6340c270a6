"""The ledger file: one read per change, so a change saved by another threadscope is never half kept."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from tui.ledger import ThreadLedger


@pytest.fixture
def ledger(tmp_path) -> ThreadLedger:
    ledger = ThreadLedger(tmp_path / "ledger.json", "emulator")
    ledger.record("thread_a", label="a")
    return ledger


@pytest.fixture
def reads(ledger, monkeypatch) -> list[Path]:
    """Every read of the ledger's file, from here on."""
    seen: list[Path] = []
    read_text = Path.read_text

    def counting(self, *args, **kwargs):
        if self == ledger.path:
            seen.append(self)
        return read_text(self, *args, **kwargs)

    monkeypatch.setattr(Path, "read_text", counting)
    return seen


@pytest.mark.parametrize("change", [
    lambda ledger: ledger.record("thread_a", messages_seen=40, touch=False),  # the end of an export
    lambda ledger: ledger.record("thread_b", label="new thread"),
    lambda ledger: ledger.set_label("thread_a", "renamed"),
    lambda ledger: ledger.toggle_pin("thread_a"),
    lambda ledger: ledger.link_conversation("thread_a", "conv_x"),
    lambda ledger: ledger.forget("thread_a"),
    lambda ledger: ledger.seed([("thread_demo", "demo")]),
], ids=["export", "open-new", "label", "pin", "link", "forget", "seed"])
def test_every_change_reads_the_file_once(ledger, reads, change):
    change(ledger)
    assert len(reads) == 1


def test_a_seed_saved_by_another_threadscope_mid_change_is_lost_whole_and_so_seeded_again(ledger, monkeypatch):
    """Last writer wins, but with the entries and the seeded ids of one read: the other app's seeded
    thread is lost together with its mark, so the next seed adds it back (two reads kept the mark alone)."""
    other = ThreadLedger(ledger.path, "emulator")
    read_text = Path.read_text
    interleaved = []

    def other_saves_after_the_first_read(self, *args, **kwargs):
        text = read_text(self, *args, **kwargs)
        if self == ledger.path and not interleaved:
            interleaved.append(True)
            other.seed([("thread_demo", "demo")])
        return text

    monkeypatch.setattr(Path, "read_text", other_saves_after_the_first_read)
    ledger.record("thread_a", messages_seen=40, touch=False)
    monkeypatch.setattr(Path, "read_text", read_text)
    assert [e.thread_id for e in ledger.entries()] == ["thread_a"]  # the other app's save was overwritten
    ledger.seed([("thread_demo", "demo")])
    assert {e.thread_id for e in ledger.entries()} == {"thread_a", "thread_demo"}


def test_a_save_replaces_the_file_whole_and_leaves_no_temporary_file(ledger):
    ledger.record("thread_b")
    document = json.loads(ledger.path.read_text(encoding="utf-8"))
    assert [t["thread_id"] for t in document["threads"]] == ["thread_a", "thread_b"]
    assert not ledger.path.with_suffix(".tmp").exists()


@pytest.mark.parametrize("threads", ["not a list", 7, {"thread_id": "x"}])
def test_a_threads_field_that_is_not_a_list_reads_as_no_entries(tmp_path, threads):
    path = tmp_path / "ledger.json"
    path.write_text(json.dumps({"version": 1, "threads": threads, "seeded": {"emulator": ["thread_x"]}}))
    ledger = ThreadLedger(path, "emulator")
    assert ledger.entries() == []
    ledger.record("thread_a")
    assert [e.thread_id for e in ledger.entries()] == ["thread_a"]
    assert json.loads(path.read_text())["seeded"] == {"emulator": ["thread_x"]}  # kept through the save
