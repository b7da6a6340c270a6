"""Make untrusted text safe to put on a terminal: control characters become visible symbols.

Message content comes from users and models. An ESC byte could start a sequence that sets
the clipboard (OSC 52), retitles the window or moves the cursor; bidi overrides and
zero-width characters can disguise what is shown. Everything of that kind is replaced by a
visible stand-in, so the text reads as what it is and triggers nothing.
"""

from __future__ import annotations

import re

# Unicode's Cc, Cf, Zl, Zp and lone surrogates (Cs), except tab, newline and the format characters
# drawn as a glyph (number signs, soft hyphen).
_UNSAFE = re.compile(
    "[\x00-\x08\x0b-\x1f\x7f-\x9f\u061c\u180e\u200b-\u200f\u2028-\u202e\u2060-\u2064\u2066-\u206f"
    "\ufeff\ufff9-\ufffb\U00013430-\U0001343f\U0001bca0-\U0001bca3\U0001d173-\U0001d17a"
    "\U000e0001\U000e0020-\U000e007f\ud800-\udfff]"
)


def _visible(match: re.Match[str]) -> str:
    char = match.group()
    code = ord(char)
    if code < 0x20:
        return chr(0x2400 + code)  # ␀ … ␟ (ESC shows as ␛)
    if code == 0x7F:
        return "␡"
    if 0xD800 <= code <= 0xDFFF:
        return f"\\u{code:04x}"  # as the JSON escape it came from, the form the CLI prints too
    return f"<U+{code:04X}>"


def make_inert(text: str) -> str:
    """`text` with every control, invisible format and separator character shown as a visible symbol."""
    return _UNSAFE.sub(_visible, text)


def one_line(text: str, width: int | None = None) -> str:
    """The first non-empty line of `text`, made inert, cut to `width` with an ellipsis."""
    line = next((part.strip() for part in text.splitlines() if part.strip()), "")
    line = make_inert(line.replace("\t", " "))
    if width is not None and len(line) > width:
        line = line[: max(0, width - 1)] + "…"
    return line
