"""`threadscope serve` as a user runs it: a real process, a real port, the lines a user needs."""

import os
import signal
import socket
import subprocess
import sys

import httpx
import pytest

from tui.api import DashScopeClient


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.fixture
def serve_process(tmp_path):
    procs = []

    def start(*args):
        proc = subprocess.Popen(
            [sys.executable, "-m", "tui", "serve", "--db", str(tmp_path / "serve.sqlite3"), *args],
            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, env={**os.environ, "PYTHONUNBUFFERED": "1"},
        )
        procs.append(proc)
        return proc

    yield start
    for proc in procs:
        if proc.poll() is None:
            proc.kill()
            proc.wait()


async def test_serve_prints_the_base_url_and_works_with_our_client(serve_process):
    port = free_port()
    proc = serve_process("--port", str(port), "--demo-data", "--api-key", "local-secret")
    first = proc.stdout.readline()
    base = f"http://127.0.0.1:{port}/api/v1"
    assert first.startswith(f"threadscope emulator on {base}")
    assert proc.stdout.readline().strip() == f"export DASHSCOPE_HTTP_BASE_URL={base}"
    async with DashScopeClient(api_key="local-secret", base_url=base, max_tries=1) as client:
        thread = await client.create_thread(metadata={"via": "serve"})
        message = await client.create_message(thread.id, "over a real socket")
        assert (await client.retrieve_message(thread.id, message.id)).text == "over a real socket"
    r = httpx.get(f"{base}/threads/{thread.id}", headers={"Authorization": "Bearer wrong"})
    assert r.status_code == 401 and r.json()["code"] == "InvalidApiKey"
    proc.send_signal(signal.SIGINT)
    assert proc.wait(timeout=15) == 0


def test_serve_refuses_a_public_host_without_a_key(serve_process):
    proc = serve_process("--host", "0.0.0.0", "--port", str(free_port()))
    assert proc.wait(timeout=30) == 2
    err = proc.stderr.read()
    assert "refusing to serve on 0.0.0.0" in err and "--api-key" in err


def test_serve_rejects_a_bad_fault_spec(serve_process):
    proc = serve_process("--faults", "list:teapot", "--port", str(free_port()))
    assert proc.wait(timeout=30) == 2
    assert "unknown fault 'teapot'" in proc.stderr.read()
