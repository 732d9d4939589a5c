"""Old office formats to text: Word 97-2003 (.doc), RTF and OpenDocument text (.odt).

Chosen by measurement (bench/bench_office.py; the table is in docs/ingest.md), on the sample
library's 41 party documents and 40 news articles:

- .doc: antiword gives every Vietnamese mark in ~0.01 s a file, but prints a table's cells side
  by side, line by line, so a party document's two-column header and signature block come out
  interleaved (CER 5.3%); LibreOffice (to DOCX, read by ingest/word.py, ~1.5-2 s a file) gets
  them right (CER 0.03%: one line break lost where a document ends on a table). So antiword
  reads a .doc without tables, and LibreOffice one with a table or one antiword refuses (a text
  under a few hundred bytes, a variant it does not know). catdoc loses letters and table cells.
- .rtf: unrtf's HTML rendering, read with lxml: exact and ~0.02 s a file (its --text rendering
  drops every letter outside Latin-1, CER 30%; striprtf runs cells together); LibreOffice
  where unrtf fails.
- .odt: content.xml read with lxml: exact, ~0.001 s a file, no dependency (odfpy: exact, 20x
  slower; LibreOffice: exact, 1,500x slower).

The fonts a document names go to ingest.legacy_encodings: RTF through unrtf's `<font face>`,
ODT through its font declarations, DOC through LibreOffice's DOCX and ingest/word.py (antiword
names none; its text is recognised by its characters, as every reader's is afterwards).

Every external program runs through ingest/external.py: a private temporary folder as its
working directory and home, so each LibreOffice run starts on its own fresh profile (two uploads
converting at once share nothing), its own process group killed at the converter's deadline,
and a memory bound. That profile sets macro security to its highest level with macro execution
disabled and VBA not even loaded, on top of `--convert-to` loading documents without running
their events: a document's macros are never run. A password-protected .doc (the FIB's
fEncrypted bit) or .odt (encryption data in its manifest) is refused before any program sees it.
"""
from __future__ import annotations

import io
import re
import struct
import time
import zipfile
import zlib
from dataclasses import dataclass
from pathlib import Path

from .errors import ReadError
from .external import Finished, Scratch, require, run_bounded
from .legacy_encodings import convert_legacy, font_encoding, legacy_note
from .limits import Limits

# The programs, by name (a test points one at a script that hangs).
SOFFICE = "soffice"
ANTIWORD = "antiword"
SOFFICE_PACKAGE = "libreoffice-writer-nogui"

# A fresh LibreOffice profile: macros never run, VBA is not even loaded, links from untrusted
# documents are not followed, no lock files. LibreOffice merges this over its defaults when it
# creates the profile.
_SETTINGS = [
    ("/org.openoffice.Office.Common/Security/Scripting", "MacroSecurityLevel", "3"),
    ("/org.openoffice.Office.Common/Security/Scripting", "DisableMacrosExecution", "true"),
    ("/org.openoffice.Office.Common/Security/Scripting", "BlockUntrustedRefererLinks", "true"),
    ("/org.openoffice.Office.Writer/Filter/Import/VBA", "Load", "false"),
    ("/org.openoffice.Office.Writer/Filter/Import/VBA", "Executable", "false"),
    ("/org.openoffice.Office.Common/Misc", "UseLocking", "false"),
]
_PROFILE = ('<?xml version="1.0" encoding="UTF-8"?>\n<oor:items xmlns:oor="http://openoffice.org/2001/registry" '
            'xmlns:xs="http://www.w3.org/2001/XMLSchema" xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance">\n'
            + "".join(f'<item oor:path="{path}"><prop oor:name="{name}" oor:op="fuse"><value>{value}</value>'
                      '</prop></item>\n' for path, name, value in _SETTINGS)
            + "</oor:items>\n")

