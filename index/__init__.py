"""Index: the library on disk (documents, original files, FAISS and BM25 indexes in atomic
generations) and hybrid search over it.

    from index import Library
    library = Library(Settings())
    library.ingest([Path("corpus/library")])
    library.search("nghi quyet dai hoi 13", top_k=5)
"""
import settings  # noqa: F401  (the offline environment, before any module imports Haystack)

from .access import ANONYMOUS, EVERYTHING, Scope
from .records import Chunk, SearchFilters, SearchHit, SearchResponse, StoredDocument
from .search import MODES
from .store import AccessDefaults, IngestReport, Library, LibraryBusy

__all__ = ["MODES", "Library", "LibraryBusy", "IngestReport", "StoredDocument", "Chunk", "SearchFilters",
           "SearchHit", "SearchResponse", "Scope", "ANONYMOUS", "EVERYTHING", "AccessDefaults"]
