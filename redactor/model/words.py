"""Word splitting with character offsets, identical to the reference GLiNER2 splitter.

Spans are predicted over *words*, so the splitter decides what an entity can start
or end on.  We reproduce the reference ``WhitespaceTokenSplitter`` exactly (URLs,
e-mails and @mentions stay whole; hyphen/underscore joined words stay whole; any
other non-space character is a word of its own) because checkpoints were trained
on its segmentation.  Offsets always index the caller's string: only the token
value is lower-cased, never the text, since Unicode case folding can change length.
"""

from __future__ import annotations

import functools
import re
import sys
import unicodedata
from typing import NamedTuple


class Word(NamedTuple):
    """One word: lower-cased token value and its ``[start, end)`` in the text."""

    token: str
    start: int
    end: int


@functools.cache
def _word_pattern() -> re.Pattern[str]:
    """Compile the splitter regex once, on first use (building it scans Unicode)."""
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
    word_char = rf"[\w{''.join(ranges)}\u200c\u200d]"
    return re.compile(
        rf"""(?:https?://[^\s]+|www\.[^\s]+)
        |[a-z0-9._%+-]+@[a-z0-9.-]+\.[a-z]{{2,}}
        |@[a-z0-9_]+
        |{word_char}+(?:[-_]{word_char}+)*
        |\S""",
        re.VERBOSE | re.IGNORECASE,
    )


def split_words(text: str) -> list[Word]:
    """Split ``text`` into words with exclusive-end character offsets."""
    return [Word(m.group().lower(), m.start(), m.end()) for m in _word_pattern().finditer(text)]


def normalize_text(text: str) -> str:
    """Append the sentence-final period the reference adds before encoding.

    Checkpoints were trained on text that ends in ``.``, ``!`` or ``?``; the model
    sees the appended period, but callers never do: decoders clamp spans to the
    original length (see ``redactor.model.decoding``).
    """
    if not text:
        return "."
    return text if text.endswith((".", "!", "?")) else text + "."
