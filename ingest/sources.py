"""From what an editor hands us (files, folders, zips, JSONL bundles) to source documents.

Every input yields either `SourceDocument`s or an `IngestFailure` naming the file and the reason;
one bad file never stops a bulk load. What one input may cost is bounded (`ingest.limits.Limits`):
a zip's expanded size and compression ratios are checked before anything is extracted, a
document's text has a length limit, and each file's reader runs in a worker process under a
deadline and a memory bound (`ingest.isolation`).
"""
from __future__ import annotations

import base64
import io
import json
import mimetypes
import re
import struct
import unicodedata
import zipfile
import zlib
from collections.abc import Callable, Iterable, Iterator
from dataclasses import asdict, dataclass, field, replace
from pathlib import Path, PurePosixPath

from .errors import IngestFailure, NeedsOCR, ReadError
from .isolation import BoundedWorker, WorkerError
from .legacy_encodings import ENCODINGS as LEGACY_ENCODINGS
from .legacy_encodings import convert_legacy, legacy_note
from .limits import MB, RATIO_FLOOR_BYTES, Limits, check_text_size
from .ocr import image_to_pdf, recognise
from .ocr_text import Vocabulary, no_vocabulary, recognised_text
from .office import Budget, read_doc, read_odt, read_rtf
from .pdf import read_pdf
from .plaintext import decode_text, strip_markdown
from .sniff import IMAGE_KINDS, SUFFIX_KINDS, kind_to_read
from .topics import parse_topics, topics_problem
from .webpage import read_html
from .word import read_docx

IMAGE_SUFFIXES = {".jpg", ".jpeg", ".png", ".tif", ".tiff"}
SUPPORTED = {".pdf", ".docx", ".doc", ".rtf", ".odt", ".html", ".htm", ".txt", ".md", ".jsonl", ".zip"} | IMAGE_SUFFIXES
SIDECAR_SUFFIX = ".meta.json"
SIDECAR_MAX_BYTES = 64 * 1024
META_MAX_CHARS = 1000  # one metadata field (a title, an issuer...)
ID_MAX_CHARS = 300  # a document id, from a file's path or a JSONL "_id"
# Fields an editor may set in JSONL lines, sidecars or Markdown front matter.
META_FIELDS = {"type", "number", "date", "issuer", "title", "source", "author", "url", "topic",
               "visibility", "org", "topics"}
CONTENT_TYPES = {
    ".pdf": "application/pdf",
    ".docx": "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
    ".doc": "application/msword",
    ".rtf": "application/rtf",
    ".odt": "application/vnd.oasis.opendocument.text",
    ".html": "text/html; charset=utf-8",
    ".htm": "text/html; charset=utf-8",
    ".txt": "text/plain; charset=utf-8",
    ".md": "text/markdown; charset=utf-8",
    ".jpg": "image/jpeg",
    ".jpeg": "image/jpeg",
    ".png": "image/png",
    ".tif": "image/tiff",
    ".tiff": "image/tiff",
}


@dataclass
class SourceDocument:
    doc_id: str
    text: str
    # Editor-supplied metadata (JSONL fields, sidecar, front matter): wins over extraction.
    meta: dict = field(default_factory=dict)
    # What the reader learnt from the file itself (an HTML page's own title and date).
    found: dict = field(default_factory=dict)
    origin: str = ""  # path shown to editors in reports
    filename: str = ""  # original file name, for downloads
    data: bytes | None = None  # the original file, kept for download
    # What members download instead, when reading made a better file: a scan or photo's PDF with
    # a searchable text layer (the original is kept and offered too).
    download: bytes | None = None
    format: str = ""
    notes: list[str] = field(default_factory=list)


def content_type(filename: str) -> str:
    suffix = Path(filename).suffix.lower()
    return CONTENT_TYPES.get(suffix) or mimetypes.guess_type(filename)[0] or "application/octet-stream"


_ID_UNSAFE = re.compile(r"[^\w.\-/]+", re.UNICODE)


