"""Text from users (a log's subject, an event's note, names, a policy's
wording) made safe to show on a terminal.

A log is data anyone may have written: an escape sequence in its subject
(``\\x1b[2J``, ``\\x1b]0;title\\x07``) would clear the screen or retitle the
window of whoever runs ``rules explain`` on it, and a bidirectional override
(U+202E) would show text in another order than it is stored. ``printable``
writes each such character as a visible escape (``\\x1b``, ``\\u202e``); line
breaks and tabs stay. It is applied to whole text outputs (``explain``,
``plan``, ``--why`` as text or Markdown, ``log list``), before the terminal
sees them: the renderers need not think of it.
"""

from __future__ import annotations

import re

__all__ = ["printable", "UNSAFE"]

#: C0 controls but tab and line feed, DEL, C1 controls, the Unicode line and
#: paragraph separators and every bidirectional formatting character.
UNSAFE = re.compile("[\x00-\x08\x0b-\x1f\x7f-\x9f\u061c\u200e\u200f\u2028-\u202e\u2066-\u2069]")

# The styles (colour, bold) the renderers add themselves: Select Graphic
# Rendition sequences only, nothing that moves the cursor or talks to the terminal.
_SGR = re.compile("\x1b\\[[0-9;]*m")


def _escape(match: re.Match[str]) -> str:
    code = ord(match.group())
    return f"\\x{code:02x}" if code <= 0xFF else f"\\u{code:04x}"


def printable(text: str, *, keep_styles: bool = False) -> str:
    """``text`` with every character of :data:`UNSAFE` written as an escape;
    with ``keep_styles``, the SGR sequences of colour and bold stay (for a
    terminal that shows them)."""
    if not UNSAFE.search(text):
        return text
    if not keep_styles:
        return UNSAFE.sub(_escape, text)
    parts = []
    last = 0
    for style in _SGR.finditer(text):
        parts.append(UNSAFE.sub(_escape, text[last:style.start()]))
        parts.append(style.group())
        last = style.end()
    parts.append(UNSAFE.sub(_escape, text[last:]))
    return "".join(parts)
