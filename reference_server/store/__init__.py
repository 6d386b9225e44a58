"""Persistence: SQLAlchemy 2 Core (async) over SQLite by default, PostgreSQL by URL.

The tables are in :mod:`.schema`; :mod:`.database` opens the engine and applies the Alembic
migrations; one repository module per resource turns rows into plain dicts or domain objects.
The domain never imports from here: persistence adapts to the domain.
"""
