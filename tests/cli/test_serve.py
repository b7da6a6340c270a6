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


def no_traceback(text):
    return "Traceback" not in text and "Task exception" not in text


def test_serve_on_a_busy_port_says_so_in_one_line(serve_process):
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        port = taken.getsockname()[1]
        proc = serve_process("--port", str(port))
        assert proc.wait(timeout=30) == 1
    err = proc.stderr.read()
    assert err.startswith(f"error: could not serve on 127.0.0.1:{port}") and "is the port in use?" in err
    assert len(err.strip().splitlines()) == 1 and no_traceback(err)


def test_serve_on_an_address_of_another_machine_says_so_in_one_line(serve_process):
    proc = serve_process("--host", "192.0.2.1", "--port", str(free_port()), "--api-key", "k")  # TEST-NET: never bound here
    assert proc.wait(timeout=30) == 1
    err = proc.stderr.read()
    assert err.startswith("error: could not serve on 192.0.2.1:") and len(err.strip().splitlines()) == 1
    assert no_traceback(err)


def ipv6_loopback():
    try:
        with socket.socket(socket.AF_INET6) as s:
            s.bind(("::1", 0))
        return True
    except OSError:
        return False


@pytest.mark.skipif(not ipv6_loopback(), reason="no IPv6 loopback here")
def test_serve_takes_a_bracketed_ipv6_host(serve_process):
    port = free_port()
    proc = serve_process("--host", "[::1]", "--port", str(port))
    assert proc.stdout.readline().startswith(f"threadscope emulator on http://[::1]:{port}/api/v1")
    r = httpx.post(f"http://[::1]:{port}/api/v1/threads", json={}, headers={"Authorization": "Bearer k"})
    assert r.status_code == 200
    proc.send_signal(signal.SIGINT)
    assert proc.wait(timeout=15) == 0 and no_traceback(proc.stderr.read())


def test_sigterm_stops_promptly_while_a_request_is_in_flight(serve_process):
    port = free_port()
    proc = serve_process("--port", str(port), "--faults", "get_thread:delay=120s")
    proc.stdout.readline()
    base = f"http://127.0.0.1:{port}/api/v1"
    thread = httpx.post(f"{base}/threads", json={}, headers={"Authorization": "Bearer k"}).json()["id"]
    idle = socket.create_connection(("127.0.0.1", port))
    idle.sendall(b"GET /api/v1/thr")  # a connection holding half a request head
    stuck = socket.create_connection(("127.0.0.1", port))
    stuck.sendall(f"GET /api/v1/threads/{thread} HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer k\r\n\r\n".encode())
    proc.send_signal(signal.SIGTERM)
    assert proc.wait(timeout=30) == 0  # not the 120 s the delayed request would take
    assert no_traceback(proc.stderr.read())
    idle.close()
    stuck.close()


def test_serve_help_lists_only_what_serving_means():
    from click.testing import CliRunner

    from tui.cli import main

    text = CliRunner().invoke(main, ["serve", "--help"]).output
    for name in ("--host", "--port", "--db", "--demo-data", "--api-key", "--faults"):
        assert name in text
    for name in ("--base-url", "--region", "--demo ", "--workspace", "--profile"):
        assert name not in text


async def test_served_connections_send_without_waiting_for_an_ack():
    """The listening socket says it is TCP, so asyncio turns Nagle off on each accepted one.

    With Nagle on, uvicorn's two writes per answer (head, then body) made every request wait
    for the client's delayed ACK.
    """
    import asyncio

    from tui.emulator.server import bind

    nodelay: list[int] = []

    async def accepted(reader, writer):
        nodelay.append(writer.get_extra_info("socket").getsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY))
        writer.close()

    sock = bind("127.0.0.1", 0)
    server = await asyncio.start_server(accepted, sock=sock)
    async with server:
        reader, writer = await asyncio.open_connection(*sock.getsockname()[:2])
        await reader.read()  # the server closes once it has looked
        writer.close()
    assert nodelay == [1]


def test_serve_help_gives_the_fault_syntax_every_operation_and_every_fault(run):
    from tui.emulator.faults import KINDS, OPERATIONS, STATUSES, parse_faults

    shown = run("serve", "--help").stdout
    assert "OPERATION:FAULT[@PROBABILITY][xCOUNT]" in shown
    words = set(shown.replace(",", " ").replace(":", " ").split())
    assert set(OPERATIONS) <= words and set(KINDS) <= words and {str(s) for s in STATUSES} <= words
    example = shown.split("e.g. --faults ")[1].split()[0].strip("'")
    assert [rule.fault for rule in parse_faults(example)] == ["drop", "429", "delay"]  # the example parses


def test_an_injected_drop_or_reset_is_one_line_in_the_serve_terminal(serve_process):
    port = free_port()
    proc = serve_process("--port", str(port), "--faults", "create_thread:dropx1,get_thread:resetx1")
    proc.stdout.readline()
    base, auth = f"http://127.0.0.1:{port}/api/v1", {"Authorization": "Bearer k"}
    with pytest.raises(httpx.TransportError):
        httpx.post(f"{base}/threads", json={}, headers=auth)
    thread = httpx.post(f"{base}/threads", json={}, headers=auth).json()["id"]  # x1: the second is answered
    with pytest.raises(httpx.TransportError):
        httpx.get(f"{base}/threads/{thread}", headers=auth)
    proc.send_signal(signal.SIGINT)
    assert proc.wait(timeout=15) == 0
    err = proc.stderr.read()
    assert no_traceback(err) and "Exception in ASGI application" not in err
    assert err.splitlines() == [
        "WARNING:  fault: drop on create_thread (carried out, answer cut off)",
        "WARNING:  fault: reset on get_thread (not carried out, connection cut)",
        "stopped.",
    ]
