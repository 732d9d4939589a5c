"""DOCX to text with python-docx: paragraphs and tables in document order."""
from __future__ import annotations

import io
import zipfile
import zlib

from .errors import ReadError


def read_docx(data: bytes) -> str:
    from docx.opc.exceptions import OpcError
    from lxml import etree

    try:
        return _read_docx(data)
    # A damaged DOCX is a damaged zip of XML: zipfile, zlib, lxml and python-docx each have their
    # own way to say so (tests/test_fuzz_readers.py found zlib's and an "encrypted" member's).
    except (zipfile.BadZipFile, zlib.error, KeyError, ValueError, RuntimeError, EOFError, OSError,
            NotImplementedError, etree.LxmlError, OpcError) as exc:
        raise ReadError(f"corrupt or unreadable DOCX ({exc}); open it in Word and save it again") from exc


def _read_docx(data: bytes) -> str:
    import docx
    from docx.table import Table
    from docx.text.paragraph import Paragraph

    document = docx.Document(io.BytesIO(data))
    lines: list[str] = []
    for block in document.iter_inner_content():
        if isinstance(block, Paragraph):
            lines.append(block.text)
        elif isinstance(block, Table):
            for row in block.rows:
                cells: list[str] = []
                for cell in row.cells:
                    text = cell.text.strip()
                    if text and (not cells or cells[-1] != text):  # merged cells repeat
                        cells.append(text)
                lines.append("\n".join(cells))
    return "\n".join(lines)