def make_doc_id(relative: str) -> str:
    """A stable id from a path relative to the upload root: `van-ban/qd-27-2021`.

    Ids name folders on disk and appear in URLs, so they keep letters, digits, `-_./` only and
    can never climb out of a folder.
    """
    text = unicodedata.normalize("NFC", relative.replace("\\", "/"))
    parts = [p for p in PurePosixPath(text).parts if p not in ("", ".", "..", "/")]
    cleaned = "/".join(_ID_UNSAFE.sub("-", p).strip("-.") for p in parts)
    return re.sub(r"/{2,}", "/", cleaned).strip("/")


def _without_suffix(relative: str) -> str:
    path = PurePosixPath(relative)
    return str(path.with_suffix("")) if path.suffix else str(path)


def _clean_meta(raw: dict, where: str) -> dict:
    meta: dict = {}
    for key, value in raw.items():
        if key == "topics" and value not in (None, "", []):
            # A news article's topics: a list of slugs (or one text of comma-separated slugs).
            topics = parse_topics(value)
            if problem := topics_problem(topics):
                raise ReadError(f"{where}: {problem}")
            meta[key] = topics
        elif key in META_FIELDS and value not in (None, ""):
            if not isinstance(value, (str, int, float)):
                raise ReadError(f"{where}: field {key!r} must be text, not {type(value).__name__}")
            text = unicodedata.normalize("NFC", str(value)).strip()
            if len(text) > META_MAX_CHARS:
                # A title goes with every passage into the indexes: a huge one would cost per passage.
                raise ReadError(f"{where}: field {key!r} is {len(text):,} characters; a metadata field holds "
                                f"at most {META_MAX_CHARS:,}")
            meta[key] = text
    return meta


_FRONT_MATTER = re.compile(r"\A---\s*\n(.*?)\n---\s*\n", re.S)


def _front_matter(text: str) -> tuple[str, dict]:
    match = _FRONT_MATTER.match(text)
    if not match:
        return text, {}
    meta = {}
    for line in match.group(1).splitlines():
        key, sep, value = line.partition(":")
        if sep:
            meta[key.strip().lower()] = value.strip().strip("\"'")
    return text[match.end():], meta


def read_file_bytes(data: bytes, name: str, limits: Limits | None = None) -> tuple[str, dict, list[str]]:
    """Text, self-described metadata and notes of one file's bytes; raises ReadError. With
    `limits`, a text file over the text limit is refused before it is cleaned any further."""
    suffix = Path(name).suffix.lower()
    if not data.strip():
        raise ReadError("empty file")
    if suffix not in SUFFIX_KINDS:
        raise ReadError(f"unsupported file type {suffix or '(none)'}; supported: "
                        + ", ".join(sorted(SUPPORTED)))
    notes: list[str] = []
    found: dict = {}
    # What the file is, by its content (ingest.sniff); a mismatch with its name is reported.
    kind, mismatch = kind_to_read(data, suffix)
    if mismatch:
        notes.append(mismatch)
    converter = Budget.for_reader(limits or Limits())
    if kind == "pdf":
        text = read_pdf(data, notes)
    elif kind == "docx":
        text = read_docx(data, notes)
    elif kind == "doc":
        text = read_doc(data, converter, notes)
    elif kind == "rtf":
        text = read_rtf(data, converter, notes)
    elif kind == "odt":
        text = read_odt(data, notes=notes)
    elif kind in IMAGE_KINDS:
        # A photo or a scan saved as an image: made into a PDF here, recognised by the caller.
        raise NeedsOCR(None, image_to_pdf(data))
    elif kind == "html":
        text, found = read_html(data)
    else:
        text, encoding = decode_text(data)
        if limits is not None:
            check_text_size(text, limits)
        if encoding in LEGACY_ENCODINGS:
            notes.append(legacy_note(encoding))
        elif encoding not in ("utf-8",):
            notes.append(f"decoded as {encoding}")
        if kind == "markdown":
            text, front = _front_matter(text)
            found.update(front)
            text = strip_markdown(text)
    # Legacy Vietnamese text no font named, whatever the reader: HTML, a .doc, a .txt re-saved
    # as UTF-8 from TCVN3 (ingest.legacy_encodings; Unicode text is never changed).
    text, legacy = convert_legacy(text)
    if legacy:
        notes.append(legacy_note(legacy))
    if not text.strip():
        raise ReadError("no text found in the file")
    return text, found, notes


