"""CSV and TSV: cell by cell, header kept, optional column selection, streamed.

The first row is a header and is written unchanged (``--no-header`` makes it data).
``--columns`` limits redaction to the named columns (header names, or 1-based numbers).
A row whose field count differs from the header's, an unterminated quote or a stray
quote (``strict`` parsing) fails the file: a misparsed row would shift values into the
wrong columns.  TSV is read without quoting (tabs separate, quotes are text).
"""

from __future__ import annotations

import csv
import io
from typing import BinaryIO

from redactor.cli.errors import FileFailed
from redactor.cli.formats.base import FormatOptions, Transform, iter_lines

NAME = "csv"
SUFFIXES = (".csv", ".tsv", ".tab")
STREAMED = True


def convert(src: BinaryIO, dst: BinaryIO, transform: Transform, opts: FormatOptions,
            suffix: str = ".csv") -> dict[str, object]:
    tsv = suffix in (".tsv", ".tab")
    delimiter = opts.delimiter or ("\t" if tsv else ",")
    dialect = {"delimiter": delimiter, "strict": True}
    if tsv and opts.delimiter is None:
        dialect |= {"quoting": csv.QUOTE_NONE, "quotechar": None}
    lines = iter_lines(src)
    first = next(lines, None)
    if first is None:
        return {"rows": 0}
    terminator = "\r\n" if first.endswith("\r\n") else "\n"
    reader = csv.reader(_chain(first, lines), **dialect)
    writer_io = io.TextIOWrapper(dst, encoding="utf-8", newline="", write_through=True)
    writer = csv.writer(writer_io, lineterminator=terminator, **dialect)
    rows_done = 0
    try:
        width: int | None = None
        selected: set[int] | None = None
        batch: list[list[str]] = []
        numbers: list[int] = []
        header: list[str] | None = None
        while True:
            try:
                row = next(reader)
            except StopIteration:
                break
            except csv.Error as error:
                raise FileFailed(f"malformed {'TSV' if tsv else 'CSV'} at line {reader.line_num}: {error}") from None
            if not row:  # a blank line
                batch.append(row)
                numbers.append(rows_done)
            elif width is None:
                width = len(row)
                if opts.header:
                    header = row
                    selected = _select(opts.columns, header)
                    writer.writerows(batch)  # blank lines before the header
                    writer.writerow(row)
                    batch, numbers = [], []
                    continue
                selected = _select(opts.columns, None)
            if row and len(row) != width:
                raise FileFailed(f"malformed {'TSV' if tsv else 'CSV'} at line {reader.line_num}: "
                                 f"{len(row)} fields where the first row has {width}")
            if row:
                rows_done += 1
                batch.append(row)
                numbers.append(rows_done)
            if len(batch) >= max(1, opts.batch_units // max(1, width or 1)) * 4:
                _flush(writer, batch, numbers, header, selected, transform, opts)
                batch, numbers = [], []
        _flush(writer, batch, numbers, header, selected, transform, opts)
        writer_io.flush()
    except csv.Error as error:  # writing: a value the dialect cannot hold (TSV without quoting)
        raise FileFailed(f"cannot write {'TSV' if tsv else 'CSV'}: {error}") from None
    finally:
        writer_io.detach()
    return {"rows": rows_done}


def _chain(first: str, rest):  # type: ignore[no-untyped-def]
    yield first
    yield from rest


def _select(columns: tuple[str, ...], header: list[str] | None) -> set[int] | None:
    if not columns:
        return None
    chosen = set()
    for column in columns:
        if column.isdigit() and int(column) >= 1:
            chosen.add(int(column) - 1)
        elif header is not None and column in header:
            chosen.add(header.index(column))
        else:
            raise FileFailed(f"column {column!r} is not in the header" if header is not None
                             else f"column {column!r}: without a header, give 1-based column numbers")
    return chosen


def _flush(writer, batch: list[list[str]], numbers: list[int], header: list[str] | None,  # type: ignore[no-untyped-def]
           selected: set[int] | None, transform: Transform, opts: FormatOptions) -> None:
    cells: list[tuple[int, int]] = []
    texts: list[str] = []
    wheres: list[dict[str, object]] = []
    for r, (row, number) in enumerate(zip(batch, numbers)):
        for c, value in enumerate(row):
            if (selected is None or c in selected) and value.strip():
                cells.append((r, c))
                texts.append(value)
                wheres.append({"row": number, "column": header[c] if header else c + 1})
    for start in range(0, len(texts), max(1, opts.batch_units)):
        outs = transform(texts[start:start + opts.batch_units], wheres[start:start + opts.batch_units])
        for (r, c), new in zip(cells[start:start + opts.batch_units], outs):
            batch[r][c] = new
    for row in batch:
        writer.writerow(row)
