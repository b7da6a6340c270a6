"""Work-arounds for Textual bugs, each naming its upstream issue.

Applied once, when tui.app is imported. Each one checks that the bug is still there and
steps aside otherwise, so a Textual upgrade that fixes it makes the work-around inert
(delete it then).
"""

from __future__ import annotations

from functools import lru_cache

from textual._styles_cache import StylesCache
from textual.color import Color
from textual.style import Style


def release_styles_caches() -> bool:
    """Stop `StylesCache.get_inner_outer` from keeping dead widgets' render caches alive.

    Textual 8.2.8 (Textualize/textual#6665) decorates that *instance* method with
    `lru_cache(1024)`, so the cache key holds `self`: the last 1,024 StylesCache objects
    stay alive after their widgets are removed, each with the Strips it had rendered.
    Every page turn replaces the detail pane's Markdown blocks, so dead caches pile up and
    every full collection walks them: page turns slow down the longer a session runs.

    The method never uses `self`: the same memo keyed on the two colours alone gives the
    same Styles and holds no widget. Returns whether the work-around was applied.
    """
    current = StylesCache.__dict__.get("get_inner_outer")
    if current is None or not hasattr(current, "cache_info") or not hasattr(current, "__wrapped__"):
        return False  # not the lru_cache-wrapped method any more: fixed (or changed) upstream
    compute = current.__wrapped__

    @lru_cache(1024)
    def inner_outer(base_background: Color, background: Color) -> tuple[Style, Style]:
        return compute(None, base_background, background)

    def get_inner_outer(self: StylesCache, base_background: Color, background: Color) -> tuple[Style, Style]:
        return inner_outer(base_background, background)

    StylesCache.get_inner_outer = get_inner_outer  # type: ignore[method-assign]
    current.cache_clear()
    return True


def apply() -> None:
    release_styles_caches()
