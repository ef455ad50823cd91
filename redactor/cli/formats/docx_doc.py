"""Word documents (``.docx``): the text, redacted, written as UTF-8 text.

Needs ``python-docx`` (the ``docs`` extra).  The output is *text*, not a Word file: it is
written as ``NAME.docx.txt`` and the report says ``"output_format": "text"``.  Extracted, in
order: header paragraphs of each section, the body's paragraphs and tables (one line per
row, cells separated by tabs), footer paragraphs.  Anything not extracted (embedded
objects, comments, text boxes) is not in the output, so nothing unchecked leaks.
"""

from __future__ import annotations

import zipfile
from collections.abc import Iterator
from typing import Any, BinaryIO

from redactor.cli.errors import FileFailed, FileSkipped
from redactor.cli.formats.base import FormatOptions, Transform
from redactor.cli.formats.text_doc import redact_lines

NAME = "docx"
SUFFIXES = (".docx",)
STREAMED = False
OUTPUT_SUFFIX = ".txt"  # appended: report.docx -> report.docx.txt
BINARY = True


def convert(src: BinaryIO, dst: BinaryIO, transform: Transform, opts: FormatOptions) -> dict[str, object]:
    try:
        import docx
    except ImportError:
        raise FileSkipped("docx needs python-docx (pip install 'redactor[docs]')") from None
    try:
        document = docx.Document(src)
    except (zipfile.BadZipFile, KeyError, ValueError) as error:
        raise FileFailed(f"not a readable .docx file: {type(error).__name__}") from None
    lines = [line + "\n" for line in _lines(document)]
    stats = redact_lines(lines, dst, transform, opts)
    return {**stats, "output_format": "text"}


def _lines(document: Any) -> Iterator[str]:
    for section in document.sections:
        for paragraph in section.header.paragraphs:
            if paragraph.text.strip():
                yield from paragraph.text.splitlines() or [""]
    for block in document.iter_inner_content():
        if hasattr(block, "rows"):
            for row in block.rows:
                yield "\t".join(" ".join(cell.text.split("\n")) for cell in row.cells)
        else:
            yield from block.text.splitlines() or [""]
    for section in document.sections:
        for paragraph in section.footer.paragraphs:
            if paragraph.text.strip():
                yield from paragraph.text.splitlines() or [""]
