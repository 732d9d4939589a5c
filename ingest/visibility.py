"""Who may read a document: the words an editor writes in its metadata, and their rules.

A document's `visibility` is `public` (anyone), `members` (any signed-in member) or `internal`
to one organisation, named by its slug in `org`: then it is for the members of that organisation
and of every organisation below it. `org` on a public or members' document names the organisation
that published it (whose editors may replace or remove it) and restricts nobody.

The words live here, at the bottom of the layers, because ingest checks them, the index masks by
them and the members package names organisations the same way; what an organisation *is* (its
place in the tree) is the members package's business.
"""
from __future__ import annotations

import re

PUBLIC, MEMBERS, INTERNAL = "public", "members", "internal"
VISIBILITIES = (PUBLIC, MEMBERS, INTERNAL)
DEFAULT_VISIBILITY = PUBLIC
# Slugs appear in URLs, CSV files and command lines: lower-case ASCII letters, digits and inner
# hyphens ("quan-uy-hoang-mai"), at most 64 characters.
SLUG = re.compile(r"[a-z0-9](?:[a-z0-9-]{0,62}[a-z0-9])?")


def is_slug(value: str) -> bool:
    return bool(SLUG.fullmatch(value or ""))


def access_problem(visibility: str | None, org: str | None) -> str | None:
    """Why this visibility/org pair cannot be stored, naming the field; None when it can."""
    if visibility is not None and visibility not in VISIBILITIES:
        return f"field 'visibility' must be one of {', '.join(VISIBILITIES)}, not {visibility!r}"
    if org is not None and not is_slug(org):
        return (f"field 'org' must be an organisation slug (lower-case letters, digits and hyphens, "
                f"e.g. 'quan-uy-hoang-mai'), not {org!r}")
    if visibility == INTERNAL and not org:
        return "field 'visibility' is 'internal', so field 'org' must name the organisation it is internal to"
    return None
