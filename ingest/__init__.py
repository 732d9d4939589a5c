"""Ingest: editors' files (PDF, DOCX, HTML, TXT/MD, JSONL, folders, zips) to clean Vietnamese
documents with metadata, split into passages that follow the documents' structure.

The Haystack components (`ingest.components.MetadataExtractor`, `ingest.components.VietnameseChunker`)
are imported from their module, so that importing this package does not load Haystack.
"""
import settings  # noqa: F401  (the offline environment, before any module imports Haystack)

from .chunking import Passage, chunk_text
from .doc_numbers import normalize_number, number_keys
from .doctypes import DOCUMENT_TYPES
from .errors import IngestFailure, ReadError
from .legacy_encodings import convert_legacy
from .metadata import extract_metadata, normalize_type
from .sentences import split_sentences
from .sources import SourceDocument, read_sources, read_uploads
from .vntext import canonical_tones, fold, normalize_text

__all__ = [
    "read_sources", "read_uploads", "SourceDocument", "IngestFailure", "ReadError",
    "extract_metadata", "normalize_number", "normalize_type", "number_keys", "DOCUMENT_TYPES",
    "split_sentences", "chunk_text", "Passage", "normalize_text", "canonical_tones", "fold", "convert_legacy",
]
