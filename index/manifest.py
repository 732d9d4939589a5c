"""The manifest: which segments make up the library, and which of their documents are deleted.

    CURRENT                       the live manifest's name, switched by one atomic rename
    manifests/m-000012.json       {"format": 2, "segments": [{"name": ..., "deleted": [...]}], "model": ...}
    segments/seg-000031/          immutable segments (index/segment.py)

A manifest is small (a line per segment, and the ids of documents replaced or deleted since their
segment was written), so a commit that adds one document writes one small segment and one small
manifest. It also carries what holds for the whole library: the model and the arithmetic that
embedded every vector (`model`, `precision`, `dim`).
"""
from __future__ import annotations

import json
import os
import re
from dataclasses import dataclass, field, replace
from pathlib import Path

from .segment import fsync_dir

CURRENT_FILE = "CURRENT"
MANIFESTS_DIR = "manifests"
SEGMENTS_DIR = "segments"
# The layout before segments: CURRENT named a whole snapshot here.
GENERATIONS_DIR = "generations"
FORMAT = 2
# What a manifest says of the whole library: what embedded every vector in it, and the backends
# that index every segment of it (index/backends.py).
LIBRARY_FIELDS = ("model", "precision", "dim", "vector_backend", "keyword_backend")
_NAME = re.compile(r"m-(\d{6,})")


@dataclass(frozen=True)
class SegmentEntry:
    name: str
    deleted: frozenset[str] = frozenset()

    def to_json(self) -> dict:
        return {"name": self.name, "deleted": sorted(self.deleted)}


@dataclass(frozen=True)
class Manifest:
    name: str
    segments: tuple[SegmentEntry, ...] = ()
    # The library's model, precision, dim: what every vector in it was embedded with.
    fields: dict = field(default_factory=dict)

    @property
    def number(self) -> int:
        match = _NAME.fullmatch(self.name)
        return int(match.group(1)) if match else 0

    @property
    def deleted(self) -> dict[str, frozenset[str]]:
        return {entry.name: entry.deleted for entry in self.segments if entry.deleted}

    def segment_names(self) -> list[str]:
        return [entry.name for entry in self.segments]

    def successor(self, segments: list[SegmentEntry], **fields) -> Manifest:
        return replace(self, name=f"m-{self.number + 1:06d}", segments=tuple(segments),
                       fields=dict(self.fields, **fields))

    def to_json(self) -> dict:
        return dict(self.fields, format=FORMAT, segments=[entry.to_json() for entry in self.segments])

    @classmethod
    def from_json(cls, name: str, data: dict) -> Manifest:
        if data.get("format") != FORMAT:
            raise RuntimeError(f"manifest {name} has format {data.get('format')}, not {FORMAT}: it was written by "
                               "another version of Sổ tay; re-ingest into a new index folder")
        segments = tuple(SegmentEntry(s["name"], frozenset(s.get("deleted", ()))) for s in data["segments"])
        fields = {k: v for k, v in data.items() if k not in ("format", "segments")}
        return cls(name, segments, fields)


def read_current(root: Path) -> str | None:
    try:
        return (root / CURRENT_FILE).read_text().strip() or None
    except FileNotFoundError:
        return None


def load_manifest(root: Path, name: str) -> Manifest:
    return Manifest.from_json(name, json.loads((root / MANIFESTS_DIR / f"{name}.json").read_text()))


def write_manifest(root: Path, manifest: Manifest) -> None:
    """Write the manifest file (not yet live): flushed, then renamed into place whole."""
    folder = root / MANIFESTS_DIR
    folder.mkdir(parents=True, exist_ok=True)
    target = folder / f"{manifest.name}.json"
    partial = folder / f".{manifest.name}.json.tmp"
    with open(partial, "w", encoding="utf-8") as out:
        out.write(json.dumps(manifest.to_json(), ensure_ascii=False, indent=1))
        out.flush()
        os.fsync(out.fileno())
    os.replace(partial, target)
    fsync_dir(folder)


def switch_current(root: Path, name: str) -> None:
    """Make manifest `name` live: the pointer is written beside CURRENT and renamed over it."""
    pointer = root / (CURRENT_FILE + ".tmp")
    with open(pointer, "w") as out:
        out.write(name + "\n")
        out.flush()
        os.fsync(out.fileno())
    os.replace(pointer, root / CURRENT_FILE)
    fsync_dir(root)
