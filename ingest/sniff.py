"""What a file really is, from its first bytes and its container, never from its name.

Editors rename files: a "Save as web page" from Word named `.doc`, an RTF a mail client called
`.doc`, a DOCX kept as `.doc`, a scan saved with a `.pdf` name. `sniff(data)` answers the kind of
content (one of `KINDS`), and the reader is chosen by that (ingest/sources.py). Office containers
are opened far enough to tell them apart: an OLE2 compound file may be a Word 97-2003 document (a
`WordDocument` stream), an Excel or PowerPoint file, or a password-protected DOCX (OOXML
encryption keeps the package in an `EncryptedPackage` stream); a ZIP may be a DOCX
(`word/document.xml`), an OpenDocument text (its `mimetype` member) or something else.
"""
from __future__ import annotations

import io
import re
import struct
import zipfile
import zlib

# Every kind `sniff` answers, as an editor would name it.
KINDS = {
    "pdf": "a PDF",
    "docx": "a Word document (DOCX)",
    "doc": "a Word 97-2003 document (DOC)",
    "rtf": "an RTF document",
    "odt": "an OpenDocument text (ODT)",
    "html": "an HTML page",
    "text": "plain text",
    "jpeg": "a JPEG image",
    "png": "a PNG image",
    "tiff": "a TIFF image",
    "gif": "a GIF image",
    "xls": "an Excel 97-2003 workbook (XLS)",
    "ppt": "a PowerPoint 97-2003 presentation (PPT)",
    "encrypted-office": "a password-protected Office document (DOCX, XLSX or PPTX)",
    "ole": "an Office 97-2003 compound file that is not a Word document, or a damaged one",
    "xlsx": "an Excel workbook (XLSX)",
    "pptx": "a PowerPoint presentation (PPTX)",
    "opendocument": "an OpenDocument file that is not a text (a spreadsheet, a presentation...)",
    "zip": "a ZIP archive",
    "binary": "binary data of no kind read here",
}

OLE_MAGIC = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"
ODT_MIMETYPE = b"application/vnd.oasis.opendocument.text"
_HTML_START = re.compile(rb"\s*(?:<!--.*?-->\s*)*<(?:!doctype\s+html|html|head|body|meta|title)[\s>]", re.I | re.S)
_TEXT_PROBE = 8192  # bytes looked at to tell text from binary


def sniff(data: bytes) -> str:
    """The kind of content `data` holds: a key of `KINDS`."""
    head = data[:16]
    if data[:1024].lstrip(b"\xef\xbb\xbf \t\r\n\f\x00").startswith(b"%PDF-"):
        return "pdf"  # a PDF may start after a few bytes of junk; readers accept it
    if head.startswith(OLE_MAGIC):
        return _ole_kind(data)
    if head.startswith(b"PK\x03\x04") or head.startswith(b"PK\x05\x06"):
        return _zip_kind(data)
    if head.lstrip(b"\xef\xbb\xbf").startswith(b"{\\rtf"):
        return "rtf"
    if head.startswith(b"\xff\xd8\xff"):
        return "jpeg"
    if head.startswith(b"\x89PNG\r\n\x1a\n"):
        return "png"
    if head.startswith((b"II*\x00", b"MM\x00*")):
        return "tiff"
    if head.startswith((b"GIF87a", b"GIF89a")):
        return "gif"
    return _text_kind(data)


def _text_kind(data: bytes) -> str:
    probe = data[:_TEXT_PROBE]
    if probe.startswith((b"\xff\xfe", b"\xfe\xff")):
        try:
            probe = probe.decode("utf-16").encode("utf-8")
        except UnicodeDecodeError:
            probe = b""  # a cut in the middle of a character: judge the rest as text
        return "html" if _HTML_START.match(probe) else "text"
    if b"\x00" in probe:
        return "binary"
    return "html" if _HTML_START.match(probe.removeprefix(b"\xef\xbb\xbf")) else "text"


