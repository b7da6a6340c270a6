"""Keep httpx's command-line tool out of every threadscope start, until something asks for it.

`import httpx` (0.28) runs `from ._main import main`: when click is installed — and
threadscope installs it for its own command line — that imports httpx's CLI with click,
rich's progress bars and pygments' lexer table, ~15 ms of a ~300 ms cold start (bench
goal 3) for a tool threadscope never runs. httpx's successor made the same import lazy
(pydantic/httpx2#947); this does it from outside until encode/httpx does.

`httpx.main` keeps working: the stand-in loads the real module on first call. The `httpx`
console script runs in its own process and never sees this.
"""

from __future__ import annotations

import importlib
import importlib.machinery
import sys
import types

MODULE = "httpx._main"


class _LazyMain:
    """httpx.main until first use: calling it, or reading any attribute (it is a click
    command: `.main`, `.name`, `CliRunner().invoke(httpx.main)`), loads the real one.
    Only `isinstance(httpx.main, click.Command)` tells the difference."""

    def __init__(self, stand_in: types.ModuleType) -> None:
        self._stand_in = stand_in

    def _real(self):
        if sys.modules.get(MODULE) is self._stand_in:
            del sys.modules[MODULE]
        return importlib.import_module(MODULE).main

    def __call__(self, *args, **kwargs):
        return self._real()(*args, **kwargs)

    def __getattr__(self, name: str):
        if name == "_stand_in":  # an instance made without __init__ (copy, pickle): no recursion
            raise AttributeError(name)
        return getattr(self._real(), name)


def defer_httpx_cli() -> bool:
    """Put a stand-in for httpx._main in place, unless httpx is already imported.

    Returns whether the stand-in was installed.
    """
    if "httpx" in sys.modules or MODULE in sys.modules:
        return False
    stand_in = types.ModuleType(MODULE, "Stand-in for httpx's CLI: imports the real one when main is used.")
    stand_in.__spec__ = importlib.machinery.ModuleSpec(MODULE, None)
    stand_in.__package__ = "httpx"
    stand_in.main = _LazyMain(stand_in)  # type: ignore[attr-defined]
    sys.modules[MODULE] = stand_in
    return True
