"""TLS only where a client's URLs need it: loading the CA bundle is most of a client's start-up
cost, and a client of a local `threadscope serve` (plain http://) never uses it."""

import ssl

import pytest

from tui.api import DashScopeClient, exchange


@pytest.fixture
def bundle_loads(monkeypatch):
    """Every time a client asks for the verifying TLS context (the CA bundle)."""
    calls = []

    def recorded():
        calls.append(1)
        return ssl.create_default_context()

    monkeypatch.setattr(exchange, "shared_ssl_context", recorded)
    return calls


@pytest.mark.parametrize("urls", [
    {"base_url": "http://127.0.0.1:8765/api/v1"},  # the compat URL beside it is plain http too
    {"base_url": "HTTP://[::1]:8765/api/v1", "compat_base_url": "http://localhost:8765/compatible-mode/v1"},
])
async def test_a_client_of_plain_http_urls_loads_no_ca_bundle(bundle_loads, urls):
    async with DashScopeClient(api_key="k", **urls):
        pass
    assert bundle_loads == []


@pytest.mark.parametrize("urls", [
    {},  # the region's https URLs
    {"base_url": "https://dashscope.example/api/v1"},
    {"base_url": "http://127.0.0.1:8765/api/v1", "compat_base_url": "https://dashscope.example/compatible-mode/v1"},
])
async def test_a_client_with_any_https_url_verifies_with_the_ca_bundle(bundle_loads, urls):
    async with DashScopeClient(api_key="k", **urls):
        pass
    assert bundle_loads == [1]


def test_the_plain_http_context_trusts_no_certificate():
    # An https request through it would fail verification, never pass unverified.
    context = exchange.plain_http_context()
    assert context.verify_mode == ssl.CERT_REQUIRED and context.check_hostname
    assert context.get_ca_certs() == []
