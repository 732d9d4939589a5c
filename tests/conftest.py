"""Shared fixtures: one real embedding model per test session, a fake one for the fast loop,
libraries in temporary folders.

Every test that reaches the real model (the `embedder` or `model_path` fixture) is marked `slow`
here, at collection, so `pytest -m "not slow"` cannot load it by accident; a test that runs a
`sotay` subprocess which loads the model carries `@pytest.mark.slow` itself. A test not marked
slow that lets a Library load the model anyway (in process or in a subprocess) fails at once:
SOTAY_MODEL points nowhere for it.
"""
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


@pytest.fixture(scope="session")
def fake_embedder():
    """A deterministic hashing embedder (tests/fakes.py): no model to load, same interface."""
    from tests.fakes import FakeEmbedder

    return FakeEmbedder(threads=THREADS)


def _library_factory(tmp_path, embedder, sotay_home):
    from index.store import Library

    def factory(name: str = "index", merges: str = "inline", **overrides):
        settings = Settings(index_dir=tmp_path / name, home=sotay_home, threads=THREADS, **overrides)
        return Library(settings, embedder=embedder, merges=merges)

    return factory


@pytest.fixture
def make_library(tmp_path, fake_embedder, sotay_home):
    """Build a Library over a fresh index folder, embedded by the fake embedder (fast)."""
    return _library_factory(tmp_path, fake_embedder, sotay_home)


@pytest.fixture
def make_real_library(tmp_path, embedder, sotay_home):
    """Build a Library over a fresh index folder, sharing the session's real model (slow)."""
    return _library_factory(tmp_path, embedder, sotay_home)


MODEL_FIXTURES = {"embedder", "model_path"}
# What SOTAY_MODEL says in a test not marked slow: a Library left to load its own model, in the
# test or in a `sotay` subprocess it starts, fails at once with this name in the message.
NO_MODEL = "/nonexistent/a-test-not-marked-slow-may-not-load-the-embedding-model"


def pytest_collection_modifyitems(config, items):
    for item in items:
        if MODEL_FIXTURES & set(getattr(item, "fixturenames", ())):
            item.add_marker(pytest.mark.slow)


@pytest.fixture(autouse=True)
def _no_model_outside_slow_tests(request, monkeypatch):
    if request.node.get_closest_marker("slow") is None:
        monkeypatch.setenv("SOTAY_MODEL", NO_MODEL)