# Word 97-2003's File Information Block, at the start of the WordDocument stream.
_WORD97_IDENT = 0xA5EC
_WORD6_IDENT = 0xA5DC
_F_ENCRYPTED = 0x0100
_F_OBFUSCATED = 0x8000
_MACRO_STORAGES = {"Macros", "_VBA_PROJECT_CUR", "_VBA_PROJECT"}

_ODF_TEXT = "urn:oasis:names:tc:opendocument:xmlns:text:1.0"
_ODF_OFFICE = "urn:oasis:names:tc:opendocument:xmlns:office:1.0"
_ODF_STYLE = "urn:oasis:names:tc:opendocument:xmlns:style:1.0"
_ODF_SVG = "urn:oasis:names:tc:opendocument:xmlns:svg-compatible:1.0"


@dataclass(frozen=True)
class Budget:
    """What the external programs reading one file may take: `seconds` a run
    (SOTAY_CONVERTER_TIMEOUT_S), `memory_mb` of address space each, and all of them together end
    by `until` (a `time.monotonic()` deadline: the reader's own, less a margin)."""

    seconds: float = 60.0
    memory_mb: int = 0
    until: float | None = None
    reader_seconds: float = 0.0  # the reader's limit `until` comes from, named when it is what stops a run

    @classmethod
    def for_reader(cls, limits: Limits) -> Budget:
        """The converters' budget inside one file's reader: each run within `converter_seconds`,
        and every run over before the reader's deadline, so that a converter is stopped (its process
        group killed) by its own timeout and never outlives a reader worker killed at its deadline."""
        margin = min(5.0, limits.reader_seconds * 0.1)
        return cls(seconds=limits.converter_seconds, memory_mb=limits.reader_memory_mb,
                   until=time.monotonic() + limits.reader_seconds - margin, reader_seconds=limits.reader_seconds)


def _run(label: str, argv: list[str], workdir: Path, budget: Budget) -> Finished:
    seconds, limit = budget.seconds, "SOTAY_CONVERTER_TIMEOUT_S"
    if budget.until is not None and budget.until - time.monotonic() < seconds:
        seconds, limit = budget.until - time.monotonic(), "SOTAY_READER_TIMEOUT_S"
        if seconds <= 0:
            raise ReadError(f"no time was left for {label} within the {budget.reader_seconds:g} s limit for reading "
                            "one file (SOTAY_READER_TIMEOUT_S): raise SOTAY_READER_TIMEOUT_S")
    try:
        return run_bounded(argv, workdir=workdir, seconds=seconds, memory_mb=budget.memory_mb)
    except TimeoutError:
        what = (f"{seconds:g} s" if limit == "SOTAY_CONVERTER_TIMEOUT_S" else
                f"{seconds:.1f} s, what was left of the {budget.reader_seconds:g} s limit for reading one file")
        raise ReadError(f"{label} took longer than {what} converting this file and was stopped ({limit}): the file "
                        f"may be damaged or crafted; open it, save it again and upload it again, or raise {limit}"
                        ) from None


def soffice_convert(data: bytes, suffix: str, target: str, budget: Budget) -> bytes:
    """`data` (a file named `in{suffix}`) converted by LibreOffice to `target` (a `--convert-to`
    argument: "docx", "txt:Text (encoded):UTF8") within `budget`."""
    program = require(SOFFICE, SOFFICE_PACKAGE)
    with Scratch("sotay-soffice-") as scratch:
        profile = scratch / "profile"
        (profile / "user").mkdir(parents=True)
        (profile / "user" / "registrymodifications.xcu").write_text(_PROFILE, encoding="utf-8")
        source = scratch / f"in{suffix}"
        source.write_bytes(data)
        out = scratch / "out"
        argv = [program, "--headless", "--invisible", "--norestore", "--nologo", "--nolockcheck", "--nodefault",
                f"-env:UserInstallation={profile.as_uri()}", "--convert-to", target, "--outdir", str(out),
                str(source)]
        done = _run("LibreOffice", argv, scratch, budget)
        result = out / f"in.{target.split(':')[0]}"
        if done.returncode != 0 or not result.is_file():
            said = _last_line(done.stderr + b"\n" + done.stdout)
            raise ReadError(f"LibreOffice could not read this file ({said or f'exit status {done.returncode}'}): "
                            "it is damaged or not what its name says; open it, save it again and upload it again")
        return result.read_bytes()


