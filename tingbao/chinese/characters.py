"""Characters that show nothing of themselves: what text must not carry, and how to echo it.

- Private-use code points (U+E000-U+F8FF and planes 15 and 16) have no meaning outside the
  program that assigned one. tingbao assigns them itself: the spoken text marks each lexicon
  reading with them (audio/marks.py). Printed text therefore never keeps any (reading/cleanup.py
  strips them from every line read), nor does a lexicon entry (chinese/lexicon.py refuses them).
- Controls (C0, DEL, C1), format characters (zero-width, bidi overrides), surrogates, line and
  paragraph separators and private-use characters are escaped (`\\x1b`, `\\u202e`) wherever a
  command or the bot echoes a word back: raw, they move a terminal's cursor, ring its bell, or hide
  and reorder what follows them.

Pure, and light to import (the readers use it).
"""

from __future__ import annotations

import re
import unicodedata

PRIVATE_USE = "\ue000-\uf8ff\U000f0000-\U0010ffff"  # a regex character-class range
_PRIVATE_USE = re.compile(f"[{PRIVATE_USE}]")
# Categories with no visible form of their own (Cn, unassigned, is left: a newer Unicode's
# characters, as CJK extensions, would be unassigned to an older Python).
HIDDEN = frozenset({"Cc", "Cf", "Cs", "Co", "Zl", "Zp"})


def without_private_use(text: str) -> str:
    """Return text without its private-use characters."""
    return _PRIVATE_USE.sub("", text) if _PRIVATE_USE.search(text) else text


def is_hidden(char: str) -> bool:
    """Return whether char shows nothing of itself (a control, format, private-use character …)."""
    return unicodedata.category(char) in HIDDEN


def printable(text: str) -> str:
    """Return text with each hidden character written as its escape (\\x1b, \\n, \\ue000), so
    echoing it never drives a terminal or hides anything; other text is left as it is."""
    if not any(is_hidden(char) for char in text):
        return text
    return "".join(escape(char) if is_hidden(char) else char for char in text)


def escape(char: str) -> str:
    """Return the Python escape of one character: \\x1b, \\n, \\u202e, \\U000f0000."""
    code = ord(char)
    if char in "\n\r\t":
        return repr(char)[1:-1]
    if code < 0x100:
        return f"\\x{code:02x}"
    if code < 0x10000:
        return f"\\u{code:04x}"
    return f"\\U{code:08x}"
