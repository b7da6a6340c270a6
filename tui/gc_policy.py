"""threadscope's one garbage-collector policy, for the TUI only (bench/ui.py goal 4a shows its effect)."""

from __future__ import annotations

import gc

_frozen = False


def freeze_start_up_heap() -> None:
    """Once per process: move every object alive now into the collector's permanent generation.

    Called when the TUI's first screen has painted. What exists then (modules, classes, Textual,
    rich, pydantic) lives as long as the process; frozen, it is no longer walked by every full
    collection, the pauses that made the slowest key presses.
    """
    global _frozen
    if _frozen:  # a second app in the same process (tests): the first one's freeze stands
        return
    _frozen = True
    gc.freeze()
