"""kill -9 (or ctrl+c) in the middle of a 2,000-message thread, then the same command again: exactly 2,000
items, in order; and the same with the server killed and restarted."""

from __future__ import annotations

import json
import os
import signal
import sqlite3
import subprocess
import sys
import time
from pathlib import Path
from types import SimpleNamespace

import pytest

from tui.emulator.faults import parse_faults
from tui.migrate import RECORD_NAME

from .live import read_back
from .seed import plain_thread

ROOT = Path(__file__).resolve().parents[2]
COUNT = 2000



def confirmed_batches(record: Path) -> int:
    if not record.exists():
        return 0
    db = sqlite3.connect(f"file:{record}?mode=ro", uri=True, timeout=10)
    try:
        return db.execute("SELECT COUNT(*) FROM batches WHERE state = 'confirmed'").fetchone()[0]
    except sqlite3.OperationalError:  # the schema is not there yet
        return 0
    finally:
        db.close()


def wait_for(condition, what: str, limit: float = 60.0) -> None:
    """Wait for a state of the world (not for a length of time); fail if it never comes."""
    deadline = time.monotonic() + limit
    while not condition():
        assert time.monotonic() < deadline, f"gave up waiting for {what}"
        time.sleep(0.01)


@pytest.mark.parametrize("signum", [signal.SIGKILL, signal.SIGINT], ids=["kill-9", "ctrl+c"])
def test_stopped_mid_thread_then_the_same_command_finishes_with_every_item_once(live_server, isolated_user_dirs, signum):
    server = live_server(faults="")
    thread_id = plain_thread(server.storage, COUNT)
    # Each write waits a little, so the kill lands while batches are still going out.
    server.app.rules = parse_faults("create_items:delay=20ms")
    command = [sys.executable, "-m", "tui", "migrate", thread_id, "--json", "--base-url", server.base_url]
    env = {**os.environ, "PYTHONUNBUFFERED": "1"}
    record = isolated_user_dirs / "data" / RECORD_NAME

    victim = subprocess.Popen(command, cwd=ROOT, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    try:
        wait_for(lambda: confirmed_batches(record) >= 10 or victim.poll() is not None, "ten confirmed batches")
        victim.send_signal(signum)
    finally:
        victim.wait(timeout=30)
    stderr = victim.stderr.read().decode()
    if signum == signal.SIGKILL:
        assert victim.returncode == -signal.SIGKILL, stderr
    else:
        assert victim.returncode == 130, stderr
        assert "the record keeps every confirmed batch; run the same command again to resume" in stderr
        assert "Traceback" not in stderr
    assert 10 <= confirmed_batches(record) < COUNT // 20

    rerun = subprocess.run(command, cwd=ROOT, env=env, capture_output=True, text=True, timeout=120)
    assert rerun.returncode == 0, rerun.stderr
    result = json.loads(rerun.stdout)
    assert (result["thread_id"], result["items"], result["verified"]) == (thread_id, COUNT, True)
    items = read_back(server, result["conversation_id"])
    roles = ["user" if i % 2 == 0 else "assistant" for i in range(COUNT)]
    assert items == [(role, (f"message {i}",)) for i, role in enumerate(roles)]
    assert confirmed_batches(record) == COUNT // 20


def free_port() -> int:
    import socket

    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def start_serve(db: Path, port: int) -> subprocess.Popen:
    """`threadscope serve` in its own process; returns once it says it is listening."""
    serve = subprocess.Popen(
        [sys.executable, "-m", "tui", "serve", "--port", str(port), "--db", str(db), "--faults", "create_items:delay=20ms"],
        cwd=ROOT, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
    first = serve.stdout.readline()
    assert first.startswith("threadscope emulator on"), first
    return serve


def test_the_server_killed_and_restarted_mid_thread_still_ends_with_every_item_once(tmp_path, isolated_user_dirs):
    from tui.emulator import create_app

    db = tmp_path / "served.sqlite3"
    app = create_app(db)
    thread_id = plain_thread(app.storage, COUNT)
    app.storage.close()
    port = free_port()
    base_url = f"http://127.0.0.1:{port}/api/v1"
    command = [sys.executable, "-m", "tui", "migrate", thread_id, "--json", "--base-url", base_url]
    record = isolated_user_dirs / "data" / RECORD_NAME

    server = start_serve(db, port)
    migrating = subprocess.Popen(command, cwd=ROOT, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    try:
        wait_for(lambda: confirmed_batches(record) >= 10 or migrating.poll() is not None, "ten confirmed batches")
        server.kill()
        server.wait(timeout=30)
        assert confirmed_batches(record) < COUNT // 20
        server = start_serve(db, port)
        migrating.wait(timeout=120)
        if migrating.returncode != 0:  # it gave up while the server was away: the same command resumes
            assert "run the same command again to resume" in migrating.stdout.read()
            rerun = subprocess.run(command, cwd=ROOT, capture_output=True, text=True, timeout=120)
            assert rerun.returncode == 0, rerun.stderr
            output = rerun.stdout
        else:
            output = migrating.stdout.read()
        result = json.loads(output)
        assert (result["items"], result["verified"]) == (COUNT, True)
        served = SimpleNamespace(base_url=base_url)
        assert read_back(served, result["conversation_id"]) == [
            ("user" if i % 2 == 0 else "assistant", (f"message {i}",)) for i in range(COUNT)]
    finally:
        for process in (migrating, server):
            if process.poll() is None:
                process.kill()
                process.wait(timeout=30)
