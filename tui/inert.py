"""Make untrusted text safe to put on a terminal: control characters become visible symbols.

Message content comes from users and models. An ESC byte could start a sequence that sets
the clipboard (OSC 52), retitles the window or moves the cursor; bidi overrides and
zero-width characters can disguise what is shown. Everything of that kind is replaced by a
visible stand-in, so the text reads as what it is and triggers nothing.
"""

from __future__ import annotations

import json
import re

# The classes the screen and the clipboard share (regex set ranges).
CONTROLS = "\x00-\x08\x0b-\x1f\x7f-\x9f"  # C0 (tab and newline excepted), DEL, C1: what a terminal acts on
BIDI = "\u202a-\u202e\u2066-\u2069"  # embeddings, overrides and isolates: they reorder what is shown
SURROGATES = "\ud800-\udfff"  # lone halves (a JSON \ud800 escape): not text, and no UTF-8 can carry them

# Unicode's Cc, Cf, Zl, Zp and lone surrogates (Cs), except tab, newline and the format characters
# drawn as a glyph (number signs, soft hyphen).
_UNSAFE = re.compile(
    f"[{CONTROLS}{BIDI}{SURROGATES}\u061c\u180e\u200b-\u200f\u2028\u2029\u2060-\u2064\u206a-\u206f"
    "\ufeff\ufff9-\ufffb\U00013430-\U0001343f\U0001bca0-\U0001bca3\U0001d173-\U0001d17a"
    "\U000e0001\U000e0020-\U000e007f]"
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


# What a copy leaves out: what would act when pasted into a terminal or disguise the text. Zero-width
# joiners and the like stay: emoji and scripts need them, and they do nothing when pasted.
_NOT_COPIED = re.compile(f"[{CONTROLS}{BIDI}{SURROGATES}]")
_KINDS = tuple((re.compile(f"[{chars}]"), word) for chars, word in (
    (CONTROLS, "control character"), (BIDI, "bidi formatting character"), (SURROGATES, "unpaired surrogate")))


def copyable(text: str) -> tuple[str, str]:
    """(`text` without the characters that would act when pasted, what was left out in words or "")."""
    text = text.replace("\r\n", "\n")  # a Windows line end is a line end, not something to report
    if not _NOT_COPIED.search(text):
        return text, ""
    counts = [(len(kind.findall(text)), word) for kind, word in _KINDS]
    said = [f"{n} {word}{'' if n == 1 else 's'}" for n, word in counts if n]
    return _NOT_COPIED.sub("", text), "left out " + " and ".join(said)


def inert_json(value) -> str:
    """`value` as indented JSON, with the characters a copy would leave out written as \\u escapes."""
    text = json.dumps(value, ensure_ascii=False, indent=2)  # escapes C0 already, not DEL, C1 or bidi
    return _NOT_COPIED.sub(lambda m: f"\\u{ord(m.group()):04x}", text)