# What a reader failing in a way it was not written for says; never expected (the fuzz test
# looks for it), but one such file must not stop the load either.
UNEXPECTED = "failed unexpectedly"


def _format_name(name: str) -> str:
    return Path(name).suffix.lstrip(".").upper() or "file"


def read_guarded(data: bytes, name: str, limits: Limits) -> tuple:
    """`read_file_bytes` within the text limit, as ("ok", text, found, notes) or ("error", reason).

    What runs in the reader worker (ingest.isolation): it answers, it never raises, except
    MemoryError, which the worker reports as such.
    """
    try:
        text, found, notes = read_file_bytes(data, name, limits)
        check_text_size(text, limits)
        return "ok", text, found, notes
    except NeedsOCR as exc:
        return "ocr", exc.layers, base64.b64encode(exc.pdf).decode("ascii") if exc.pdf is not None else None
    except ReadError as exc:
        return "error", str(exc)
    except MemoryError:
        raise
    except RecursionError:
        return "error", f"the {_format_name(name)} file is nested too deeply to read: it is damaged or crafted"
    except Exception as exc:
        return "error", (f"the {_format_name(name)} reader {UNEXPECTED} ({exc.__class__.__name__}: {exc}): the "
                         "file may be damaged; open it, save it again and upload it again")


def read_in_worker(data: bytes, name: str, limits: dict) -> list:
    """`read_guarded` as the reader worker calls it: JSON in, JSON out (ingest.isolation)."""
    return list(read_guarded(data, name, Limits(**limits)))


class _Reader:
    """Reads one file's bytes with `read_guarded`: in a reader worker, started on first use and
    kept for every file after, or (limits.isolate False) in this process."""

    # What the worker runs, by name (a test puts a misbehaving reader in its place).
    function = "ingest.sources:read_in_worker"

    def __init__(self, limits: Limits, progress: Progress | None = None,
                 vocabulary: Vocabulary = no_vocabulary):
        self.limits = limits
        self.progress = progress
        self.vocabulary = vocabulary
        self._worker: BoundedWorker | None = None

    def read(self, data: bytes, name: str) -> tuple[str, dict, list[str], bytes | None]:
        """(text, found metadata, notes, a better file to download or None); raises ReadError."""
        limits = self.limits
        if not limits.isolate:
            answer = read_guarded(data, name, limits)
        else:
            if self._worker is None:
                self._worker = BoundedWorker(limits.reader_seconds, limits.reader_memory_mb)
            try:
                answer = self._worker.call(self.function, data, name, asdict(limits))
            except WorkerError as exc:
                raise ReadError(_worker_reason(exc, name)) from None
        if answer[0] == "ocr":
            return self._recognise(data, name, answer[1], base64.b64decode(answer[2]) if answer[2] else None)
        if answer[0] != "ok":
            raise ReadError(answer[1])
        return answer[1], answer[2], answer[3], None

    def _recognise(self, data: bytes, name: str, layers: list[str] | None,
                   image_pdf: bytes | None) -> tuple[str, dict, list[str], bytes | None]:
        """OCR of a scan or photo (ingest.ocr), then the recognised pages cleaned (ingest.ocr_text)."""
        label = PurePosixPath(name).name

        def pages_done(done: int, total: int) -> None:
            if self.progress is not None:
                self.progress(done, total, f"OCR {label}")

        result = recognise(image_pdf or data, layers, self.limits, pages_done)
        text = recognised_text(result.pages, result.recognised, self.vocabulary)
        check_text_size(text, self.limits)
        count = len(result.recognised)
        note = (f"recognised by OCR (Tesseract, Vietnamese): {count} page{'s' if count != 1 else ''} in "
                f"{result.seconds:.1f} s; the download is a PDF with a searchable text layer")
        return text, {}, [note], result.pdf

    def close(self) -> None:
        if self._worker is not None:
            self._worker.close()
            self._worker = None


