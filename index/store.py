"""The library on disk: documents, their original files, and the search indexes, kept consistent.

Layout of an index folder:

    CURRENT                  name of the live generation (switched by an atomic rename)
    generations/gen-000007/  a complete snapshot (see generation.py)
    files/<sha256>.<ext>     original files, content-addressed, so generations can share them
    .write.lock              held by the one process that may write

Writers build a whole new generation beside the live one and then switch `CURRENT`; readers keep
the generation object they loaded, so a search running during an ingest sees the old library or
the new one, never a mixture.
"""
from __future__ import annotations

import hashlib
import json
import os
import re
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

from .access import ANONYMOUS, Scope
from .embedder import Embedder
from .generation import DOCS_FILE, Generation, chunk_index_text, fsync_dir
from .keyword import KeywordIndex
from .model import prepare_model
from .precision import embedded_precision
from .records import Chunk, SearchFilters, SearchResponse, StoredDocument
from .vectors import VectorIndex

CURRENT_FILE = "CURRENT"
GENERATIONS_DIR = "generations"
FILES_DIR = "files"
LOCK_FILE = ".write.lock"
OWNER_FILE = ".write.owner"
# Facet lists kept per (generation, scope); a library serves a few scopes per organisation.
FACET_CACHE = 256
KEEP_GENERATIONS = 2  # the live one and its predecessor, which a slow reader may still be opening


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

    def __init__(self, settings: Settings, embedder: Embedder | None = None):
        self.settings = settings
        self.root = Path(settings.index_dir)
        self._embedder = embedder
        self._generation: Generation | None = None
        self._current_name: str | None = None
        self._load_lock = threading.Lock()
        self._write_lock = threading.Lock()
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
        try:
            return (self.root / CURRENT_FILE).read_text().strip() or None
        except FileNotFoundError:
            return None

    def generation(self) -> Generation:
        """The live generation; picks up one committed by another process (cheap file read)."""
        name = self._read_current()
        if self._generation is not None and name == self._current_name:
            return self._generation
        with self._load_lock:
            name = self._read_current()
            if self._generation is None or name != self._current_name:
                if name is None:
                    self._generation = Generation.empty()
                else:
                    self._generation = Generation.load(self.root / GENERATIONS_DIR / name)
                self._current_name = name
        return self._generation

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

    def visible(self, scope: Scope = ANONYMOUS) -> list[StoredDocument]:
        """Every document `scope` may see, in id order."""
        generation = self.generation()
        mask = generation.visible_docs(scope)
        ids = generation.doc_id_list if mask is None else [d for d, ok in zip(generation.doc_id_list, mask,
                                                                                 strict=True) if ok]
        return [generation.docs[d] for d in ids]

    def news(self, limit: int = 20, scope: Scope = ANONYMOUS, topic: str | None = None) -> list[StoredDocument]:
        """The news `scope` may see, newest first; only those of `topic` when given."""
        items = [d for d in self.visible(scope) if d.meta.get("type") == "news"
                 and (topic is None or topic in (d.meta.get("topics") or ()))]
        items.sort(key=lambda d: (d.meta.get("date", ""), d.added_at, d.doc_id), reverse=True)
        return items[:limit]

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

    def _lock(self):
        self.root.mkdir(parents=True, exist_ok=True)
        lock = FileLock(str(self.root / LOCK_FILE), timeout=0)
        try:
            lock.acquire()
        except Timeout:
            owner = ""
            try:
                owner = (self.root / OWNER_FILE).read_text().strip()
            except OSError:
                pass
            raise LibraryBusy(
                f"another ingest is writing to {self.root}{' (' + owner + ')' if owner else ''}; "
                "wait for it to finish and run this again"
            ) from None
        (self.root / OWNER_FILE).write_text(f"pid {os.getpid()} since {time.strftime('%H:%M:%S')}")
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
        with self._write_lock:
            lock = self._lock()
            try:
                old = self.generation()
                if doc_id not in old.docs:
                    return False
                docs = {k: v for k, v in old.docs.items() if k != doc_id}
                keep = [i for i, c in enumerate(old.chunks) if c.doc_id != doc_id]
                chunks = [old.chunks[i] for i in keep]
                vectors = np.asarray(old.vectors.vectors)[keep] if keep else _empty(old.vectors.dim)
                keyword = KeywordIndex.derive(old.keyword, keep, [])
                self._commit(docs, chunks, vectors, keyword, old.manifest)
                return True
            finally:
                lock.release()

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
        return report

    def _rebuild(self, old: Generation, todo: dict, progress) -> tuple[int, dict[str, str]]:
        """Embed and commit `todo`; the chunks indexed, and the documents refused with the reason."""
        from .pipeline import IndexingPipeline  # loads Haystack: only writers need it

        embedder = self.embedder
        model_name = embedder.name
        reembed_all = bool(old.docs) and (old.manifest.get("model") not in ("", model_name)
                                          or embedded_precision(old.manifest) != embedder.precision)
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

        docs = {k: v for k, v in old.docs.items() if k not in todo}
        keep = [i for i, c in enumerate(old.chunks) if c.doc_id not in todo]
        chunks = [old.chunks[i] for i in keep]
        if reembed_all:
            # The library was embedded by another model, or another path of this one (bfloat16,
            # float32): one library's vectors all come from one path.
            texts = [chunk_index_text(docs[c.doc_id], c) for c in chunks]
            vectors = embedder.embed_passages(texts) if texts else _empty(new_vectors.shape[1])
        else:
            vectors = np.asarray(old.vectors.vectors)[keep] if keep else _empty(new_vectors.shape[1])
        for doc in new_docs:
            docs[doc.doc_id] = doc
        keyword = KeywordIndex.derive(old.keyword, keep, [chunk_index_text(docs[c.doc_id], c) for c in new_chunks])
        chunks.extend(new_chunks)
        vectors = np.concatenate([vectors, new_vectors]) if len(new_vectors) else vectors
        manifest = dict(old.manifest, model=model_name, precision=embedder.precision, dim=int(vectors.shape[1]))
        self._commit(docs, chunks, vectors, keyword, manifest)
        return len(new_chunks), refused

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

    def _commit(self, docs: dict[str, StoredDocument], chunks: list[Chunk], vectors: np.ndarray,
                keyword: KeywordIndex, manifest: dict) -> None:
        """Write a complete new generation, then make it live with one atomic rename."""
        gens = self.root / GENERATIONS_DIR
        gens.mkdir(parents=True, exist_ok=True)
        _remove_partial(gens)
        existing = sorted(p.name for p in gens.glob("gen-*"))
        number = int(existing[-1].split("-")[1]) + 1 if existing else 1
        name = f"gen-{number:06d}"
        previous = self.generation()
        generation = Generation(name, docs, chunks, VectorIndex.build(vectors), keyword,
                                previous.derive_document_keyword(docs), manifest)
        staging = gens / f".partial-{name}"
        generation.save(staging)
        os.rename(staging, gens / name)
        fsync_dir(gens)
        pointer = self.root / (CURRENT_FILE + ".tmp")
        with open(pointer, "w") as out:
            out.write(name + "\n")
            out.flush()
            os.fsync(out.fileno())
        os.replace(pointer, self.root / CURRENT_FILE)
        fsync_dir(self.root)
        with self._load_lock:
            self._generation, self._current_name = generation, name
        self._collect_garbage(gens, generation)

    def _collect_garbage(self, gens: Path, live: Generation) -> None:
        names = sorted(p.name for p in gens.glob("gen-*"))
        for old in names[:-KEEP_GENERATIONS]:
            if old != live.name:
                shutil.rmtree(gens / old, ignore_errors=True)
        # The live generation's documents are in memory; only the kept predecessors are read.
        referenced = {name for doc in live.docs.values() for name in (doc.file, doc.original)}
        for name in sorted(p.name for p in gens.glob("gen-*")):
            if name == live.name:
                continue
            with open(gens / name / DOCS_FILE, encoding="utf-8") as lines:
                for line in lines:
                    stored = json.loads(line)
                    referenced.update((stored["file"], stored.get("original", "")))
        files = self.root / FILES_DIR
        if files.is_dir():
            for path in files.iterdir():
                if path.name not in referenced:
                    path.unlink(missing_ok=True)


def _remove_partial(gens: Path) -> None:
    # Left by an ingest that was killed mid-write; never visible to readers.
    for partial in gens.glob(".partial-*"):
        shutil.rmtree(partial, ignore_errors=True)


def _empty(dim: int) -> np.ndarray:
    return np.zeros((0, dim), np.float32)
