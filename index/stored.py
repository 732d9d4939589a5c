"""Stored fields: a segment's documents and passages read from disk one row at a time.

A library of a million passages holds a gigabyte of text; a serving process needs a dozen
passages a search and one document a page. So, as Lucene's stored fields do, rows are kept in a
data file (JSON lines, readable by anyone) beside an index of where each row starts
(`NAME.offsets.npy`, int64, one more entry than rows), and both are memory-mapped: reading row `i`
is one slice of the map and one `json.loads`, and what is never read costs no memory. A file
written before offsets existed gets them by one scan for line ends when it is opened.
"""
from __future__ import annotations

import json
import mmap
from abc import abstractmethod
from collections.abc import Callable, Iterable, Iterator, Sequence
from pathlib import Path
from typing import Generic, TypeVar, overload

import numpy as np

T = TypeVar("T")


def offsets_path(path: Path) -> Path:
    return path.with_name(path.stem + ".offsets.npy")


def write_rows(path: Path, rows: Iterable[dict]) -> int:
    """Write `rows` as JSON lines to `path` and their offsets beside it; the number written."""
    starts = [0]
    with open(path, "wb") as out:
        for row in rows:
            line = (json.dumps(row, ensure_ascii=False) + "\n").encode("utf-8")
            out.write(line)
            starts.append(starts[-1] + len(line))
    np.save(offsets_path(path), np.asarray(starts, np.int64))
    return len(starts) - 1


class Rows(Sequence[T], Generic[T]):
    """A read-only sequence whose rows are made one at a time by `row(i)`, `0 <= i < len`: the
    indexing (negative indexes, slices, bounds) of every sequence of rows read when asked."""

    @abstractmethod
    def __len__(self) -> int: ...

    @abstractmethod
    def row(self, i: int) -> T: ...

    @overload
    def __getitem__(self, i: int) -> T: ...

    @overload
    def __getitem__(self, i: slice) -> list[T]: ...

    def __getitem__(self, i):
        if isinstance(i, slice):
            return [self.row(j) for j in range(*i.indices(len(self)))]
        i = int(i)
        if i < 0:
            i += len(self)
        if not 0 <= i < len(self):
            raise IndexError(i)
        return self.row(i)


class StoredRows(Rows[T]):
    """The rows of a JSON-lines file as a read-only sequence, each made by `make` when read.

    The map and the offsets are shared by every thread of the process and never change: a
    segment's files are immutable once written, and a removed segment's open map stays valid.
    """

    def __init__(self, path: Path, make: Callable[[dict], T]):
        self.path = path
        self.make = make
        with open(path, "rb") as f:
            size = f.seek(0, 2)
            # mmap refuses an empty file; an empty segment has nothing to read anyway.
            self.data: mmap.mmap | bytes = mmap.mmap(f.fileno(), 0, access=mmap.ACCESS_READ) if size else b""
        index = offsets_path(path)
        if index.exists():
            self.offsets = np.load(index, mmap_mode="r")
        else:
            bytes_ = np.frombuffer(self.data, np.uint8) if size else np.zeros(0, np.uint8)
            ends = np.flatnonzero(bytes_ == ord("\n")) + 1
            self.offsets = np.concatenate([[0], ends]).astype(np.int64)
        if int(self.offsets[-1]) != size:
            raise RuntimeError(f"{path}: its offsets do not match the file ({size} bytes); the segment is damaged, "
                               "re-ingest into a new index folder")

    def __len__(self) -> int:
        return len(self.offsets) - 1

    def raw(self, i: int) -> dict:
        """Row `i` as its JSON object."""
        start, stop = int(self.offsets[i]), int(self.offsets[i + 1])
        return json.loads(self.data[start:stop])

    def row(self, i: int) -> T:
        return self.make(self.raw(i))

    def __iter__(self) -> Iterator[T]:
        for i in range(len(self)):
            yield self.make(self.raw(i))
