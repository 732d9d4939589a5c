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
    built once per generation, so a scope becomes a mask in a few vectorized operations."""

    def __init__(self, doc_ids: list[str], docs: Mapping[str, DocumentLike]):
        self.level = np.array([_LEVEL.get(visibility_of(docs[d]), _UNKNOWN) for d in doc_ids], np.int8)
        self.org_number: dict[str, int] = {}
        orgs = np.full(len(doc_ids), -1, np.int32)
        for i, doc_id in enumerate(doc_ids):
            if self.level[i] == _LEVEL[INTERNAL]:
                org = str(docs[doc_id].meta.get("org", ""))
                orgs[i] = self.org_number.setdefault(org, len(self.org_number))
        self.org = orgs
        self.everything_public = bool((self.level == 0).all())

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
