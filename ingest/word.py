"""DOCX to text with python-docx: paragraphs and tables in document order.

Runs set in a legacy Vietnamese font (.VnTime, VNI-Times...) hold TCVN3 or VNI text: they are
converted to Unicode by the font that each run is drawn in (ingest.legacy_encodings).
"""
from __future__ import annotations

import io
import zipfile
import zlib

from .errors import ReadError
from .legacy_encodings import convert_runs, font_encoding, legacy_note


def read_docx(data: bytes, notes: list[str] | None = None) -> str:
    """The document's text; what was converted from a legacy encoding is added to `notes`."""
    from docx.opc.exceptions import OpcError
    from lxml import etree

    try:
        return _read_docx(data, notes)
    # A damaged DOCX is a damaged zip of XML: zipfile, zlib, lxml and python-docx each have their
    # own way to say so (tests/test_fuzz_readers.py found zlib's and an "encrypted" member's).
    except (zipfile.BadZipFile, zlib.error, KeyError, ValueError, RuntimeError, EOFError, OSError,
            NotImplementedError, etree.LxmlError, OpcError) as exc:
        raise ReadError(f"corrupt or unreadable DOCX ({exc}); open it in Word and save it again") from exc


def _read_docx(data: bytes, notes: list[str] | None) -> str:
    import docx
    from docx.table import Table
    from docx.text.paragraph import Paragraph

    document = docx.Document(io.BytesIO(data))
    fonts = _Fonts(document.styles.element)
    runs: list[tuple[str, str | None]] = []
    # The text's lines as the runs they are made of: a paragraph's, or each cell's of a table row.
    blocks: list[tuple[bool, list[range]]] = []

    def add(paragraphs) -> range:
        start = len(runs)
        for i, paragraph in enumerate(paragraphs):
            if i:
                runs.append(("\n", None))
            runs.extend(fonts.runs(paragraph._p))
        end = len(runs)
        runs.append(("\n", None))  # apart: no VNI mark nor capital repair runs across blocks
        return range(start, end)

    for block in document.iter_inner_content():
        if isinstance(block, Paragraph):
            blocks.append((False, [add([block])]))
        elif isinstance(block, Table):
            for row in block.rows:
                blocks.append((True, [add(cell.paragraphs) for cell in row.cells]))
    texts, used = convert_runs(runs)
    if notes is not None:
        notes.extend(legacy_note(encoding, names) for encoding, names in sorted(used.items()))
    lines: list[str] = []
    for table, parts in blocks:
        if not table:
            lines.append("".join(texts[i] for i in parts[0]))
            continue
        cells: list[str] = []
        for part in parts:
            text = "".join(texts[i] for i in part).strip()
            if text and (not cells or cells[-1] != text):  # merged cells repeat
                cells.append(text)
        lines.append("\n".join(cells))
    return "\n".join(lines)


class _Fonts:
    """Which font each run is drawn in: its own, its character style's, its paragraph style's
    (and the styles they are based on), or the document's default."""

    def __init__(self, styles):
        from docx.enum.style import WD_STYLE_TYPE
        from docx.oxml.ns import qn

        self._qn = qn
        self._styles = styles
        default = styles.find(qn("w:docDefaults"))
        self._default = default.find(qn("w:rPrDefault")) if default is not None else None
        paragraph_default = styles.default_for(WD_STYLE_TYPE.PARAGRAPH)
        self._paragraph_default = paragraph_default.styleId if paragraph_default is not None else None
        self._cache: dict[tuple[str | None, str | None], str | None] = {}

    def runs(self, p) -> list[tuple[str, str | None]]:
        """(text, font) of a paragraph's runs, those in hyperlinks too, as python-docx reads them."""
        qn = self._qn
        style = p.pPr.style if p.pPr is not None else None
        out = []
        for element in p.xpath("w:r | w:hyperlink/w:r"):
            own = self._font_of(element.rPr)
            run_style = element.rPr.style if element.rPr is not None else None
            font = own if own is not None else self._styled(run_style, style or self._paragraph_default)
            if font_encoding(font) is None:
                out.append((element.text, font))
                continue
            # A legacy font's text keeps its soft hyphens: 0xAD is TCVN3's ư, which Word may
            # store as <w:softHyphen/> (python-docx reads those as nothing).
            parts = []
            for child in element.xpath("w:br | w:cr | w:noBreakHyphen | w:ptab | w:t | w:tab | w:softHyphen"):
                parts.append("\u00ad" if child.tag == qn("w:softHyphen") else str(child))
            out.append(("".join(parts), font))
        return out

    def _font_of(self, rpr) -> str | None:
        """The font a run's properties name for the characters legacy text is made of (w:hAnsi,
        the font Word draws U+0080-U+00FF in; then w:ascii); "" where they name a theme font."""
        if rpr is None:
            return None
        fonts = rpr.find(self._qn("w:rFonts"))
        if fonts is None:
            return None
        for attribute in ("w:hAnsi", "w:ascii"):
            if fonts.get(self._qn(attribute)):
                return fonts.get(self._qn(attribute))
            if fonts.get(self._qn(attribute + "Theme")):
                return ""
        return None

    def _styled(self, run_style: str | None, paragraph_style: str | None) -> str | None:
        key = (run_style, paragraph_style)
        if key not in self._cache:
            found = self._in_style(run_style)
            if found is None:
                found = self._in_style(paragraph_style)
            if found is None and self._default is not None:
                found = self._font_of(self._default.find(self._qn("w:rPr")))
            self._cache[key] = found
        return self._cache[key]

    def _in_style(self, style_id: str | None) -> str | None:
        seen: set[str] = set()
        while style_id and style_id not in seen:
            seen.add(style_id)
            style = self._styles.get_by_id(style_id)
            if style is None:
                return None
            found = self._font_of(style.rPr)
            if found is not None:
                return found
            style_id = style.basedOn_val
        return None
