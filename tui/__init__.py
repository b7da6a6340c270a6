"""threadscope: a keyboard-first terminal browser for DashScope Assistant API threads."""

from tui.lazy_httpx_cli import defer_httpx_cli

__version__ = "0.1.0"

defer_httpx_cli()
