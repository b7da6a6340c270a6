"""`--base-url http://127.0.0.1:8799` (no /api/v1) that cannot connect hints at the path (newcomer #15)."""

import httpx

from tui.api import DashScopeClient
from tui.emulator.demo import ORDER_BOT


def test_cannot_connect_to_a_base_url_without_api_v1_hints_at_the_path(run, monkeypatch):
    def refuse(request):
        raise httpx.ConnectError("connection refused", request=request)

    monkeypatch.setattr("tui.backend.build_client", lambda settings: DashScopeClient(
        api_key="k", base_url=settings.effective_base_url, transport=httpx.MockTransport(refuse), max_tries=1))
    result = run("--base-url", "http://127.0.0.1:8799", "messages", "list", ORDER_BOT)
    assert result.exit_code == 1
    assert "cannot connect to http://127.0.0.1:8799" in result.stderr
    assert result.stderr.rstrip().endswith(
        "; a base URL normally ends in /api/v1 (--base-url http://127.0.0.1:8799/api/v1)"), result.stderr
    fine = run("--base-url", "http://127.0.0.1:8799/api/v1", "messages", "list", ORDER_BOT)
    assert fine.exit_code == 1 and "normally ends in /api/v1" not in fine.stderr
