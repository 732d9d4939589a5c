"""The library on disk: documents, their original files, and the search indexes, kept consistent.

Layout of an index folder:

    CURRENT                  name of the live manifest (switched by an atomic rename)
    manifests/m-000012.json  the live segments and their deleted documents (manifest.py)
    segments/seg-000031/     immutable segments, each the documents of one commit or merge (segment.py)
    files/<sha256>.<ext>     original files, content-addressed, so segments can share them
    .write.lock              held by the one process that may write

A commit writes a segment of only the documents it adds or changes, marks their old copies
deleted in a new manifest, and switches `CURRENT`; readers keep the `Generation` they built from
one manifest, so a search running during an ingest sees the old library or the new one, never a
mixture. Merges (merge.py) run after commits, holding the write lock only to switch the manifest.
"""
from __future__ import annotations

import hashlib
import json
import logging
import os
import re
import secrets
import shutil
import tempfile
import threading
import time
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field, replace
from datetime import UTC, datetime
from pathlib import Path, PurePosixPath

import numpy as np
from filelock import FileLock, Timeout

from ingest.errors import IngestFailure
from ingest.limits import Limits, drop_long_runs, passages_reason
from ingest.sources import SourceDocument, content_type, read_sources, read_uploads
from ingest.topics import classify, topics_problem
from ingest.visibility import DEFAULT_VISIBILITY, access_problem
from settings import Settings

from . import merge as merging
from .access import ANONYMOUS, Scope
from .backends import keyword_backend, vector_backend
from .embedder import Embedder
from .generation import Generation, chunk_index_text
from .manifest import (  # noqa: F401  (CURRENT_FILE: part of the folder's layout others read)
    CURRENT_FILE,
    GENERATIONS_DIR,
    LIBRARY_FIELDS,
    MANIFESTS_DIR,
    SEGMENTS_DIR,
    Manifest,
    SegmentEntry,
    load_manifest,
    read_current,
    switch_current,
    write_manifest,
)
from .model import prepare_model, release_freed_memory
from .precision import embedded_precision
from .records import DocumentHead, SearchFilters, SearchResponse, StoredDocument
from .segment import GENERATION_MANIFEST, SEGMENT_FILE, Segment, fsync_dir, fsync_tree

log = logging.getLogger(__name__)

FILES_DIR = "files"
LOCK_FILE = ".write.lock"
OWNER_FILE = ".write.owner"
# Facet lists kept per (generation, scope); a library serves a few scopes per organisation.
FACET_CACHE = 256
# The live manifest and its predecessor, whose segments a slow reader may still be opening.
KEEP_MANIFESTS = 2
# How long a writer waits for a merge that holds the write lock to switch its manifest.
MERGE_SWITCH_WAIT_S = 60.0
# What runs merges: "inline" after each commit, in the committing thread (the command line, whose
# process ends with the command); "background", a thread of their own (the server); "off".
MERGE_MODES = ("inline", "background", "off")


class LibraryBusy(RuntimeError):
    """Another process is writing to the same index folder."""


@dataclass
class IngestReport:
    added: list[str] = field(default_factory=list)
    updated: list[str] = field(default_factory=list)
    unchanged: list[str] = field(default_factory=list)
    deleted: list[str] = field(default_factory=list)
    failed: list[IngestFailure] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)
    chunks: int = 0
    seconds: float = 0.0

    @property
    def exit_code(self) -> int:
        return 1 if self.failed else 0

    def to_json(self) -> dict:
        return {
            "added": self.added, "updated": self.updated, "unchanged": self.unchanged,
            "deleted": self.deleted, "failed": [f.to_json() for f in self.failed],
            "notes": self.notes, "chunks_indexed": self.chunks, "seconds": round(self.seconds, 2),
            "summary": self.summary(),
        }

    def summary(self) -> str:
        return (f"{len(self.added)} added, {len(self.updated)} updated, {len(self.unchanged)} unchanged, "
                f"{len(self.failed)} failed" + (f", {len(self.deleted)} deleted" if self.deleted else ""))


# Why an ingest refuses a document (doc_id, its metadata, the stored version or None), or None.
Admit = Callable[[str, dict, StoredDocument | None], str | None]