Progress = Callable[[int, int, str], None]


def _worker_reason(exc: WorkerError, name: str) -> str:
    what = f"reading this {_format_name(name)} file"
    if exc.kind == "timeout":
        return (f"{what} {exc}, the limit for one file (SOTAY_READER_TIMEOUT_S): the file may be damaged or "
                "crafted; open it, save it again and upload it again, or raise SOTAY_READER_TIMEOUT_S")
    if exc.kind == "memory":
        return (f"{what} {exc}, the limit for one file (SOTAY_READER_MEMORY_MB): the file may be damaged or "
                "crafted; open it, save it again and upload it again, or raise SOTAY_READER_MEMORY_MB")
    return f"the {_format_name(name)} reader {exc}: the file may be damaged; open it, save it again and upload it again"


def _jsonl_lines(data: bytes, origin: str) -> Iterator[tuple[int, str] | IngestFailure]:
    """(line number, text) of each line of a JSONL file, and a failure for each line that is not
    UTF-8: one bad line costs that line, not the file.

    JSON is UTF-8 (RFC 8259). A whole file in UTF-16 (with its byte-order mark) or in Windows-1258
    (no line of it UTF-8 beyond plain ASCII) is still read whole, as plain text files are.
    """
    if data.startswith((b"\xff\xfe", b"\xfe\xff")):
        try:
            content, _ = decode_text(data)
        except (ReadError, UnicodeDecodeError) as exc:
            yield IngestFailure(origin, f"not valid UTF-16 text ({exc}): save the file as UTF-8 and upload again")
            return
        yield from enumerate(content.split("\n"), start=1)
        return
    if data.startswith(b"\xef\xbb\xbf"):
        data = data[3:]
    try:
        content = data.decode("utf-8")
    except UnicodeDecodeError:
        pass
    else:
        yield from enumerate(content.split("\n"), start=1)
        return
    lines: list[tuple[int, str | UnicodeDecodeError]] = []
    utf8_beyond_ascii = False
    for number, raw in enumerate(data.split(b"\n"), start=1):
        try:
            line = raw.decode("utf-8")
        except UnicodeDecodeError as exc:
            lines.append((number, exc))
            continue
        utf8_beyond_ascii = utf8_beyond_ascii or not line.isascii()
        lines.append((number, line))
    if not utf8_beyond_ascii:
        try:
            content, encoding = decode_text(data)
        except ReadError:
            pass
        else:
            if encoding == "windows-1258":
                yield from enumerate(content.split("\n"), start=1)
                return
    for number, item in lines:
        if isinstance(item, UnicodeDecodeError):
            byte = item.object[item.start]
            yield IngestFailure(f"{origin}:{number}", (
                f"this line is not UTF-8 (byte 0x{byte:02x} at column {item.start + 1}); the other lines were "
                "read: save the file as UTF-8 and upload this line again"))
        else:
            yield number, item


