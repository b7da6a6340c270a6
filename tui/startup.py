"""Start-up of the `threadscope` process: the cyclic garbage collector is held until the UI is up.

Everything allocated before the TUI's first paint (modules, classes, styles, widgets) lives
as long as the process. Collecting it finds nothing to free, yet 17 young and one full
collection took ~35 ms of a ~300 ms cold start (bench goal 3). So the `threadscope` command
holds the collector from its first line; the app gives it back after its first paint, once
that heap is frozen out of the collector's sight (ThreadscopeApp._freeze_heap), and every
other command gets it back as it starts (cli.main).

Only a hold taken here is released here: code that imports threadscope as a library (the
tests, a script) keeps whatever collector setting it has.
"""

from __future__ import annotations

import gc

_held = False


def hold_collector() -> None:
    global _held
    if gc.isenabled():
        gc.disable()
        _held = True


def release_collector() -> None:
    global _held
    if _held:
        _held = False
        gc.enable()


def collector_held() -> bool:
    return _held