@dataclass(frozen=True)
class AccessDefaults:
    """Who may read what an ingest loads: the visibility and organisation given for the whole
    ingest (`--visibility`, `--org`; a document's own fields win), and the caller's own rule for
    each document (an editor may publish only inside their organisation; an organisation must
    exist). The index checks the words; what an organisation is, the caller knows."""

    visibility: str | None = None
    org: str | None = None
    admit: Admit | None = None
    # A news article's topics given for the whole ingest (`--topic`); its own `topics` win, and
    # one with neither gets the keyword classifier's (ingest/topics.py).
    topics: tuple[str, ...] = ()

    def apply(self, source: SourceDocument, existing: StoredDocument | None) -> str | None:
        """Fill the defaults into `source.meta`; the reason to refuse it, or None."""
        if source.meta.get("type") == "news" and not source.meta.get("topics"):
            if self.topics:
                if problem := topics_problem(list(self.topics)):
                    return problem
                source.meta["topics"] = list(self.topics)
            else:
                title = str(source.meta.get("title") or source.found.get("title") or "")
                source.meta["topics"] = classify(title, source.text)
        if self.visibility and "visibility" not in source.meta:
            source.meta["visibility"] = self.visibility
        if self.org and "org" not in source.meta:
            source.meta["org"] = self.org
        for key in ("visibility", "org"):
            if key in source.meta:
                source.meta[key] = str(source.meta[key]).strip().lower()
        problem = access_problem(source.meta.get("visibility"), source.meta.get("org"))
        if problem is None and self.admit is not None:
            problem = self.admit(source.doc_id, dict(source.meta), existing)
        return problem


def content_hash(source: SourceDocument, text: str) -> str:
    payload = json.dumps({"text": text, "meta": source.meta, "found": source.found},
                         ensure_ascii=False, sort_keys=True)
    return hashlib.sha256(payload.encode("utf-8")).hexdigest()