def _last_line(output: bytes) -> str:
    lines = [line.strip() for line in output.decode("utf-8", "replace").splitlines()
             if line.strip() and "javaldx" not in line and not line.startswith("convert ")]
    return lines[-1][:200] if lines else ""


def word_streams(data: bytes) -> set[str]:
    """The stream and storage names of an OLE2 file, or a ReadError for a damaged one."""
    import olefile

    try:
        with olefile.OleFileIO(io.BytesIO(data)) as ole:
            names = {"/".join(entry) for entry in ole.listdir(streams=True, storages=True)}
            fib = ole.openstream("WordDocument").read(32) if "WordDocument" in names else b""
    except Exception as exc:  # olefile's own errors and the struct/index errors of a damaged file
        raise ReadError(f"corrupt or truncated Word 97-2003 document ({exc.__class__.__name__}: {exc}); "
                        "open it in Word and save it again") from None
    if "WordDocument" not in names:
        raise ReadError("corrupt Word 97-2003 document, or another kind of Office 97-2003 file: it holds no "
                        "WordDocument stream; open it in Word and save it again")
    if len(fib) < 12:
        raise ReadError("corrupt Word 97-2003 document (its WordDocument stream is cut short); "
                        "open it in Word and save it again")
    # wIdent, nFib, unused, lid, pnNext, then the flags word (fDot, ..., fEncrypted, ..., fObfuscated).
    ident, _, _, _, _, flags = struct.unpack_from("<HHHHHH", fib)
    if ident not in (_WORD97_IDENT, _WORD6_IDENT):
        raise ReadError(f"corrupt Word document (its header says 0x{ident:04x}, not a Word 6-2003 document); "
                        "open it in Word and save it again")
    if flags & (_F_ENCRYPTED | _F_OBFUSCATED):
        raise ReadError("password-protected Word document (encrypted DOC): it cannot be read without the "
                        "password; open it in Word, remove the password (File > Info > Protect Document) "
                        "and upload it again")
    return names


def read_doc(data: bytes, budget: Budget, notes: list[str] | None = None) -> str:
    """A Word 97-2003 document's text: antiword's, unless the document has a table or antiword
    cannot read it; then LibreOffice's (to DOCX, read by ingest/word.py)."""
    names = word_streams(data)
    if notes is not None and names & _MACRO_STORAGES:
        notes.append("the document holds macros (VBA): they were not run, only its text was read")
    text = _antiword(data, budget)
    if text is not None:
        return text
    from .word import read_docx

    return read_docx(soffice_convert(data, ".doc", "docx", budget), notes)


def _antiword(data: bytes, budget: Budget) -> str | None:
    """antiword's text, or None where LibreOffice reads the file better: antiword refused it
    (a text under a few hundred bytes, a variant it does not know) or it has a table, whose
    cells antiword prints side by side line by line, interleaving a party document's two-column
    header (issuer and number beside the national motto and date) and signature block."""
    program = require(ANTIWORD, "antiword")
    with Scratch("sotay-antiword-") as scratch:
        (scratch / "in.doc").write_bytes(data)
        # UTF-8 out, and no line wrapping (-w 0): paragraphs stay one line each.
        done = _run("antiword", [program, "-m", "UTF-8.txt", "-w", "0", "in.doc"], scratch, budget)
    text = done.stdout.decode("utf-8", "replace")
    if done.returncode != 0 or not text.strip() or _TABLE_LINE.search(text):
        return None
    return "\n".join(line.rstrip() for line in text.splitlines() if line.strip() != "[pic]")


_TABLE_LINE = re.compile(r"^\|.*\|[ \t]*$", re.M)


