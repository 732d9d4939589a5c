"""Members: organisations in a tree, accounts with roles, passwords and API tokens, in a real
database (SQLAlchemy 2 + Alembic; SQLite beside the index by default, PostgreSQL by URL).

    from members import open_members
    members = open_members(settings)
    members.add_org("thanh-uy-ha-noi", "Thành ủy Hà Nội")
    members.add_user("nguyen.van.a", org="thanh-uy-ha-noi")

The index never sees a user: `search_api` turns a `Viewer` into the index's scope.
"""
import threading

import settings as _settings  # noqa: F401  (the offline environment, as every package)

from .credentials import password_problem
from .db import DatabaseError
from .demo import DEMO_PASSWORD, create_demo
from .models import ROLES
from .service import MAX_LISTENING_SECONDS, Members, MembersError, NewAccount, Viewer, WrongPassword

_open: dict[str, Members] = {}
_lock = threading.Lock()


def open_members(settings: _settings.Settings) -> Members:
    """The process's one `Members` for the settings' database, migrated on first open."""
    url = settings.members_database
    with _lock:
        if url not in _open:
            _open[url] = Members(url)
        return _open[url]


__all__ = ["DEMO_PASSWORD", "MAX_LISTENING_SECONDS", "ROLES", "DatabaseError", "Members", "MembersError",
           "NewAccount", "Viewer", "WrongPassword", "create_demo", "open_members", "password_problem"]
