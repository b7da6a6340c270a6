"""A conversation in a real 80×24 terminal (tmux): from the ledger, paged, E, c, D, escape and ctrl+c."""

import json
import sys

import pytest

from tui.emulator.demo_conversations import LONG_CHAT, LONG_SIZE

from .term import Term, have_tmux
from .test_terminal import cli

pytestmark = pytest.mark.skipif(not have_tmux(), reason="tmux is not installed")


@pytest.fixture
def small_term(isolated_user_dirs):
    env = {"THREADSCOPE_DATA_DIR": str(isolated_user_dirs / "data"),
           "THREADSCOPE_CONFIG_DIR": str(isolated_user_dirs / "config"), "TEXTUAL_ANIMATIONS": "none"}
    terminal = Term([sys.executable, "-m", "tui"], env, width=80, height=24)
    terminal.env = env
    yield terminal
    terminal.close()


def test_a_conversation_from_the_ledger_paged_edited_added_to_and_deleted_from(small_term):
    term = small_term
    term.wait_for("Load test")  # the ledger lists the demo conversations after the six demo threads
    term.keys(*["Down"] * 7, "Enter")
    term.wait_for("1–7 · newest first")  # page_size auto: the 7 rows an 80×24 terminal shows
    term.keys("n")
    term.wait_for("8–14 · newest first")
    term.keys("E")
    term.wait_for("1 pair · no change")  # the editor, with the conversation's own metadata
    term.keys("Escape")  # nothing changed: escape closes it at once
    wait_gone(term, "Edit metadata · ")
    term.keys("E")
    term.wait_for("1 pair · no change")
    term.keys("C-n")
    term.type("reviewer")
    term.keys("Tab")
    term.type("alice")
    term.wait_for("added reviewer")
    term.keys("C-s")
    term.wait_for("+ reviewer = alice")
    term.keys("Enter")
    term.wait_for("Now 2 pairs: app=load-test")
    term.keys("c")
    term.wait_for("New item")
    term.type("Is it shipped yet?")
    term.wait_for("▊ Is it shipped yet?")  # in the text area, as a person sees it before sending
    term.keys("C-s")
    term.wait_for("Posted")
    term.wait_for("▶ user  ")  # the compose form has closed: the list is back
    term.wait_for("Is it shipped yet?")  # the new item, at the top of the newest page
    term.keys("D")
    term.wait_for("Its JSON is kept in the journal")
    term.keys("Escape")  # kept
    wait_gone(term, "Its JSON is kept")
    term.keys("D")
    term.wait_for("Its JSON is kept in the journal")
    term.keys("d")
    term.wait_for("Deleted")  # the notice (it wraps before the id at this width)
    term.keys("E")
    term.wait_for("2 pairs · no change")
    term.keys("C-n")
    term.type("draft")
    term.wait_for("added draft")
    term.keys("C-c")  # an unsaved edit: ctrl+c asks first
    term.wait_for("Quit with an unsaved edit?")
    term.keys("q")
    assert term.wait_dead()
    conversation = json.loads(cli(term, "conversations", "get", LONG_CHAT, "--json"))
    assert conversation["metadata"] == {"app": "load-test", "reviewer": "alice"}
    items = [json.loads(line) for line in cli(term, "items", "list", LONG_CHAT, "--all", "--json").splitlines()]
    texts = [part["text"] for item in items for part in item["content"]]
    assert len(items) == LONG_SIZE and "Is it shipped yet?" not in texts  # added once, then deleted
    journal = [json.loads(line) for line in (term_path(term) / "journal.jsonl").read_text().splitlines()]
    deleted = [r for r in journal if r.get("kind") == "delete"]
    assert len(deleted) == 1 and deleted[0]["deleted"]["content"][0]["text"] == "Is it shipped yet?"


def wait_gone(term, text, timeout=30.0):
    """Until the screen no longer shows `text` (a dialog closed): the next key then reaches the browser."""
    import time

    deadline = time.monotonic() + timeout
    while text in term.screen():
        assert time.monotonic() < deadline, f"{text!r} never went away"
        time.sleep(0.1)


def term_path(term):
    from pathlib import Path

    return Path(term.env["THREADSCOPE_DATA_DIR"])


def test_text_and_ctrl_s_in_one_burst_post_the_whole_text(small_term):
    """A paste or a fast typist: ctrl+s arrives in the same read as the text and must not act before it."""
    term = small_term
    term.wait_for("Load test")
    term.keys(*["Down"] * 7, "Enter")
    term.wait_for("1–7 · newest first")
    term.keys("c")
    term.wait_for("New item")
    term.burst("Sent in one burst", "C-s")
    assert term.wait_for("Posted", timeout=15), term.screen()
    term.wait_for("▶ user  ")
    assert "Sent in one burst" in term.wait_for("Sent in one burst")
