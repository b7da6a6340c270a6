"""threadscope in a real terminal (tmux), driven only by the keys of CONTRACT §4."""

import json
import subprocess
import sys

import pytest

from tui.emulator.demo import ORDER_BOT

from .term import Term, have_tmux

pytestmark = pytest.mark.skipif(not have_tmux(), reason="tmux is not installed")

NEWEST = "message_b9d179e0-6c0f-44f5-b813-0c4237730edf"  # ORDER_BOT's newest message (fixed demo ids)


@pytest.fixture
def term(isolated_user_dirs):
    env = {"THREADSCOPE_DATA_DIR": str(isolated_user_dirs / "data"),
           "THREADSCOPE_CONFIG_DIR": str(isolated_user_dirs / "config"), "TEXTUAL_ANIMATIONS": "none"}
    terminal = Term([sys.executable, "-m", "tui"], env)
    terminal.env = env
    yield terminal
    terminal.close()


def cli(term, *args):
    import os

    result = subprocess.run([sys.executable, "-m", "tui", *args], capture_output=True, text=True,
                            env=dict(os.environ, **term.env), timeout=60)
    assert result.returncode == 0, result.stderr
    return result.stdout


def test_open_a_thread_and_copy_an_id_through_the_terminal(term):
    term.wait_for(ORDER_BOT)  # the ledger lists the demo threads
    term.keys("Enter")
    term.wait_for("messages 1–9 · newest first")
    term.wait_for(NEWEST)  # the detail pane (a frame after the list) shows the highlighted message's id
    term.keys("i")
    assert term.clipboard(NEWEST) == NEWEST
    term.keys("Escape")  # back to the ledger; the agent loop is the fifth demo thread
    term.wait_for("Agent loop")
    term.keys("Down", "Down", "Down", "Down", "Enter")
    term.wait_for("messages 1–38 · newest first")  # page_size auto: the 38 rows a 40-line terminal shows
    term.keys("n")
    term.wait_for("messages 39–76 · newest first")
    term.keys(*["j"] * 38)  # held j: off the last row onto the next page
    term.wait_for("messages 77–114 · newest first")
    term.keys("q")
    assert term.wait_dead()


def test_edit_metadata_as_a_user_would(term):
    term.wait_for(ORDER_BOT)
    term.keys("Enter")
    term.wait_for("messages 1–9")
    term.keys("e")
    term.wait_for("0 pairs · no change")  # the editor has mounted (its status line is written on mount)
    term.keys("C-n")
    term.type("reviewer")
    term.keys("Tab")
    term.type("alice")
    term.wait_for("added reviewer")
    term.keys("C-s")
    term.wait_for("+ reviewer = alice")
    term.keys("Enter")
    term.wait_for("Now 1 pair: reviewer=alice")
    term.keys("q")
    assert term.wait_dead()
    saved = json.loads(cli(term, "messages", "get", ORDER_BOT, NEWEST, "--json"))
    assert saved["metadata"] == {"reviewer": "alice"}


@pytest.mark.parametrize("leave", ["q", "C-c"])
def test_leaving_restores_the_terminal(isolated_user_dirs, leave):
    """The terminal's modes (stty) and screen are as before, whether the user leaves with q or ctrl+c."""
    work = isolated_user_dirs
    env = {"THREADSCOPE_DATA_DIR": str(work / "data"), "THREADSCOPE_CONFIG_DIR": str(work / "config")}
    script = (f"stty -g > {work}/before; echo BEFORE-MARK; {sys.executable} -m tui; "
              f"stty -g > {work}/after; echo AFTER-MARK; sleep 30")
    term = Term(["sh", "-c", script], env)
    try:
        term.wait_for(ORDER_BOT)
        term.keys(leave)
        screen = term.wait_for("AFTER-MARK")
        assert "BEFORE-MARK" in screen and "threads and conversations" not in screen
        assert (work / "before").read_text() == (work / "after").read_text()
    finally:
        term.close()


def test_s_s_p_keeps_a_full_page(term):
    """Issue 18: `s`, `s`, `p` used to leave "no messages" on the order bot thread."""
    term.wait_for(ORDER_BOT)
    term.keys("Enter")
    term.wait_for("messages 1–9 · newest first")
    term.keys("s")
    term.wait_for("messages 1–9 · oldest first")
    term.keys("s", "p")
    term.wait_for("This is the first page.")
    screen = term.wait_for("messages 1–9 · newest first")
    assert "no messages" not in screen and NEWEST[:16] in screen
    term.keys("q")
    assert term.wait_dead()


@pytest.mark.parametrize("key", ["e", "c", "f", "?"])
def test_q_arriving_with_a_dialog_key_quits_without_a_traceback(term, key):
    term.wait_for(ORDER_BOT)
    term.keys("Enter")
    term.wait_for("messages 1–9")
    term.type(f"q{key}")  # one burst: the dialog is built while the app shuts down
    assert term.wait_dead()
    screen = term.screen()
    assert "Traceback" not in screen and "NoMatches" not in screen, screen


def test_ctrl_c_during_a_slow_save_waits_for_it_then_quits(isolated_user_dirs, live_server):
    server = live_server(demo_data=True, faults="update:delay=3s")
    env = {"THREADSCOPE_DATA_DIR": str(isolated_user_dirs / "data"),
           "THREADSCOPE_CONFIG_DIR": str(isolated_user_dirs / "config"), "TEXTUAL_ANIMATIONS": "none"}
    term = Term([sys.executable, "-m", "tui", "--base-url", server.base_url, "open", ORDER_BOT], env)
    try:
        term.wait_for("messages 1–9")
        term.keys("e")
        term.wait_for("0 pairs · no change")
        term.keys("C-n")
        term.type("landed")
        term.keys("Tab")
        term.type("yes")
        term.wait_for("added landed")
        term.keys("C-s")
        term.wait_for("+ landed = yes")
        term.keys("Enter")
        term.keys("C-c")  # while the server holds the save
        term.wait_for("A save is on its way to the server")
        term.keys("w")
        assert term.wait_dead(timeout=20)
        screen = term.screen()
        assert "Traceback" not in screen, screen
    finally:
        term.close()
    assert json.loads(server.storage.get_message(ORDER_BOT, NEWEST))["metadata"]["landed"] == "yes"