def read_jsonl(data: bytes, origin: str, limits: Limits | None = None) -> Iterator[SourceDocument | IngestFailure]:
    """One document per line: {"_id", "title"?, "text", ...meta}; each line succeeds or fails alone."""
    limits = limits or Limits()
    seen: set[str] = set()
    for item in _jsonl_lines(data, origin):
        if isinstance(item, IngestFailure):
            yield item
            continue
        number, line = item
        where = f"{origin}:{number}"
        if not line.strip():
            continue
        try:
            record = json.loads(line)
        except json.JSONDecodeError as exc:
            yield IngestFailure(where, f"invalid JSON ({exc.msg} at column {exc.colno})")
            continue
        except RecursionError:
            yield IngestFailure(where, "invalid JSON (nested too deeply)")
            continue
        except ValueError as exc:  # a number of more than 4,300 digits
            yield IngestFailure(where, f"invalid JSON ({exc})")
            continue
        if not isinstance(record, dict):
            yield IngestFailure(where, "each line must be a JSON object with \"_id\" and \"text\"")
            continue
        raw_id, text = record.get("_id", record.get("id")), record.get("text")
        if raw_id in (None, ""):
            yield IngestFailure(where, "missing \"_id\": every line needs a document id")
            continue
        if not isinstance(text, str) or not text.strip():
            yield IngestFailure(where, f"document {raw_id!r} has no \"text\"")
            continue
        try:
            check_text_size(text, limits)
        except ReadError as exc:
            yield IngestFailure(where, str(exc))
            continue
        if len(str(raw_id)) > ID_MAX_CHARS:
            yield IngestFailure(where, f"\"_id\" is over {ID_MAX_CHARS} characters: give the document a shorter id")
            continue
        doc_id = make_doc_id(str(raw_id))
        if not doc_id:
            yield IngestFailure(where, f"\"_id\" {raw_id!r} has no usable characters")
            continue
        if doc_id in seen:
            yield IngestFailure(where, f"duplicate \"_id\" {raw_id!r} in this file; the first one is kept")
            continue
        seen.add(doc_id)
        try:
            meta = _clean_meta(record, where)
        except ReadError as exc:
            yield IngestFailure(where, str(exc))
            continue
        yield SourceDocument(doc_id=doc_id, text=text, meta=meta, origin=where, format="jsonl")


def _from_bytes(data: bytes, relative: str, origin: str, sidecar: dict | None, doc_type: str | None,
                reader: _Reader, max_bytes: int) -> Iterator[SourceDocument | IngestFailure]:
    suffix = PurePosixPath(relative).suffix.lower()
    if len(data) > max_bytes:
        yield IngestFailure(origin, f"file is {len(data) / 1e6:.1f} MB, over the {max_bytes / 1e6:.0f} MB "
                                    "limit: split it or raise SOTAY_MAX_FILE_MB")
        return
    if suffix == ".jsonl":
        for item in read_jsonl(data, origin, reader.limits):
            if isinstance(item, SourceDocument) and doc_type and "type" not in item.meta:
                item.meta["type"] = doc_type
            yield item
        return
    if suffix == ".zip":
        yield from read_zip(data, origin, doc_type, reader)
        return
    try:
        text, found, notes, download = reader.read(data, relative)
        meta = dict(sidecar or {})
        if doc_type and "type" not in meta:
            meta["type"] = doc_type
    except ReadError as exc:
        yield IngestFailure(origin, str(exc))
        return
    doc_id = make_doc_id(_without_suffix(relative))
    if not doc_id:
        yield IngestFailure(origin, "the file name has no usable characters for a document id")
        return
    if len(doc_id) > ID_MAX_CHARS:
        yield IngestFailure(origin, f"the file's path makes a document id of {len(doc_id):,} characters, over "
                                    f"{ID_MAX_CHARS}: give it a shorter name or folder")
        return
    yield SourceDocument(
        doc_id=doc_id, text=text, meta=meta, found=_clean_found(found), origin=origin,
        filename=PurePosixPath(relative).name, data=data, format=suffix.lstrip("."), notes=notes,
        download=download,
    )


def _clean_found(found: dict) -> dict:
    try:
        return _clean_meta(found, "file")
    except ReadError:
        return {}


def _load_sidecar(path: Path) -> dict:
    sidecar = path.with_name(path.name + SIDECAR_SUFFIX)
    if not sidecar.exists():
        return {}
    if sidecar.stat().st_size > SIDECAR_MAX_BYTES:
        raise ReadError(f"sidecar {sidecar.name} is over {SIDECAR_MAX_BYTES // 1024} KB: it holds a few fields only")
    try:
        raw = json.loads(sidecar.read_text(encoding="utf-8"))
    except (ValueError, RecursionError) as exc:  # JSONDecodeError and UnicodeDecodeError are ValueErrors
        raise ReadError(f"sidecar {sidecar.name} is not valid UTF-8 JSON ({exc})") from exc
    if not isinstance(raw, dict):
        raise ReadError(f"sidecar {sidecar.name} must hold a JSON object")
    return _clean_meta(raw, sidecar.name)


