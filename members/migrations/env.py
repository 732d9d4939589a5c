"""Alembic's entry point, run by `members.db.migrate` on the connection it is handed."""
from __future__ import annotations

from alembic import context

from members.models import Base

connection = context.config.attributes["connection"]
# Batch mode lets later migrations alter SQLite tables (it rebuilds them; PostgreSQL alters).
context.configure(connection=connection, target_metadata=Base.metadata, render_as_batch=True)
with context.begin_transaction():
    context.run_migrations()
