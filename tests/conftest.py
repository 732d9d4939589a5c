"""Shared fixtures: one real embedding model per test session, libraries in temporary folders."""
from __future__ import annotations

import os
from pathlib import Path

import pytest

from settings import Settings

REPO = Path(__file__).resolve().parent.parent
THREADS = int(os.environ.get("SOTAY_THREADS", "2"))


@pytest.fixture(scope="session")
def sotay_home() -> Path:
    return Settings().home


@pytest.fixture(scope="session")
def model_path(sotay_home) -> Path:
    from index.model import prepare_model

    return prepare_model(sotay_home)


@pytest.fixture(scope="session")
def embedder(model_path):
    from index.embedder import Embedder

    return Embedder(model_path, threads=THREADS)


@pytest.fixture
def make_library(tmp_path, embedder, sotay_home):
    """Build a Library over a fresh index folder, sharing the session's model."""
    from index.store import Library

    def factory(name: str = "index", **overrides):
        settings = Settings(index_dir=tmp_path / name, home=sotay_home, threads=THREADS, **overrides)
        return Library(settings, embedder=embedder)

    return factory