# What zipfile raises on a damaged archive: its own errors, and those of the layers under it.
_ZIP_ERRORS = (zipfile.BadZipFile, zipfile.LargeZipFile, zlib.error, struct.error, EOFError, OSError,
               ValueError, KeyError, IndexError, OverflowError, NotImplementedError, RuntimeError)


def read_zip(data: bytes, origin: str, doc_type: str | None,
             reader: _Reader) -> Iterator[SourceDocument | IngestFailure]:
    """The documents of a zip, each member read like a file of its own.

    Nothing is extracted before the central directory is checked: a zip whose members add up to
    more than the upload limit is refused whole, and a member that expands more than
    `max_zip_ratio` times (a zip bomb: a few KB that would become GB) is refused alone. zipfile
    never inflates a member past the size the directory declares, so checking those sizes bounds
    what extraction can cost.
    """
    limits = reader.limits
    try:
        archive = zipfile.ZipFile(io.BytesIO(data))
        entries = [info for info in archive.infolist() if not info.is_dir()]
    except _ZIP_ERRORS as exc:
        yield IngestFailure(origin, f"corrupt zip file ({exc})")
        return
    for info in entries:
        name = info.filename.replace("\\", "/")
        if name.startswith("/") or ".." in PurePosixPath(name).parts or re.match(r"^[A-Za-z]:", name):
            # A path that climbs out of the archive is an attack or a broken tool: refuse it all.
            yield IngestFailure(origin, f"zip refused: entry {info.filename!r} points outside the archive")
            return
    total = sum(info.file_size for info in entries)
    if total > limits.max_upload_bytes:
        yield IngestFailure(origin, (
            f"zip refused before extracting: its {len(entries):,} files come to {total / MB:,.1f} MB uncompressed, "
            f"over the {limits.max_upload_bytes / MB:,.0f} MB limit for one upload (SOTAY_MAX_UPLOAD_MB): split it "
            "into smaller zips, or raise SOTAY_MAX_UPLOAD_MB"))
        return
    by_name = {info.filename: info for info in entries}
    for info in entries:
        name = info.filename
        if name.endswith(SIDECAR_SUFFIX) or _is_hidden(name):
            continue
        where = f"{origin}!{name}"
        if PurePosixPath(name).suffix.lower() == ".zip":
            yield IngestFailure(where, "zip inside a zip is not read: unpack it and upload it separately")
            continue
        if info.file_size > limits.max_file_bytes:
            yield IngestFailure(where, f"file is {info.file_size / 1e6:.1f} MB, over the "
                                       f"{limits.max_file_bytes / 1e6:.0f} MB limit")
            continue
        ratio = info.file_size / max(1, info.compress_size)
        if info.file_size >= RATIO_FLOOR_BYTES and ratio > limits.max_zip_ratio:
            yield IngestFailure(where, (
                f"refused before extracting: it would expand {ratio:,.0f} times ({info.compress_size:,} bytes to "
                f"{info.file_size / 1e6:,.1f} MB), more than the {limits.max_zip_ratio} times a document needs "
                "(SOTAY_MAX_ZIP_RATIO): a zip bomb or a file of padding; upload the file itself, not zipped"))
            continue
        sidecar: dict = {}
        side = by_name.get(name + SIDECAR_SUFFIX)
        if side is not None:
            try:
                if side.file_size > SIDECAR_MAX_BYTES:
                    raise ReadError(f"over {SIDECAR_MAX_BYTES // 1024} KB: it holds a few fields only")
                raw = json.loads(archive.read(side).decode("utf-8"))
                sidecar = _clean_meta(raw if isinstance(raw, dict) else {}, name + SIDECAR_SUFFIX)
            except (ReadError, RecursionError, *_ZIP_ERRORS) as exc:
                yield IngestFailure(where, f"sidecar metadata unreadable: {exc}")
                continue
        try:
            content = archive.read(info)
        except _ZIP_ERRORS as exc:
            yield IngestFailure(where, f"cannot extract from zip ({exc})")
            continue
        yield from _from_bytes(content, name, where, sidecar, doc_type, reader, limits.max_file_bytes)