def read_rtf(data: bytes, budget: Budget, notes: list[str] | None = None) -> str:
    """An RTF document's text: unrtf's HTML rendering (its plain-text one drops every letter
    outside Latin-1), or LibreOffice's where unrtf fails."""
    _check_rtf(data)
    program = require("unrtf", "unrtf")
    with Scratch("sotay-unrtf-") as scratch:
        (scratch / "in.rtf").write_bytes(data)
        done = _run("unrtf", [program, "--html", "in.rtf"], scratch, budget)
    text, fonts = _html_text(done.stdout) if done.returncode == 0 else ("", set())
    if text.strip():
        return _legacy_fonts(text, fonts, notes)
    from .word import read_docx

    return read_docx(soffice_convert(data, ".rtf", "docx", budget), notes)


_RTF_ESCAPES = re.compile(rb"\\[\\{}]")


def _check_rtf(data: bytes) -> None:
    """Refuse what is not an RTF document, or one cut short: both readers would read what is
    there and say nothing, so half a document would be loaded as if it were whole."""
    if not data.lstrip(b"\xef\xbb\xbf").startswith(b"{\\rtf"):
        raise ReadError("not an RTF document (it does not start with {\\rtf): it is damaged or not what its name "
                        "says; open it, save it again and upload it again")
    braces = _RTF_ESCAPES.sub(b"", data)
    open_groups = braces.count(b"{") - braces.count(b"}")
    if open_groups > 0:
        raise ReadError(f"truncated RTF document: it ends with {open_groups:,} group{'s' if open_groups > 1 else ''} "
                        "left open, so part of it is missing; upload the whole file again")


_BLOCKS = {"div", "p", "td", "th", "tr", "table", "li", "center", "h1", "h2", "h3", "h4", "h5", "h6", "blockquote"}
_SPACE = re.compile(r"\s+")
_CONTROLS = re.compile(rb"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")


def _html_text(page: bytes) -> tuple[str, set[str]]:
    """The text of unrtf's HTML, a paragraph a line, and the fonts it is set in: unrtf writes
    tag soup (a <center> across table cells), which lxml's HTML parser repairs; whitespace is
    HTML's (a run is one space) and each <br> and block element ends a line."""
    from lxml import etree, html

    page = _CONTROLS.sub(b"", page)  # a damaged file's NUL and control bytes, which no XML tree holds
    if not page.strip():
        return "", set()
    try:
        root = html.fromstring(page, parser=html.HTMLParser(encoding="utf-8", no_network=True, remove_comments=True))
    except (etree.LxmlError, ValueError):
        return "", set()
    body = root.find("body")
    if body is None:
        return "", set()
    fonts = {face for element in body.iter("font") if (face := element.get("face"))}
    for element in body.iter():
        if not isinstance(element.tag, str):
            continue
        if element.text:
            element.text = _SPACE.sub(" ", element.text)
        if element.tail:
            element.tail = _SPACE.sub(" ", element.tail)
        if element.tag == "br":
            element.tail = "\n" + (element.tail or "")
        elif element.tag in _BLOCKS:
            element.text = "\n" + (element.text or "")
            element.tail = "\n" + (element.tail or "")
    lines = (line.strip() for line in body.text_content().split("\n"))
    return "\n".join(line for line in lines if line), fonts


