"""What a viewer may see, applied where documents are queried (Paperless-style), never per view.

The index knows documents' visibility (`public`, `members`, `internal` + `org`, in their
metadata; ingest/visibility.py) and nothing about users. A caller describes its viewer as a
`Scope`: signed in or not, and the organisations whose internal documents the viewer may read
(for a member: their organisation and every one above it, since a document internal to an
organisation is for it and everything below). The library turns a scope into one boolean mask
over documents, and from it over chunks, *before* any ranking or cut, so every list, count,
facet, snippet and page agrees, and a search still fills `top_k` from what the viewer may see.
"""
from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

import numpy as np

from ingest.visibility import INTERNAL, MEMBERS, PUBLIC, VISIBILITIES

from .records import DocumentHead, StoredDocument

# What access reads of a document: its metadata, which a head holds as the whole document does.
DocumentLike = StoredDocument | DocumentHead

_LEVEL = {PUBLIC: 0, MEMBERS: 1, INTERNAL: 2}
# A visibility the index does not know (a library written by a newer version) is shown to nobody
# but unrestricted viewers: failing closed, never open.
_UNKNOWN = 3


@dataclass(frozen=True)
class Scope:
    """A viewer, as the index sees one. Hashable, so answers can be cached per scope."""

    signed_in: bool = False
    # Slugs of the organisations whose internal documents this viewer may read.
    orgs: frozenset[str] = frozenset()
    # Administrators and automation (SOTAY_EDITOR_TOKEN, the operator's command line): everything.
    unrestricted: bool = False

    def may_see(self, doc: DocumentLike) -> bool:
        if self.unrestricted:
            return True
        visibility = visibility_of(doc)
        if visibility == PUBLIC:
            return True
        if visibility == MEMBERS:
            return self.signed_in
        if visibility == INTERNAL:
            return self.signed_in and str(doc.meta.get("org", "")) in self.orgs
        return False


ANONYMOUS = Scope()
EVERYTHING = Scope(signed_in=True, unrestricted=True)


def visibility_of(doc: DocumentLike) -> str:
    """A document's visibility; one stored before visibilities existed is public."""
    return str(doc.meta.get("visibility") or PUBLIC)


class DocumentAccess:
    """Each document's visibility level and organisation as arrays (rows in `doc_id_list` order),
    built once per segment and joined per generation (`combine`), so a scope becomes a mask in a few
    vectorized operations."""

    def __init__(self, doc_ids: list[str], docs: Mapping[str, DocumentLike]):
        level = np.array([_LEVEL.get(visibility_of(docs[d]), _UNKNOWN) for d in doc_ids], np.int8)
        org_number: dict[str, int] = {}
        orgs = np.full(len(doc_ids), -1, np.int32)
        for i in np.flatnonzero(level == _LEVEL[INTERNAL]):
            org = str(docs[doc_ids[i]].meta.get("org", ""))
            orgs[i] = org_number.setdefault(org, len(org_number))
        self._set(level, orgs, org_number)

    def _set(self, level: np.ndarray, org: np.ndarray, org_number: dict[str, int]) -> None:
        self.level = level
        self.org = org
        self.org_number = org_number
        self.everything_public = bool((self.level == 0).all())

    @classmethod
    def combine(cls, parts: list[tuple[DocumentAccess, np.ndarray | None]]) -> DocumentAccess:
        """The arrays of several parts' rows one after another: each part is `(access, rows)`,
        `rows` the positions of its documents kept, in order (None: all). A library's segments
        each build theirs once (a segment never changes), so a commit costs the next search a
        concatenation, not a pass over every document."""
        levels: list[np.ndarray] = []
        orgs: list[np.ndarray] = []
        org_number: dict[str, int] = {}
        for access, rows in parts:
            renumber = np.full(len(access.org_number) + 1, -1, np.int32)  # index -1: no organisation
            for name, number in access.org_number.items():
                renumber[number] = org_number.setdefault(name, len(org_number))
            levels.append(access.level if rows is None else access.level[rows])
            orgs.append(renumber[access.org if rows is None else access.org[rows]])
        combined = cls.__new__(cls)
        combined._set(np.concatenate([np.zeros(0, np.int8), *levels]),
                      np.concatenate([np.zeros(0, np.int32), *orgs]), org_number)
        return combined

    def doc_mask(self, scope: Scope) -> np.ndarray | None:
        """Mask over documents this scope may see; None when it may see all of them."""
        if scope.unrestricted or self.everything_public:
            return None
        mask = self.level == 0
        if scope.signed_in:
            mask |= self.level == _LEVEL[MEMBERS]
            numbers = [self.org_number[o] for o in scope.orgs if o in self.org_number]
            if numbers:
                mask |= (self.level == _LEVEL[INTERNAL]) & np.isin(self.org, numbers)
        return None if mask.all() else mask


__all__ = ["ANONYMOUS", "EVERYTHING", "VISIBILITIES", "DocumentAccess", "Scope", "visibility_of"]
