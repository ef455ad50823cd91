"""Word splitting with character offsets: the reference GLiNER2 splitter and ours.

Spans are predicted over *words*, so the splitter decides what an entity can start
or end on.  ``"reference"`` reproduces the reference ``WhitespaceTokenSplitter``
exactly (URLs, e-mails and @mentions stay whole; hyphen/underscore joined words stay
whole; any other non-space character is a word of its own) because its checkpoints
were trained on that segmentation.  ``"pii"`` is the same plus one rule: IPv6
addresses and colon-separated MAC addresses stay whole.  The reference cuts them at
every colon (an IPv6 address is 15 words, wider than any span the head scores), so
a model on that splitter can never return one as a single span.  A model's
checkpoint names the splitter it was trained on.  Offsets always index the caller's
string: only the token value is lower-cased, never the text, since Unicode case
folding can change length.
"""

from __future__ import annotations

import functools
import re
import sys
import unicodedata
from typing import Literal, NamedTuple

Splitter = Literal["reference", "pii"]
SPLITTERS: tuple[Splitter, ...] = ("reference", "pii")

_HEX = "[0-9a-f]"
_END = r"(?!\w|:[\w:]|\.\d)"  # not inside a longer word, colon run or dotted number
_IPV4 = r"\d{1,3}(?:\.\d{1,3}){3}"  # the IPv4 tail of ::ffff:10.0.0.1
#: Five or more colon-separated hex groups (full IPv6, MAC), or any "::" form (with an
#: optional IPv4 tail); never followed by a word character or another group, so times
#: (12:30:45) and C++ scopes (std::vector) stay split.
_HEX_COLON = (rf"(?:{_HEX}{{1,4}}:){{4,7}}{_HEX}{{1,4}}{_END}"
              rf"|(?:{_HEX}{{1,4}}:){{0,6}}{_HEX}{{0,4}}::"
              rf"(?:(?:{_HEX}{{1,4}}:){{0,5}}{_IPV4}|{_HEX}{{1,4}}(?::{_HEX}{{1,4}}){{0,6}})?{_END}")


class Word(NamedTuple):
    """One word: lower-cased token value and its ``[start, end)`` in the text."""

    token: str
    start: int
    end: int


@functools.cache
def _word_char() -> str:
    """The character class of word characters (letters, digits, combining marks, ZWJ/ZWNJ);
    built once, because it scans all of Unicode, and shared by both splitters."""
    ranges: list[str] = []
    run_start = None
    for code in range(sys.maxunicode + 2):
        is_mark = code <= sys.maxunicode and unicodedata.category(chr(code)).startswith("M")
        if is_mark and run_start is None:
            run_start = code
        elif not is_mark and run_start is not None:
            last = code - 1
            ranges.append(re.escape(chr(run_start)) + ("-" + re.escape(chr(last)) if last > run_start else ""))
            run_start = None
    return rf"[\w{''.join(ranges)}\u200c\u200d]"


@functools.cache
def _word_pattern(splitter: Splitter = "reference") -> re.Pattern[str]:
    """Compile a splitter's regex once, on first use."""
    if splitter not in SPLITTERS:
        raise ValueError(f"word splitter must be one of {SPLITTERS}, got {splitter!r}")
    word_char = _word_char()
    first = f"{_HEX_COLON}\n        |" if splitter == "pii" else ""
    return re.compile(
        rf"""{first}(?:https?://[^\s]+|www\.[^\s]+)
        |[a-z0-9._%+-]+@[a-z0-9.-]+\.[a-z]{{2,}}
        |@[a-z0-9_]+
        |{word_char}+(?:[-_]{word_char}+)*
        |\S""",
        re.VERBOSE | re.IGNORECASE,
    )


def split_words(text: str, splitter: Splitter = "reference") -> list[Word]:
    """Split ``text`` into words with exclusive-end character offsets."""
    return [Word(m.group().lower(), m.start(), m.end()) for m in _word_pattern(splitter).finditer(text)]


def normalize_text(text: str) -> str:
    """Append the sentence-final period the reference adds before encoding.

    Checkpoints were trained on text that ends in ``.``, ``!`` or ``?``; the model
    sees the appended period, but callers never do: decoders clamp spans to the
    original length (see ``redactor.model.decoding``).
    """
    if not text:
        return "."
    return text if text.endswith((".", "!", "?")) else text + "."
