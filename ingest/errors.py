"""What a reader says when it cannot read a file: the path and a reason an editor can act on."""
from __future__ import annotations

from dataclasses import dataclass


class ReadError(Exception):
    """A file that cannot be ingested; the message says why and what to do."""


@dataclass
class IngestFailure:
    path: str
    reason: str

    def to_json(self) -> dict:
        return {"path": self.path, "reason": self.reason}
