"""E-mail messages (``.eml``): headers and text parts redacted, MIME structure kept.

Parsed with the standard library's ``email`` package (``policy.default``: encoded-word
headers are decoded before the model sees them, and re-encoded on output).  Every header
except the MIME structure (``Content-Type``, ``Content-Transfer-Encoding``,
``MIME-Version``, ``Content-ID``) is a text unit, in every part, including attached
messages.  ``text/plain`` parts are text units; ``text/html`` parts go through the HTML
handler (text nodes only).  Any other leaf part (attachments, images) cannot be redacted
and is *replaced* by a short ``text/plain`` note naming its type: an output never carries
content nobody checked.  The preamble and epilogue are redacted too.
"""

from __future__ import annotations

import email
import email.policy
from email.message import EmailMessage
from typing import BinaryIO

from redactor.cli.errors import FileFailed
from redactor.cli.formats.base import FormatOptions, Transform, transform_all
from redactor.cli.formats.html_doc import redact_html

NAME = "eml"
SUFFIXES = (".eml",)
STREAMED = False

STRUCTURAL_HEADERS = frozenset({"content-type", "content-transfer-encoding", "mime-version", "content-id"})
_KEEP_ON_TEXT_PARTS = frozenset({"content-disposition", "content-id", "content-language", "content-description"})


def convert(src: BinaryIO, dst: BinaryIO, transform: Transform, opts: FormatOptions) -> dict[str, object]:
    data = src.read()
    linesep = "\r\n" if b"\r\n" in data[:4096] else "\n"
    try:
        message = email.message_from_bytes(data, policy=email.policy.default)
    except Exception as error:  # noqa: BLE001 - the parser is lenient; this is a last resort
        raise FileFailed(f"cannot parse the message: {type(error).__name__}") from None
    assert isinstance(message, EmailMessage)
    parts = list(message.walk())
    stats = {"headers": 0, "text_parts": 0, "removed_parts": 0}

    # 1. headers of every part: one batch
    texts: list[str] = []
    wheres: list[dict[str, object]] = []
    for p, part in enumerate(parts):
        for name, value in part.items():
            if name.lower() not in STRUCTURAL_HEADERS and str(value).strip():
                texts.append(str(value))
                wheres.append({"part": p, "header": name})
    redacted_headers = iter(transform_all(transform, texts, wheres, opts))
    stats["headers"] = len(texts)
    for p, part in enumerate(parts):
        items = [(name, str(value)) for name, value in part.items()]
        for name in {name for name, _ in items}:
            del part[name]
        for name, value in items:
            if name.lower() not in STRUCTURAL_HEADERS and value.strip():
                value = next(redacted_headers)
            try:
                part[name] = value
            except (ValueError, TypeError, IndexError) as error:
                raise FileFailed(f"part {p}: cannot write header {name}: {type(error).__name__}") from None

    # 2. bodies: text parts transformed, other leaves replaced by a note
    for p, part in enumerate(parts):
        for attribute in ("preamble", "epilogue"):
            value = getattr(part, attribute, None)
            if value and value.strip():
                setattr(part, attribute, transform([value], [{"part": p, "mime": attribute}])[0])
        if part.is_multipart():
            continue
        content_type = part.get_content_type()
        if part.get_content_maintype() == "text" and content_type in ("text/plain", "text/html"):
            try:
                body = part.get_content()
            except (LookupError, UnicodeError, ValueError) as error:
                raise FileFailed(f"part {p} ({content_type}): cannot decode the body: "
                                 f"{type(error).__name__}") from None
            where = {"part": p, "mime": content_type}
            if content_type == "text/html":
                new, _ = redact_html(body, transform, opts, where)
            else:
                new = transform([body], [where], keep_newlines=True)[0] if body.strip() else body
            _set_text(part, new, part.get_content_subtype(), keep=_KEEP_ON_TEXT_PARTS, root=p == 0)
            stats["text_parts"] += 1
        else:
            _set_text(part, f"[attachment removed by redactor: {content_type}]\n", "plain", keep=frozenset(),
                      root=p == 0)
            stats["removed_parts"] += 1

    policy = message.policy.clone(linesep=linesep)
    try:
        dst.write(message.as_bytes(policy=policy))
    except Exception as error:  # noqa: BLE001 - the generator raises many types on odd input
        raise FileFailed(f"cannot write the message: {type(error).__name__}") from None
    return stats


def _set_text(part: EmailMessage, text: str, subtype: str, keep: frozenset[str], root: bool) -> None:
    """Replace a leaf part's body; ``set_content`` drops every Content-* header, so the ones
    in ``keep`` are put back (and it adds MIME-Version, which only the top belongs to)."""
    saved = [(name, value) for name, value in part.items() if name.lower() in keep]
    had_version = "MIME-Version" in part
    part.set_content(text, subtype=subtype, charset="utf-8")
    if not root and not had_version:
        del part["MIME-Version"]
    for name, value in saved:
        if name in part:
            del part[name]
        part[name] = value
