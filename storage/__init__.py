"""SQL edge: tables, the unit of work, repositories, the outbox table and alembic migrations."""
