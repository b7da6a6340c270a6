"""threadscope's one garbage-collector policy, for the TUI only (bench/ui.py measures goal 4a with and without it)."""

from __future__ import annotations

import gc
from collections.abc import Iterator
from contextlib import contextmanager

_frozen = False


@contextmanager
def off_until_first_paint() -> Iterator[None]:
    """Around the TUI's whole run (tui.cli): no collections while it starts, on again at its first paint.

    Start-up builds tens of thousands of objects that live as long as the process and almost no
    garbage, so collecting meanwhile re-walks them for nothing. If the first paint never comes
    (an error, ctrl+c), the collector is on again when the run ends.
    """
    gc.disable()
    try:
        yield
    finally:
        gc.enable()


def after_first_paint(*, freeze: bool = True) -> None:
    """The collector on again, and once per process every object alive now moved into its permanent generation.

    What exists at the first paint (modules, classes, Textual, rich, pydantic) lives as long as
    the process; frozen, it is no longer walked by every full collection, the pauses that made
    the slowest key presses. `freeze=False`: the benchmark's app without it.
    """
    global _frozen
    gc.enable()
    if _frozen or not freeze:  # a second app in the same process (tests): the first one's freeze stands
        return
    _frozen = True
    gc.freeze()