class Library:
    """A Sổ tay library in one index folder. Thread-safe; one writer process at a time."""

    def __init__(self, settings: Settings, embedder: Embedder | None = None, merges: str = "inline"):
        if merges not in MERGE_MODES:
            raise ValueError(f"merges must be one of {', '.join(MERGE_MODES)}, not {merges!r}")
        self.settings = settings
        self.root = Path(settings.index_dir)
        try:
            self._vectors_by = vector_backend(settings.vector_backend)
            self._keywords_by = keyword_backend(settings.keyword_backend)
        except ValueError as exc:
            raise ValueError(f"SOTAY_VECTOR_BACKEND / SOTAY_KEYWORD_BACKEND: {exc}") from None
        self.merges = merges
        self._embedder = embedder
        self._generation: Generation | None = None
        self._current_name: str | None = None
        self._manifest: Manifest | None = None
        # Loaded segments by name: immutable, so every generation that names one shares it.
        self._segments: dict[str, Segment] = {}
        self._load_lock = threading.Lock()
        self._write_lock = threading.Lock()
        self._merge_lock = threading.Lock()
        self._merger: threading.Thread | None = None
        self._facets: dict[tuple, dict[str, list[str]]] = {}

    # -- reading ------------------------------------------------------------------------------

    @property
    def embedder(self) -> Embedder:
        if self._embedder is None:
            path = prepare_model(Path(self.settings.home), self.settings.model)
            self._embedder = Embedder(path, threads=self.settings.threads,
                                      precision=self.settings.embed_precision)
        return self._embedder

    def _read_current(self) -> str | None:
        return read_current(self.root)

    def generation(self) -> Generation:
        """The live generation; picks up one committed by another process (cheap file read)."""
        name = self._read_current()
        if self._generation is not None and name == self._current_name:
            return self._generation
        with self._load_lock:
            for attempt in range(3):
                name = self._read_current()
                if self._generation is not None and name == self._current_name:
                    break
                try:
                    self._open(name)
                    break
                except FileNotFoundError:
                    # A writer collected what the name pointed to between our two reads: the
                    # pointer has moved on, read it again.
                    if attempt == 2:
                        raise
        assert self._generation is not None
        return self._generation

    def _open(self, name: str | None) -> None:
        """Build the generation of manifest `name` (caller holds `_load_lock`)."""
        if name is None:
            self._generation, self._manifest = Generation.empty(), None
        elif name.startswith("gen-"):
            # The layout before segments: one whole snapshot, read as the library's one segment.
            folder = self.root / GENERATIONS_DIR / name
            segment = Segment.load(folder)
            fields = json.loads((folder / GENERATION_MANIFEST).read_text())
            fields = {k: v for k, v in fields.items() if k in LIBRARY_FIELDS}
            self._generation = Generation(name, [segment], {}, fields)
            self._manifest = None
        else:
            self._serve(load_manifest(self.root, name))
        self._current_name = name

    def _serve(self, manifest: Manifest) -> None:
        """Make `manifest`'s generation this process's (caller holds `_load_lock`); segments no
        longer named are dropped from the cache (generations that hold them keep them alive)."""
        segments = [self._segment(name) for name in manifest.segment_names()]
        self._generation = Generation(manifest.name, segments, manifest.deleted, manifest.fields)
        self._manifest, self._current_name = manifest, manifest.name
        live = set(manifest.segment_names())
        for cached in [n for n in self._segments if n not in live]:
            del self._segments[cached]

    def _segment(self, name: str) -> Segment:
        segment = self._segments.get(name)
        if segment is None:
            segment = self._segments[name] = Segment.load(self.root / SEGMENTS_DIR / name)
        return segment

    # Every read takes the viewer's `Scope` (index/access.py); the default is an anonymous viewer,
    # so a caller that forgets one shows public documents only.

    def search(self, query: str, top_k: int = 10, mode: str = "hybrid",
               filters: SearchFilters | None = None, page: int = 1, scope: Scope = ANONYMOUS) -> SearchResponse:
        from ingest.metadata import normalize_type

        from .search import search

        if filters is not None and filters.type:
            filters = replace(filters, type=normalize_type(filters.type))
        generation = self.generation()
        embedder = self.embedder if mode != "keyword" else None
        return search(generation, embedder, query, top_k=top_k, mode=mode, filters=filters, page=page,
                      scope=scope)

    def get(self, doc_id: str, scope: Scope = ANONYMOUS) -> StoredDocument | None:
        """The document, or None when there is none or `scope` may not see it (the same answer)."""
        doc = self.generation().docs.get(doc_id)
        return doc if doc is not None and scope.may_see(doc) else None

    def original_file(self, doc_id: str, scope: Scope = ANONYMOUS) -> tuple[Path, str, str] | None:
        """(path on disk, file name, content type) of the file members download for a document:
        the upload, or for a scan or photo its PDF with a searchable text layer."""
        doc = self.get(doc_id, scope)
        return None if doc is None else self._file(doc.file, doc.meta.get("filename") or doc.file)

    def received_file(self, doc_id: str, scope: Scope = ANONYMOUS) -> tuple[Path, str, str] | None:
        """(path, name, content type) of a scan or photo exactly as it was uploaded; None for
        other documents, whose download is the upload itself."""
        doc = self.get(doc_id, scope)
        if doc is None or not doc.original:
            return None
        return self._file(doc.original, doc.meta.get("original_filename") or doc.original)

    def _file(self, stored: str, filename: str) -> tuple[Path, str, str] | None:
        if not stored or not re.fullmatch(r"[0-9a-f]{64}\.[a-z0-9]{1,5}", stored):
            return None
        path = self.root / FILES_DIR / stored
        if not path.is_file():
            return None
        return path, filename, content_type(filename)

    def visible(self, scope: Scope = ANONYMOUS) -> list[DocumentHead]:
        """Every document `scope` may see, in id order, without its text (`get` reads one whole)."""
        return _visible(self.generation(), scope)

    def news(self, limit: int = 20, scope: Scope = ANONYMOUS, topic: str | None = None) -> list[StoredDocument]:
        """The news `scope` may see, newest first; only those of `topic` when given."""
        generation = self.generation()
        items = [d for d in _visible(generation, scope) if d.meta.get("type") == "news"
                 and (topic is None or topic in (d.meta.get("topics") or ()))]
        items.sort(key=lambda d: (d.meta.get("date", ""), d.added_at, d.doc_id), reverse=True)
        return [generation.docs[d.doc_id] for d in items[:limit]]  # only these are read whole

    def facets(self, scope: Scope = ANONYMOUS) -> dict[str, list[str]]:
        """The types and issuers of the documents `scope` may see, for the filter boxes; computed once
        per generation and scope (a hidden document's issuer is itself something to hide)."""
        generation = self.generation()
        key = (generation.name, id(generation), scope)
        with self._load_lock:
            cached = self._facets.get(key)
        if cached is None:
            metas = [doc.meta for doc in self.visible(scope)]
            cached = {"types": sorted({m["type"] for m in metas if m.get("type")}),
                      "issuers": sorted({m["issuer"] for m in metas if m.get("issuer")})}
            with self._load_lock:
                self._facets[key] = cached
                while len(self._facets) > FACET_CACHE:
                    self._facets.pop(next(iter(self._facets)))
        return cached

    def stats(self, scope: Scope = ANONYMOUS) -> dict:
        generation = self.generation()
        mask = generation.visible_docs(scope)
        chunks = generation.visible_chunks(scope)
        return {
            "documents": len(generation.docs) if mask is None else int(mask.sum()),
            "chunks": len(generation.chunks) if chunks is None else int(chunks.sum()),
            "generation": generation.name,
            "model": generation.manifest.get("model") or (self.embedder.name if self._embedder else ""),
        }

    # -- writing ------------------------------------------------------------------------------

    def _lock(self, purpose: str = "ingest", wait: float = 0.0):
        """The write lock. A writer that finds a merge switching its manifest waits for it (a
        fraction of a second); one that finds another ingest is refused at once, with who holds it."""
        self.root.mkdir(parents=True, exist_ok=True)
        lock = FileLock(str(self.root / LOCK_FILE), timeout=wait)
        try:
            lock.acquire()
        except Timeout:
            owner = ""
            try:
                owner = (self.root / OWNER_FILE).read_text().strip()
            except OSError:
                pass
            if "merging" not in owner or wait:
                raise LibraryBusy(
                    f"another ingest is writing to {self.root}{' (' + owner + ')' if owner else ''}; "
                    "wait for it to finish and run this again"
                ) from None
            return self._lock(purpose, MERGE_SWITCH_WAIT_S)
        (self.root / OWNER_FILE).write_text(f"pid {os.getpid()} {purpose} since {time.strftime('%H:%M:%S')}")
        return lock

    def limits(self) -> Limits:
        """What one input may cost, from the settings (ingest/limits.py)."""
        settings = self.settings
        return Limits(max_file_bytes=settings.max_file_bytes, max_upload_bytes=settings.max_upload_bytes,
                      max_zip_ratio=settings.max_zip_ratio, max_text_chars=settings.max_text_chars,
                      max_passages=settings.max_passages, reader_seconds=settings.reader_timeout_s,
                      reader_memory_mb=settings.reader_memory_mb, converter_seconds=settings.converter_timeout_s,
                      max_ocr_pages=settings.max_ocr_pages,
                      ocr_page_seconds=settings.ocr_page_timeout_s, ocr_jobs=settings.threads)

    def ingest(self, paths: Iterable[Path], doc_type: str | None = None,
               progress: Callable[[int, int, str], None] | None = None, *,
               access: AccessDefaults | None = None) -> IngestReport:
        return self._ingest(read_sources(paths, doc_type=doc_type, limits=self.limits(), progress=progress,
                                         vocabulary=self._vocabulary()), progress, access)

    def ingest_uploads(self, files: list[tuple[str, bytes]], doc_type: str | None = None,
                       progress: Callable[[int, int, str], None] | None = None, *,
                       access: AccessDefaults | None = None) -> IngestReport:
        return self._ingest(read_uploads(files, doc_type=doc_type, limits=self.limits(), progress=progress,
                                         vocabulary=self._vocabulary()), progress, access)

    def _vocabulary(self):
        """How many of the library's passages hold a syllable or a two-syllable phrase: what the
        repair of recognised text weighs its choices by (ingest.ocr_text)."""
        keyword = self.generation().keyword
        return keyword.document_frequency

    def delete(self, doc_id: str) -> bool:
        """Delete a document: the manifest marks it deleted in its segment; nothing is rewritten."""
        with self._write_lock:
            lock = self._lock()
            try:
                old = self.generation()
                if doc_id not in old.docs:
                    return False
                self._commit(None, {doc_id: old.docs[doc_id]}, old.manifest)
            finally:
                lock.release()
        self._after_commit()
        return True

    def _ingest(self, sources, progress, access: AccessDefaults | None = None) -> IngestReport:
        from ingest.vntext import normalize_text

        started = time.perf_counter()
        report = IngestReport()
        access = access or AccessDefaults()
        defaulted: list[str] = []
        with self._write_lock:
            lock = self._lock()
            try:
                old = self.generation()
                changed: dict[str, tuple[SourceDocument, str, str]] = {}
                for item in sources:
                    if isinstance(item, IngestFailure):
                        report.failed.append(item)
                        continue
                    # Runs of hundreds of characters without a space are never words: left out,
                    # said in the report, so no later step is worse than linear (ingest/limits.py).
                    text, dropped = drop_long_runs(normalize_text(item.text))
                    if not text:
                        report.failed.append(IngestFailure(
                            item.origin, "no text left after cleaning" + (f": {dropped}" if dropped else "")))
                        continue
                    if dropped:
                        item.notes.append(dropped)
                    if item.doc_id in changed:
                        report.failed.append(IngestFailure(
                            item.origin, f"document id {item.doc_id!r} already came from "
                                         f"{changed[item.doc_id][0].origin}; rename one of them"))
                        continue
                    existing = old.docs.get(item.doc_id)
                    refused = access.apply(item, existing)
                    if refused:
                        report.failed.append(IngestFailure(item.origin, refused))
                        continue
                    report.notes.extend(f"{item.origin}: {note}" for note in item.notes)
                    digest = content_hash(item, text)
                    if existing is not None and existing.content_hash == digest:
                        report.unchanged.append(item.doc_id)
                        changed[item.doc_id] = (item, text, "")  # seen, nothing to do
                        continue
                    (report.updated if existing else report.added).append(item.doc_id)
                    changed[item.doc_id] = (item, text, digest)
                    if "visibility" not in item.meta:
                        defaulted.append(item.doc_id)
                todo = {k: v for k, v in changed.items() if v[2]}
                if defaulted:
                    report.notes.append(
                        f"{len(defaulted)} document(s) loaded without a visibility are {DEFAULT_VISIBILITY}: "
                        "anyone can read them (restrict with --visibility members|internal --org SLUG, "
                        "or the field 'visibility' in JSONL and sidecars)")
                if todo:
                    report.chunks, too_long = self._rebuild(old, todo, progress)
                    for doc_id, reason in too_long.items():
                        # Refused whole, after chunking: the library keeps what it had for this id.
                        for ids in (report.added, report.updated):
                            if doc_id in ids:
                                ids.remove(doc_id)
                        report.failed.append(IngestFailure(todo[doc_id][0].origin, reason))
            finally:
                lock.release()
        report.seconds = time.perf_counter() - started
        if report.chunks:
            self._after_commit()
        return report

    def _rebuild(self, old: Generation, todo: dict, progress) -> tuple[int, dict[str, str]]:
        """Embed and commit `todo`; the chunks indexed, and the documents refused with the reason."""
        from .pipeline import IndexingPipeline  # loads Haystack: only writers need it

        embedder = self.embedder
        model_name = embedder.name
        reembed_all = bool(old.docs) and (old.manifest.get("model") not in ("", model_name)
                                          or embedded_precision(old.manifest) != embedder.precision
                                          or self._backends_differ(old.manifest))
        now = datetime.now(UTC).isoformat(timespec="seconds")
        pipeline = IndexingPipeline(embedder, max_passages=self.settings.max_passages)

        new_docs: list[StoredDocument] = []
        for doc_id, (source, text, digest) in todo.items():
            meta = dict(source.found)
            meta.update(source.meta)
            if source.filename:
                meta["filename"] = source.filename
                if source.download is not None:  # a scan: members download its searchable PDF
                    meta["original_filename"] = source.filename
                    meta["filename"] = PurePosixPath(source.filename).stem + ".pdf"
            meta["format"] = source.format
            # Stored, not hashed: a library loaded before visibilities existed stays unchanged.
            meta.setdefault("visibility", DEFAULT_VISIBILITY)
            previous = old.docs.get(doc_id)
            new_docs.append(StoredDocument(
                doc_id=doc_id, title=meta.get("title", ""), text=text, meta=meta,
                content_hash=digest,
                added_at=previous.added_at if previous else now,
            ))
        new_docs, new_chunks, new_vectors = pipeline.run(new_docs, progress=progress)
        refused = {doc_id: passages_reason(count, self.settings.max_passages)
                   for doc_id, count in pipeline.refused.items()}
        todo = {k: v for k, v in todo.items() if k not in refused}
        if not todo:
            return 0, refused
        for doc in new_docs:  # stored only now: a refused document leaves no file behind
            source = todo[doc.doc_id][0]
            if source.download is not None and source.data is not None:
                doc.file = self._store_file(source.download, doc.meta["filename"])
                doc.original = self._store_file(source.data, source.filename)
            elif source.data is not None:
                doc.file = self._store_file(source.data, source.filename)

        fields = dict(old.manifest, model=model_name, precision=embedder.precision, dim=int(new_vectors.shape[1]),
                      vector_backend=self._vectors_by.name, keyword_backend=self._keywords_by.name)
        replaced = {doc_id: old.docs[doc_id] for doc_id in todo if doc_id in old.docs}
        if reembed_all:
            # The library was embedded by another model, or another path of this one (bfloat16,
            # float32), or indexed by other backends: one library's vectors all come from one
            # path and its segments from one pair of backends, so every document is written
            # again, into one segment.
            docs = {k: v for k, v in old.docs.items() if k not in todo}
            chunks = [c for c in old.chunks if c.doc_id not in todo]
            texts = [chunk_index_text(docs[c.doc_id], c) for c in chunks]
            vectors = embedder.embed_passages(texts) if texts else _empty(new_vectors.shape[1])
            docs.update((doc.doc_id, doc) for doc in new_docs)
            segment = self._new_segment({**docs}, chunks + new_chunks, np.concatenate([vectors, new_vectors]))
            self._commit(segment, replaced, fields, replace_all=True)
        else:
            segment = self._new_segment({doc.doc_id: doc for doc in new_docs}, new_chunks, new_vectors)
            self._commit(segment, replaced, fields)
        return len(new_chunks), refused

    def _new_segment(self, docs: dict[str, StoredDocument], chunks, vectors: np.ndarray) -> Segment:
        return Segment.build("", docs, chunks, vectors, vector_backend=self._vectors_by,
                             keyword_backend=self._keywords_by)  # named when committed

    def _backends_differ(self, manifest: dict) -> bool:
        """Whether the library was indexed by other backends than the settings name (a library
        from before backends were named used the defaults)."""
        return (vector_backend(manifest.get("vector_backend")).name != self._vectors_by.name
                or keyword_backend(manifest.get("keyword_backend")).name != self._keywords_by.name)

    def _store_file(self, data: bytes, filename: str) -> str:
        suffix = Path(filename).suffix.lower() or ".bin"
        name = hashlib.sha256(data).hexdigest() + suffix
        target = self.root / FILES_DIR / name
        if not target.exists():
            target.parent.mkdir(parents=True, exist_ok=True)
            with tempfile.NamedTemporaryFile(dir=target.parent, prefix=".tmp-", delete=False) as tmp:
                tmp.write(data)
                tmp.flush()
                os.fsync(tmp.fileno())
            os.replace(tmp.name, target)
        return name

    # -- committing ---------------------------------------------------------------------------

    def _commit(self, segment: Segment | None, removed: dict[str, StoredDocument], fields: dict,
                replace_all: bool = False) -> None:
        """Write `segment` (the documents added or changed; None for a delete), mark the live copies
        of `removed` deleted where they are, and make that the library with one atomic rename.
        `replace_all`: `segment` is the whole library. The caller holds the write lock."""
        base = self._writable_manifest()
        old = self.generation()
        where: dict[str, set[str]] = {}
        for doc_id in removed:
            if (holder := old.locate(doc_id)) is not None:
                where.setdefault(holder.name, set()).add(doc_id)
        entries = [] if replace_all else [
            SegmentEntry(e.name, e.deleted | where[e.name]) if e.name in where else e for e in base.segments]
        numbering = {}
        if segment is not None:
            segment.name, next_number = self._allocate_segment_name(base)
            numbering["next_segment"] = next_number
            self._write_segment(segment, self.root / SEGMENTS_DIR / f".partial-{segment.name}")
            entries.append(SegmentEntry(segment.name))
        library = {k: v for k, v in fields.items() if k in LIBRARY_FIELDS}
        manifest = base.successor(entries, **library, **numbering)
        self._publish(manifest, segment.name if segment is not None else None)
        self._collect_garbage(manifest, removed)

    def _allocate_segment_name(self, manifest: Manifest) -> tuple[str, int]:
        """A new segment's name, and the number the next one starts from."""
        number = int(manifest.fields.get("next_segment", 1))
        folder = self.root / SEGMENTS_DIR
        if folder.is_dir():  # never reuse a name an unpublished folder of a killed writer holds
            taken = [int(m.group(1)) for p in folder.iterdir() if (m := re.fullmatch(r"seg-(\d+)", p.name))]
            number = max([number, *(t + 1 for t in taken)])
        return f"seg-{number:06d}", number + 1

    def _write_segment(self, segment: Segment, staging: Path) -> None:
        """Write `segment` in full under `staging`, then rename it to its name: a segment folder is
        complete or absent."""
        folder = self.root / SEGMENTS_DIR
        folder.mkdir(parents=True, exist_ok=True)
        shutil.rmtree(staging, ignore_errors=True)
        segment.save(staging)
        os.rename(staging, folder / segment.name)
        fsync_dir(folder)

    def _publish(self, manifest: Manifest, written: str | None) -> None:
        """Write `manifest`, switch CURRENT to it, and serve it from this process at once (the
        segments it names are loaded already, or the segment `written` just now)."""
        write_manifest(self.root, manifest)
        switch_current(self.root, manifest.name)
        with self._load_lock:
            if written is not None:
                # Served from what was written, memory-mapped, not the copy the writer built.
                self._segments[written] = Segment.load(self.root / SEGMENTS_DIR / written)
            self._serve(manifest)

    def _writable_manifest(self) -> Manifest:
        """The live manifest; a library in the layout before segments is migrated first: its one
        generation becomes its first segment (hard links, no copy), the manifest m-000000."""
        self.generation()
        if self._manifest is not None:
            return self._manifest
        name = self._current_name
        if name is None:
            return Manifest("m-000000", (), {})
        source = self.root / GENERATIONS_DIR / name
        segment = self._generation.segments[0] if self._generation else Segment.load(source)
        target = self.root / SEGMENTS_DIR / "seg-000000"
        if not (target / SEGMENT_FILE).exists():
            staging = self.root / SEGMENTS_DIR / ".partial-seg-000000"
            shutil.rmtree(staging, ignore_errors=True)
            shutil.copytree(source, staging, copy_function=_link_or_copy)
            (staging / GENERATION_MANIFEST).rename(staging / SEGMENT_FILE)
            fsync_tree(staging)
            shutil.rmtree(target, ignore_errors=True)
            os.rename(staging, target)
            fsync_dir(target.parent)
        segment.name = "seg-000000"
        self._segments[segment.name] = segment
        assert self._generation is not None
        return Manifest("m-000000", (SegmentEntry(segment.name),), dict(self._generation.manifest, next_segment=1))

    def _collect_garbage(self, live: Manifest, removed: dict[str, StoredDocument], all_files: bool = False) -> None:
        """Remove manifests older than the kept ones, segments none of those names, what killed
        writers left, the layout before segments, and the files no live document uses any more:
        those of `removed`, or with `all_files` every file (a merge's full sweep)."""
        manifests = self.root / MANIFESTS_DIR
        names = sorted((p.stem for p in manifests.glob("m-*.json")), key=lambda n: int(n[2:]))
        kept = [n for n in names if int(n[2:]) <= live.number][-KEEP_MANIFESTS:]
        referenced = set(live.segment_names())
        for name in kept:
            if name != live.name:
                try:
                    referenced.update(load_manifest(self.root, name).segment_names())
                except (OSError, ValueError, RuntimeError):
                    pass
        for name in names:
            if name not in kept and int(name[2:]) < live.number:
                (manifests / f"{name}.json").unlink(missing_ok=True)
        segments = self.root / SEGMENTS_DIR
        for path in segments.iterdir() if segments.is_dir() else ():
            if path.name.startswith(".partial-"):
                shutil.rmtree(path, ignore_errors=True)  # a killed writer's; only lock holders write these
            elif path.name.startswith(".merging-"):
                _remove_abandoned_merge(path)
            elif path.name not in referenced:
                shutil.rmtree(path, ignore_errors=True)
        shutil.rmtree(self.root / GENERATIONS_DIR, ignore_errors=True)
        generation = self._generation
        assert generation is not None
        if all_files:
            files = self.root / FILES_DIR
            candidates = {p.name for p in files.iterdir()} if files.is_dir() else set()
        else:
            candidates = {name for doc in removed.values() for name in (doc.file, doc.original) if name}
        if not candidates:
            return
        in_use = {name for doc in generation.heads.values() for name in (doc.file, doc.original)}
        for name in candidates - in_use:
            (self.root / FILES_DIR / name).unlink(missing_ok=True)

    # -- merging ------------------------------------------------------------------------------

    def _after_commit(self) -> None:
        if self.merges == "inline":
            self._merge_quietly()
        elif self.merges == "background":
            with self._merge_lock:
                if self._merger is not None and self._merger.is_alive():
                    return
                self._merger = threading.Thread(target=self._merge_quietly, name="sotay-merge", daemon=True)
                self._merger.start()

    def _merge_quietly(self) -> None:
        # The commit before it stands whatever happens here: a merge that fails (a full disk)
        # leaves the library as it was, with more segments, and the next commit tries again.
        try:
            self.merge()
        except Exception:
            log.exception("merging the segments of %s failed; the library is unchanged", self.root)

    def wait_for_merges(self, timeout: float | None = None) -> None:
        merger = self._merger
        if merger is not None:
            merger.join(timeout)

    def merge(self, force: bool = False) -> int:
        """Merge segments while the policy (merge.py) asks for it, or with `force` all of them
        into one; the number of merges done. Holds the write lock only to switch the manifest:
        searches and other writers go on while the merged segment is written."""
        done = 0
        while self._merge_once(force):
            done += 1
            force = False
        return done

    def _merge_once(self, force: bool) -> bool:
        self.generation()
        snapshot = self._manifest
        if snapshot is None:
            return False
        sizes = {}
        for entry in snapshot.segments:
            segment = self._segment(entry.name)
            sizes[entry.name] = (len(segment.chunks), len(segment.doc_ids))
        names = snapshot.segment_names() if force else merging.choose(snapshot, sizes)
        if len(names) < (2 if force else 1):
            return False
        sources = [self._segment(name) for name in names]
        staging = self.root / SEGMENTS_DIR / f".merging-{secrets.token_hex(4)}"
        (self.root / SEGMENTS_DIR).mkdir(parents=True, exist_ok=True)
        # Held while the merge writes: the sign to a writer's clean-up that this folder is not a
        # killed merge's leftover. The kernel drops it if this process dies.
        alive = FileLock(str(staging) + ".lock", timeout=0)
        alive.acquire()
        try:
            merged = merging.write_merged(staging, sources, snapshot.deleted)
            release_freed_memory()  # what the merge built and wrote (FAISS's index, the key ranges)
            with self._write_lock:
                lock = self._lock("merging", wait=-1)  # behind an ingest, however long it takes
                try:
                    return self._switch_merged(snapshot, names, merged, staging)
                finally:
                    lock.release()
        finally:
            shutil.rmtree(staging, ignore_errors=True)
            alive.release()
            Path(str(staging) + ".lock").unlink(missing_ok=True)

    def _switch_merged(self, snapshot: Manifest, names: list[str], merged: set[str], staging: Path) -> bool:
        """Put the merged segment written at `staging` (of the documents `merged`) in the place of
        the segments `names` in the live manifest, unless the library was rebuilt meanwhile."""
        self._current_name = None  # read the manifest from disk: another process may have committed
        self.generation()
        live = self._manifest
        if live is None or not set(names) <= set(live.segment_names()):
            return False  # the library was rebuilt meanwhile (another model): this merge is moot
        before = {e.name: e.deleted for e in snapshot.segments}
        # Documents replaced or deleted while the merge ran are still in the merged segment.
        since = {doc_id for e in live.segments if e.name in names for doc_id in e.deleted - before[e.name]}
        name, next_number = self._allocate_segment_name(live)
        os.rename(staging, self.root / SEGMENTS_DIR / name)
        fsync_dir(self.root / SEGMENTS_DIR)
        entries, placed = [], False
        for entry in live.segments:
            if entry.name in names:
                if not placed:
                    entries.append(SegmentEntry(name, frozenset(since & merged)))
                    placed = True
            else:
                entries.append(entry)
        manifest = live.successor(entries, next_segment=next_number)
        self._publish(manifest, name)
        self._collect_garbage(manifest, {}, all_files=True)
        return True


def _visible(generation: Generation, scope: Scope) -> list[DocumentHead]:
    mask = generation.visible_docs(scope)
    heads = generation.heads.values()  # in row order, as the mask
    seen = heads if mask is None else (head for head, ok in zip(heads, mask.tolist(), strict=True) if ok)
    return sorted(seen, key=lambda head: head.doc_id)


def _link_or_copy(source: str, target: str) -> None:
    try:
        os.link(source, target)
    except OSError:
        shutil.copy2(source, target)


def _remove_abandoned_merge(path: Path) -> None:
    """Remove a `.merging-*` folder whose merge died; one whose merge still runs holds its lock.
    A lock file is seen for itself too: a merge killed before it made its folder leaves only that."""
    if path.name.endswith(".lock"):
        path = path.with_name(path.name[:-len(".lock")])
        if path.exists():
            return  # the folder's own turn removes both
    lock = FileLock(str(path) + ".lock", timeout=0)
    try:
        lock.acquire()
    except Timeout:
        return
    try:
        shutil.rmtree(path, ignore_errors=True)
    finally:
        lock.release()
        Path(str(path) + ".lock").unlink(missing_ok=True)


def _empty(dim: int) -> np.ndarray:
    return np.zeros((0, dim), np.float32)
