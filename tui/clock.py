"""The one place the UI asks what time it is.

THREADSCOPE_NOW (an ISO 8601 time) freezes it: the screenshot script and the snapshot tests
set it so that "3 minutes ago" and "last opened" read the same on every run.
"""

from __future__ import annotations

import os
from datetime import UTC, datetime


def now() -> datetime:
    frozen = os.environ.get("THREADSCOPE_NOW")
    if frozen:
        try:
            value = datetime.fromisoformat(frozen)
        except ValueError:
            pass
        else:
            return value if value.tzinfo else value.replace(tzinfo=UTC)
    return datetime.now(UTC)
