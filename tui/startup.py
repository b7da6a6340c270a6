"""Start-up of the `threadscope` process: the cyclic garbage collector is held until the UI is up.

Almost everything allocated before the TUI's first paint (modules, classes, styles,
widgets) lives as long as the process, yet 17 young and one full collection over it took
~35 ms of a ~300 ms cold start (bench goal 3). So the `threadscope` command holds the
collector from its first line; the app gives it back after its first paint, once that heap
is frozen out of the collector's sight (ThreadscopeApp._freeze_heap), and every other
command gets it back as it starts (cli.main). The price: the start-up's garbage cycles,
~4,000 of ~120,000 objects (a few hundred KB; ~1,400 were frozen before this), are frozen
with the rest instead of being collected — a full collection to find them costs 35-40 ms.

Only a hold taken here is released here: code that imports threadscope as a library (the
tests, a script) keeps whatever collector setting it has.
"""

from __future__ import annotations

import gc
import os
import sys
import types

_held = False


def start_command() -> None:
    """What the `threadscope` command does before it imports anything else."""
    hold_collector()
    # pydantic looks for plugins when it builds its first model: importlib.metadata reads the
    # entry points of every installed distribution, ~3 ms of every cold start (bench goal 3), and
    # more the more is installed. threadscope's wire models take no plugins. Set only for this
    # process (the command starts no other), and an explicit setting — even empty — is kept.
    os.environ.setdefault("PYDANTIC_DISABLE_PLUGINS", "__all__")
    _no_plugin_loader()


_PLUGIN_LOADER = "pydantic.plugin._loader"


def _no_plugin_loader() -> None:
    """With every plugin disabled, pydantic still imports its plugin loader for its first
    model, and with it importlib.metadata (zipfile, csv, importlib.resources: ~2 % of a cold
    start) only to be told there are none. A stand-in answers `get_plugins()` with nothing,
    as the loader itself does then; asked for any other name, it loads the real module."""
    if os.environ.get("PYDANTIC_DISABLE_PLUGINS") not in ("__all__", "1", "true") or _PLUGIN_LOADER in sys.modules:
        return
    stand_in = types.ModuleType(_PLUGIN_LOADER)

    def get_plugins() -> tuple[()]:
        return ()

    def real(name: str):
        if name.startswith("__"):  # the import system asks for __path__ and the like
            raise AttributeError(name)
        import importlib

        if sys.modules.get(_PLUGIN_LOADER) is stand_in:
            del sys.modules[_PLUGIN_LOADER]
        return getattr(importlib.import_module(_PLUGIN_LOADER), name)

    stand_in.get_plugins = get_plugins  # type: ignore[attr-defined]
    stand_in.__getattr__ = real  # type: ignore[attr-defined]
    sys.modules[_PLUGIN_LOADER] = stand_in


def hold_collector() -> None:
    global _held
    if gc.isenabled():
        gc.disable()
        _held = True


def release_collector(*, freeze_heap: bool = False) -> None:
    """Give the collector back if the command held it; `freeze_heap`: first move everything
    alive now out of its sight (what a command's start-up built lives as long as it does)."""
    global _held
    if _held:
        _held = False
        if freeze_heap:
            gc.freeze()
        gc.enable()


def collector_held() -> bool:
    return _held