def _ole_kind(data: bytes) -> str:
    import olefile

    try:
        with olefile.OleFileIO(io.BytesIO(data)) as ole:
            streams = {"/".join(entry) for entry in ole.listdir(streams=True, storages=True)}
    except Exception:  # olefile's own errors and the struct/index errors of a damaged file
        return "ole"
    if "WordDocument" in streams:
        return "doc"
    if "EncryptedPackage" in streams or "EncryptionInfo" in streams:
        return "encrypted-office"
    if streams & {"Workbook", "Book"}:
        return "xls"
    if "PowerPoint Document" in streams:
        return "ppt"
    return "ole"


def _zip_kind(data: bytes) -> str:
    try:
        archive = zipfile.ZipFile(io.BytesIO(data))
        names = set(archive.namelist())
        if "mimetype" in names:
            # ODF puts `mimetype` first and stored; a file of a few dozen bytes, read whatever it claims.
            info = archive.getinfo("mimetype")
            mimetype = archive.read(info).strip() if info.file_size < 256 else b""
            if mimetype == ODT_MIMETYPE:
                return "odt"
            if mimetype.startswith(b"application/vnd.oasis.opendocument."):
                return "opendocument"
    except (zipfile.BadZipFile, zipfile.LargeZipFile, zlib.error, struct.error, OSError, ValueError, KeyError,
            EOFError, NotImplementedError, RuntimeError):
        return "zip"
    if "word/document.xml" in names:
        return "docx"
    if "xl/workbook.xml" in names:
        return "xlsx"
    if "ppt/presentation.xml" in names:
        return "pptx"
    return "zip"


def describe(kind: str) -> str:
    return KINDS.get(kind, kind)


# What a file's name says it is. The content has the last word, except among the text kinds.
SUFFIX_KINDS = {
    ".pdf": "pdf", ".docx": "docx", ".doc": "doc", ".rtf": "rtf", ".odt": "odt",
    ".html": "html", ".htm": "html", ".txt": "text", ".md": "markdown",
    ".jpg": "jpeg", ".jpeg": "jpeg", ".png": "png", ".tif": "tiff", ".tiff": "tiff",
}
IMAGE_KINDS = {"jpeg", "png", "tiff"}
_TEXTUAL = {"text", "markdown", "html"}
# Kinds recognised by a mark of their own (not "text", which is whatever has no such mark).
_READ_AS_FOUND = {"pdf", "docx", "doc", "rtf", "odt", "html", "jpeg", "png", "tiff"}
SHORT_NAMES = {"pdf": "PDF", "docx": "DOCX", "doc": "DOC", "rtf": "RTF", "odt": "ODT", "html": "HTML",
               "text": "plain text", "markdown": "Markdown", "jpeg": "JPEG", "png": "PNG", "tiff": "TIFF"}


def kind_to_read(data: bytes, suffix: str) -> tuple[str, str | None]:
    """(the kind to read `data` as, a note for the report when that is not what `suffix` says).

    Content wins: a `.doc` that is RTF is read as RTF, one saved by Word as a web page as HTML, a
    `.docx` that is a Word 97-2003 file as DOC. Among the text kinds the name decides (a `.md`
    that starts with HTML tags is still Markdown). Content of a kind not read here is refused
    naming what it is; content with no mark of any kind (damaged, or plain text under an office
    name) goes to the reader its name calls for, which says what is wrong with it.
    """
    from .errors import ReadError

    claimed = SUFFIX_KINDS.get(suffix.lower(), "")
    actual = sniff(data)
    if actual == claimed or (claimed in _TEXTUAL and actual in ("text", "html")):
        return claimed, None
    named = f"named {suffix}" if suffix else "with no suffix in its name"
    if actual in _READ_AS_FOUND:
        return actual, f"read as {SHORT_NAMES[actual]}: the file is {describe(actual)} although {named}"
    if actual == "encrypted-office":
        raise ReadError("password-protected Office document (encrypted): it cannot be read without the password; "
                        "open it, remove the password and upload it again")
    if actual == "text" and claimed not in _TEXTUAL:
        raise ReadError(f"not {describe(claimed)}: the file holds plain text although {named}; "
                        "rename it .txt to load it as text")
    if actual in ("binary", "zip", "ole"):
        return claimed, None
    raise ReadError(f"the file is {describe(actual)} although {named}: that kind of file is not read here; "
                    f"save it as {describe(claimed)} and upload it again")
