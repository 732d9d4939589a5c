"""From what an editor hands us (files, folders, zips, JSONL bundles) to source documents.

Every input yields either `SourceDocument`s or an `IngestFailure` naming the file and the reason;
one bad file never stops a bulk load.
"""
from __future__ import annotations

import json
import mimetypes
import re
import unicodedata
import zipfile
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from pathlib import Path, PurePosixPath

from .errors import IngestFailure, ReadError
from .pdf import read_pdf
from .plaintext import decode_text, strip_markdown
from .webpage import read_html
from .word import read_docx

SUPPORTED = {".pdf", ".docx", ".html", ".htm", ".txt", ".md", ".jsonl", ".zip"}
SIDECAR_SUFFIX = ".meta.json"
# Fields an editor may set in JSONL lines, sidecars or Markdown front matter.
META_FIELDS = {"type", "number", "date", "issuer", "title", "source", "author", "url", "topic",
               "visibility", "org"}
CONTENT_TYPES = {
    ".pdf": "application/pdf",
    ".docx": "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
    ".html": "text/html; charset=utf-8",
    ".htm": "text/html; charset=utf-8",
    ".txt": "text/plain; charset=utf-8",
    ".md": "text/markdown; charset=utf-8",
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
    meta = {}
    for key, value in raw.items():
        if key in META_FIELDS and value not in (None, ""):
            if not isinstance(value, (str, int, float)):
                raise ReadError(f"{where}: field {key!r} must be text, not {type(value).__name__}")
            meta[key] = unicodedata.normalize("NFC", str(value)).strip()
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


def read_file_bytes(data: bytes, name: str) -> tuple[str, dict, list[str]]:
    """Text, self-described metadata and notes of one file's bytes; raises ReadError."""
    suffix = Path(name).suffix.lower()
    if not data.strip():
        raise ReadError("empty file")
    notes: list[str] = []
    found: dict = {}
    if suffix == ".pdf":
        text = read_pdf(data)
    elif suffix == ".docx":
        text = read_docx(data)
    elif suffix in (".html", ".htm"):
        text, found = read_html(data)
    elif suffix in (".txt", ".md"):
        text, encoding = decode_text(data)
        if encoding not in ("utf-8",):
            notes.append(f"decoded as {encoding}")
        if suffix == ".md":
            text, front = _front_matter(text)
            found.update(front)
            text = strip_markdown(text)
    else:
        raise ReadError(f"unsupported file type {suffix or '(none)'}; supported: "
                        + ", ".join(sorted(SUPPORTED)))
    if not text.strip():
        raise ReadError("no text found in the file")
    return text, found, notes


def read_jsonl(data: bytes, origin: str) -> Iterator[SourceDocument | IngestFailure]:
    """One document per line: {"_id", "title"?, "text", ...meta}."""
    try:
        content, _ = decode_text(data)
    except ReadError as exc:
        yield IngestFailure(origin, str(exc))
        return
    seen: set[str] = set()
    for number, line in enumerate(content.splitlines(), start=1):
        where = f"{origin}:{number}"
        if not line.strip():
            continue
        try:
            record = json.loads(line)
        except json.JSONDecodeError as exc:
            yield IngestFailure(where, f"invalid JSON ({exc.msg} at column {exc.colno})")
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


def _from_bytes(data: bytes, relative: str, origin: str, sidecar: dict | None,
                doc_type: str | None, max_bytes: int) -> Iterator[SourceDocument | IngestFailure]:
    suffix = PurePosixPath(relative).suffix.lower()
    if len(data) > max_bytes:
        yield IngestFailure(origin, f"file is {len(data) / 1e6:.1f} MB, over the {max_bytes / 1e6:.0f} MB "
                                    "limit: split it or raise SOTAY_MAX_FILE_MB")
        return
    if suffix == ".jsonl":
        for item in read_jsonl(data, origin):
            if isinstance(item, SourceDocument) and doc_type and "type" not in item.meta:
                item.meta["type"] = doc_type
            yield item
        return
    if suffix == ".zip":
        yield from read_zip(data, origin, doc_type, max_bytes)
        return
    try:
        text, found, notes = read_file_bytes(data, relative)
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
    yield SourceDocument(
        doc_id=doc_id, text=text, meta=meta, found=_clean_found(found), origin=origin,
        filename=PurePosixPath(relative).name, data=data, format=suffix.lstrip("."), notes=notes,
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
    try:
        raw = json.loads(sidecar.read_text(encoding="utf-8"))
    except (json.JSONDecodeError, UnicodeDecodeError) as exc:
        raise ReadError(f"sidecar {sidecar.name} is not valid UTF-8 JSON ({exc})") from exc
    if not isinstance(raw, dict):
        raise ReadError(f"sidecar {sidecar.name} must hold a JSON object")
    return _clean_meta(raw, sidecar.name)


def read_zip(data: bytes, origin: str, doc_type: str | None,
             max_bytes: int) -> Iterator[SourceDocument | IngestFailure]:
    import io

    try:
        archive = zipfile.ZipFile(io.BytesIO(data))
        entries = [info for info in archive.infolist() if not info.is_dir()]
    except zipfile.BadZipFile as exc:
        yield IngestFailure(origin, f"corrupt zip file ({exc})")
        return
    for info in entries:
        name = info.filename.replace("\\", "/")
        if name.startswith("/") or ".." in PurePosixPath(name).parts or re.match(r"^[A-Za-z]:", name):
            # A path that climbs out of the archive is an attack or a broken tool: refuse it all.
            yield IngestFailure(origin, f"zip refused: entry {info.filename!r} points outside the archive")
            return
    names = {info.filename for info in entries}
    for info in entries:
        name = info.filename
        if name.endswith(SIDECAR_SUFFIX) or _is_hidden(name):
            continue
        where = f"{origin}!{name}"
        if PurePosixPath(name).suffix.lower() == ".zip":
            yield IngestFailure(where, "zip inside a zip is not read: unpack it and upload it separately")
            continue
        if info.file_size > max_bytes:
            yield IngestFailure(where, f"file is {info.file_size / 1e6:.1f} MB, over the "
                                       f"{max_bytes / 1e6:.0f} MB limit")
            continue
        sidecar: dict = {}
        if name + SIDECAR_SUFFIX in names:
            try:
                raw = json.loads(archive.read(name + SIDECAR_SUFFIX).decode("utf-8"))
                sidecar = _clean_meta(raw if isinstance(raw, dict) else {}, name + SIDECAR_SUFFIX)
            except (ValueError, ReadError) as exc:
                yield IngestFailure(where, f"sidecar metadata unreadable: {exc}")
                continue
        try:
            content = archive.read(info)
        except (zipfile.BadZipFile, RuntimeError, OSError) as exc:
            yield IngestFailure(where, f"cannot extract from zip ({exc})")
            continue
        yield from _from_bytes(content, name, where, sidecar, doc_type, max_bytes)


def _is_hidden(relative: str) -> bool:
    return any(part.startswith(".") or part == "__MACOSX" for part in PurePosixPath(relative).parts)


def read_sources(paths: Iterable[Path], *, doc_type: str | None = None,
                 max_bytes: int = 50 * 1024 * 1024) -> Iterator[SourceDocument | IngestFailure]:
    """Walk files, folders (recursively, sorted) and zips; yield documents and failures."""
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
                yield from _read_path(path, path.relative_to(root).as_posix(), doc_type, max_bytes)
        else:
            yield from _read_path(root, root.name, doc_type, max_bytes)


def _read_path(path: Path, relative: str, doc_type: str | None,
               max_bytes: int) -> Iterator[SourceDocument | IngestFailure]:
    origin = str(path)
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
    yield from _from_bytes(data, relative, origin, sidecar, doc_type, limit)


def read_uploads(files: Iterable[tuple[str, bytes]], *, doc_type: str | None = None,
                 max_bytes: int = 50 * 1024 * 1024) -> Iterator[SourceDocument | IngestFailure]:
    """Uploaded (filename, bytes) pairs, as the web editor sends them."""
    for filename, data in files:
        name = PurePosixPath(filename.replace("\\", "/")).name
        if PurePosixPath(name).suffix.lower() not in SUPPORTED:
            yield IngestFailure(name, f"unsupported file type {PurePosixPath(name).suffix or '(none)'}; "
                                      "supported: " + ", ".join(sorted(SUPPORTED)))
            continue
        yield from _from_bytes(data, name, name, {}, doc_type, max_bytes)
