"""PDF: the text layer, redacted, written as UTF-8 text.

Needs ``pypdf`` (the ``docs`` extra).  The output is *text* (``NAME.pdf.txt``, report
``"output_format": "text"``), one page after another separated by a form feed line.  A
scanned PDF without a text layer gives empty text (no OCR here); an encrypted PDF that
does not open with an empty password fails.
"""

from __future__ import annotations

from typing import BinaryIO

from redactor.cli.errors import FileFailed, FileSkipped
from redactor.cli.formats.base import FormatOptions, Transform, split_lines
from redactor.cli.formats.text_doc import redact_lines

NAME = "pdf"
SUFFIXES = (".pdf",)
STREAMED = False
OUTPUT_SUFFIX = ".txt"
BINARY = True


def convert(src: BinaryIO, dst: BinaryIO, transform: Transform, opts: FormatOptions) -> dict[str, object]:
    try:
        import pypdf
        from pypdf.errors import PyPdfError
    except ImportError:
        raise FileSkipped("pdf needs pypdf (pip install 'redactor[docs]')") from None
    try:
        reader = pypdf.PdfReader(src)
        if reader.is_encrypted and not reader.decrypt(""):
            raise FileFailed("encrypted PDF (no empty password)")
        pages = [page.extract_text() or "" for page in reader.pages]
    except FileFailed:
        raise
    except (PyPdfError, ValueError, KeyError, TypeError) as error:
        raise FileFailed(f"not a readable PDF: {type(error).__name__}") from None
    text = "\f\n".join(page if page.endswith("\n") or not page else page + "\n" for page in pages)
    stats = redact_lines(split_lines(text), dst, transform, opts)
    return {**stats, "pages": len(pages), "output_format": "text"}
