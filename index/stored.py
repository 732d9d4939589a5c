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
from array import array
from collections.abc import Callable, Iterable, Iterator, Sequence
from pathlib import Path
from typing import Generic, TypeVar, overload

import numpy as np

T = TypeVar("T")


def offsets_path(path: Path) -> Path:
    return path.with_name(path.stem + ".offsets.npy")


def json_line(row: dict) -> bytes:
    """One row as it is stored: a line of JSON, UTF-8."""
    return (json.dumps(row, ensure_ascii=False) + "\n").encode("utf-8")


def write_rows(path: Path, rows: Iterable[dict]) -> int:
    """Write `rows` as JSON lines to `path` and their offsets beside it; the number written."""
    return write_lines(path, (json_line(row) for row in rows))


def write_lines(path: Path, lines: Iterable[bytes]) -> int:
    """Write stored rows given as their lines (`json_line`, or `StoredRows.line` of another file:
    a merge copies rows without parsing them) and their offsets; the number written."""
    starts = array("q", [0])
    with open(path, "wb") as out:
        for line in lines:
            out.write(line)
            starts.append(starts[-1] + len(line))
    np.save(offsets_path(path), np.frombuffer(starts, np.int64))
    return len(starts) - 1


class NpyWriter:
    """A `.npy` file written a block of rows at a time, its row count known only at the end: what a
    merge writes arrays larger than it should hold with. The header is written first for `most`
    rows and rewritten on `close` for the rows written (numpy pads headers so that the count can
    grow in place, to 21 digits)."""

    def __init__(self, path: Path, dtype, row_shape: tuple[int, ...] = (), most: int = 0):
        self.path = path
        self.dtype = np.dtype(dtype)
        self.row_shape = tuple(row_shape)
        self.rows = 0
        self.out = open(path, "wb")
        self._header(most)
        self.data_start = self.out.tell()

    def _header(self, rows: int) -> None:
        np.lib.format.write_array_header_1_0(self.out, {
            "descr": np.lib.format.dtype_to_descr(self.dtype), "fortran_order": False,
            "shape": (rows, *self.row_shape)})

    def write(self, block: np.ndarray) -> None:
        block = np.ascontiguousarray(block, dtype=self.dtype)
        if block.shape[1:] != self.row_shape:
            raise ValueError(f"{self.path}: rows of shape {block.shape[1:]}, expected {self.row_shape}")
        self.out.write(block.data)
        self.rows += len(block)

    def close(self) -> int:
        """Finish the file; the number of rows it holds."""
        self.out.seek(0)
        self._header(self.rows)
        if self.out.tell() != self.data_start:
            raise RuntimeError(f"{self.path}: the header changed length")  # numpy keeps it fixed
        self.out.close()
        return self.rows

    def __enter__(self) -> NpyWriter:
        return self

    def __exit__(self, *exc) -> None:
        if exc[0] is None:
            self.close()
        else:
            self.out.close()


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
        return json.loads(self.line(i))

    def line(self, i: int) -> bytes:
        """Row `i` as it is stored, its line end included (a slice of the map is a bytes copy)."""
        return self.data[int(self.offsets[i]):int(self.offsets[i + 1])]

    def row(self, i: int) -> T:
        return self.make(self.raw(i))

    def __iter__(self) -> Iterator[T]:
        for i in range(len(self)):
            yield self.make(self.raw(i))