def read_odt(data: bytes, notes: list[str] | None = None) -> str:
    """An OpenDocument text's paragraphs, headings, lists and table cells in document order."""
    from lxml import etree

    try:
        archive = zipfile.ZipFile(io.BytesIO(data))
        if _odt_encrypted(archive):
            raise ReadError("password-protected OpenDocument text (encrypted ODT): it cannot be read without the "
                            "password; open it, save it without a password and upload it again")
        if notes is not None and any(n.startswith(("Basic/", "Scripts/")) for n in archive.namelist()):
            notes.append("the document holds macros: they were not run, only its text was read")
        content = archive.read("content.xml")
        parser = etree.XMLParser(resolve_entities=False, no_network=True, huge_tree=False, load_dtd=False)
        root = etree.fromstring(content, parser)
    except ReadError:
        raise
    except (zipfile.BadZipFile, zipfile.LargeZipFile, zlib.error, KeyError, ValueError, EOFError, OSError,
            RuntimeError, NotImplementedError, struct.error, etree.LxmlError) as exc:
        raise ReadError(f"corrupt or unreadable ODT ({exc.__class__.__name__}: {exc}); "
                        "open it and save it again") from exc
    body = root.find(f"{{{_ODF_OFFICE}}}body")
    if body is None:
        raise ReadError("corrupt ODT: its content.xml has no body; open it and save it again")
    lines: list[str] = []
    _odt_blocks(body, lines)
    fonts = {name.strip("'\"") for face in root.iter(f"{{{_ODF_STYLE}}}font-face")
             for name in (face.get(f"{{{_ODF_STYLE}}}name"), face.get(f"{{{_ODF_SVG}}}font-family")) if name}
    return _legacy_fonts("\n".join(lines), fonts, notes)


def _legacy_fonts(text: str, fonts: set[str], notes: list[str] | None) -> str:
    """`text` converted from TCVN3 or VNI when the document is set in such a font (.VnTime,
    VNI-Times: ingest.legacy_encodings); the fonts it names let a short legacy text be
    recognised that its characters alone would not prove. Unicode text is never changed."""
    legacy = {font.family: font.encoding for name in fonts if (font := font_encoding(name))}
    if not legacy:
        return text
    converted, encoding = convert_legacy(text, sorted(fonts))
    if encoding and notes is not None:
        notes.append(legacy_note(encoding, [family for family, used in legacy.items() if used == encoding]))
    return converted


def _odt_encrypted(archive: zipfile.ZipFile) -> bool:
    try:
        manifest = archive.read("META-INF/manifest.xml")
    except KeyError:
        return False
    return b"encryption-data" in manifest


_PARAGRAPHS = {f"{{{_ODF_TEXT}}}p", f"{{{_ODF_TEXT}}}h"}
# What is not the document's running text: tracked deletions, notes' metadata, indexes' own titles.
_SKIPPED = {f"{{{_ODF_TEXT}}}tracked-changes", f"{{{_ODF_OFFICE}}}annotation", f"{{{_ODF_TEXT}}}sequence-decls",
            f"{{{_ODF_TEXT}}}variable-decls", f"{{{_ODF_TEXT}}}user-field-decls"}


def _odt_blocks(node, lines: list[str]) -> None:
    # Iterative, so a crafted document nested ten thousand deep costs a list, not the stack.
    stack = [iter(node)]
    while stack:
        child = next(stack[-1], None)
        if child is None:
            stack.pop()
            continue
        if not isinstance(child.tag, str) or child.tag in _SKIPPED:
            continue
        if child.tag in _PARAGRAPHS:
            lines.append(_odt_text(child))
        else:
            stack.append(iter(child))


def _odt_text(paragraph) -> str:
    parts: list[str] = []
    stack = [(paragraph, False)]
    # Depth-first over the paragraph: an element's text, its children, then its tail.
    while stack:
        element, done = stack.pop()
        if done:
            if element is not paragraph and element.tail:
                parts.append(element.tail)
            continue
        tag = element.tag if isinstance(element.tag, str) else ""
        if tag in _SKIPPED:
            if element.tail:
                parts.append(element.tail)
            continue
        local = tag.rpartition("}")[2] if tag.startswith(f"{{{_ODF_TEXT}}}") else ""
        if local == "s":
            count = element.get(f"{{{_ODF_TEXT}}}c", "1")
            parts.append(" " * (min(1000, int(count)) if count.isdigit() else 1))
        elif local == "tab":
            parts.append("\t")
        elif local == "line-break":
            parts.append("\n")
        elif element.text:
            parts.append(element.text)
        stack.append((element, True))
        for sub in reversed(list(element)):
            stack.append((sub, False))
    return "".join(parts)