def _is_hidden(relative: str) -> bool:
    return any(part.startswith(".") or part == "__MACOSX" for part in PurePosixPath(relative).parts)


def _limits(limits: Limits | None, max_bytes: int | None) -> Limits:
    limits = limits or Limits()
    return limits if max_bytes is None else replace(limits, max_file_bytes=max_bytes)


def read_sources(paths: Iterable[Path], *, doc_type: str | None = None, max_bytes: int | None = None,
                 limits: Limits | None = None, progress: Progress | None = None,
                 vocabulary: Vocabulary = no_vocabulary) -> Iterator[SourceDocument | IngestFailure]:
    """Walk files, folders (recursively, sorted) and zips; yield documents and failures.

    `limits` bound what each input may cost (default `Limits()`); `max_bytes`, when given,
    replaces its `max_file_bytes`. `progress(page, pages, stage)` hears of each page recognised
    in a scan; `vocabulary` (the library's) helps repair what OCR misread (ingest.ocr_text).
    """
    reader = _Reader(_limits(limits, max_bytes), progress, vocabulary)
    try:
        for root in paths:
            root = Path(root)
            if not root.exists():
                yield IngestFailure(str(root), "no such file or folder")
                continue
            if root.is_dir():
                files = sorted(p for p in root.rglob("*") if p.is_file()
                               and not _is_hidden(str(p.relative_to(root))))
                for path in files:
                    if path.name.endswith(SIDECAR_SUFFIX):
                        continue
                    yield from _read_path(path, path.relative_to(root).as_posix(), doc_type, reader)
            else:
                yield from _read_path(root, root.name, doc_type, reader)
    finally:
        reader.close()


def _read_path(path: Path, relative: str, doc_type: str | None,
               reader: _Reader) -> Iterator[SourceDocument | IngestFailure]:
    origin = str(path)
    max_bytes = reader.limits.max_file_bytes
    if path.suffix.lower() not in SUPPORTED:
        yield IngestFailure(origin, f"unsupported file type {path.suffix or '(none)'}; supported: "
                                    + ", ".join(sorted(SUPPORTED)))
        return
    size = path.stat().st_size
    if size > max_bytes and path.suffix.lower() != ".zip":
        yield IngestFailure(origin, f"file is {size / 1e6:.1f} MB, over the {max_bytes / 1e6:.0f} MB "
                                    "limit: split it or raise SOTAY_MAX_FILE_MB")
        return
    try:
        sidecar = _load_sidecar(path)
    except ReadError as exc:
        yield IngestFailure(origin, str(exc))
        return
    data = path.read_bytes()
    limit = max(max_bytes, len(data)) if path.suffix.lower() == ".zip" else max_bytes
    yield from _from_bytes(data, relative, origin, sidecar, doc_type, reader, limit)


def read_uploads(files: Iterable[tuple[str, bytes]], *, doc_type: str | None = None, max_bytes: int | None = None,
                 limits: Limits | None = None, progress: Progress | None = None,
                 vocabulary: Vocabulary = no_vocabulary) -> Iterator[SourceDocument | IngestFailure]:
    """Uploaded (filename, bytes) pairs, as the web editor sends them; the rest as for read_sources."""
    reader = _Reader(_limits(limits, max_bytes), progress, vocabulary)
    try:
        for filename, data in files:
            name = PurePosixPath(filename.replace("\\", "/")).name
            if PurePosixPath(name).suffix.lower() not in SUPPORTED:
                yield IngestFailure(name, f"unsupported file type {PurePosixPath(name).suffix or '(none)'}; "
                                          "supported: " + ", ".join(sorted(SUPPORTED)))
                continue
            yield from _from_bytes(data, name, name, {}, doc_type, reader, reader.limits.max_file_bytes)
    finally:
        reader.close()
