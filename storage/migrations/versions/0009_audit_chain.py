"""The audit log becomes tamper-evident and append-only: a hash chain over its records (existing ones chained here,
in id order), triggers that refuse to change or remove a record, and indexes for the information manager's search.

Revision ID: 0009
Revises: 0008
"""

import sqlalchemy as sa
from alembic import op

from debrief.audit import GENESIS, chain_hash
from storage.audit_chain import record_from_row
from storage.tables import UtcDateTime

revision = "0009"
down_revision = "0008"
branch_labels = None
depends_on = None

_BATCH = 1000
# The audit log as it stands at this revision (not storage.tables, which may grow later).
_log = sa.table(
    "audit_log",
    sa.column("id", sa.BigInteger()),
    sa.column("at", UtcDateTime()),
    sa.column("actor_id", sa.String()),
    sa.column("actor_name", sa.String()),
    sa.column("action", sa.String()),
    sa.column("category", sa.String()),
    sa.column("outcome", sa.String()),
    sa.column("case_id", sa.BigInteger()),
    sa.column("justification", sa.Text()),
    sa.column("recipients", sa.JSON()),
    sa.column("chain_hash", sa.String()),
)
_RECORD_COLUMNS = ("at", "actor_id", "actor_name", "action", "category", "outcome", "case_id", "justification")
_INDEXES = (
    ("ix_audit_log_at", ["at"]),
    ("ix_audit_log_actor_id_at", ["actor_id", "at"]),
    ("ix_audit_log_category_at", ["category", "at"]),
)

# The one update allowed: a transaction filling in the hash of the row it has just inserted (storage.audit_chain).
_POSTGRESQL_TRIGGERS = (
    """
    CREATE FUNCTION audit_log_append_only() RETURNS trigger LANGUAGE plpgsql AS $$
    BEGIN
        IF TG_OP = 'UPDATE' THEN
            IF OLD.chain_hash = '' AND NEW.chain_hash <> ''
               AND (NEW.id, NEW.at, NEW.actor_id, NEW.actor_name, NEW.action, NEW.category, NEW.outcome,
                    NEW.case_id, NEW.justification, NEW.recipients::text)
                   IS NOT DISTINCT FROM
                   (OLD.id, OLD.at, OLD.actor_id, OLD.actor_name, OLD.action, OLD.category, OLD.outcome,
                    OLD.case_id, OLD.justification, OLD.recipients::text) THEN
                RETURN NEW;
            END IF;
        END IF;
        RAISE EXCEPTION 'the audit log is append-only: % on audit_log is not allowed', TG_OP;
    END
    $$
    """,
    "CREATE TRIGGER audit_log_append_only BEFORE UPDATE OR DELETE ON audit_log "
    "FOR EACH ROW EXECUTE FUNCTION audit_log_append_only()",
    "CREATE TRIGGER audit_log_no_truncate BEFORE TRUNCATE ON audit_log "
    "FOR EACH STATEMENT EXECUTE FUNCTION audit_log_append_only()",
)
_SQLITE_UNCHANGED = " AND ".join(f"NEW.{column} IS OLD.{column}" for column in ("id", *_RECORD_COLUMNS, "recipients"))
_SQLITE_TRIGGERS = (
    f"""
    CREATE TRIGGER audit_log_append_only_update BEFORE UPDATE ON audit_log
    WHEN NOT (OLD.chain_hash = '' AND NEW.chain_hash <> '' AND {_SQLITE_UNCHANGED})
    BEGIN SELECT RAISE(ABORT, 'the audit log is append-only: UPDATE on audit_log is not allowed'); END
    """,
    """
    CREATE TRIGGER audit_log_append_only_delete BEFORE DELETE ON audit_log
    BEGIN SELECT RAISE(ABORT, 'the audit log is append-only: DELETE on audit_log is not allowed'); END
    """,
)


def upgrade() -> None:
    op.add_column("audit_log", sa.Column("chain_hash", sa.String(length=64), nullable=True))
    _chain_existing_records(op.get_bind())
    with op.batch_alter_table("audit_log") as batch:
        batch.alter_column("chain_hash", existing_type=sa.String(length=64), nullable=False)
    for name, columns in _INDEXES:
        op.create_index(name, "audit_log", columns, unique=False)
    triggers = _POSTGRESQL_TRIGGERS if op.get_bind().dialect.name == "postgresql" else _SQLITE_TRIGGERS
    for statement in triggers:
        op.execute(statement)


def _chain_existing_records(connection: sa.Connection) -> None:
    """Chain what is already logged, oldest first, a batch at a time (memory stays bounded)."""
    fill = sa.update(_log).where(_log.c.id == sa.bindparam("row_id")).values(chain_hash=sa.bindparam("hash"))
    previous, after = GENESIS, None
    while True:
        query = sa.select(_log).order_by(_log.c.id).limit(_BATCH)
        if after is not None:
            query = query.where(_log.c.id > after)
        rows = connection.execute(query).all()
        fills = []
        for row in rows:
            previous = chain_hash(previous, record_from_row(row))
            fills.append({"row_id": row.id, "hash": previous})
        if fills:
            connection.execute(fill, fills)
        if len(rows) < _BATCH:
            return
        after = rows[-1].id


def downgrade() -> None:
    if op.get_bind().dialect.name == "postgresql":
        op.execute("DROP TRIGGER audit_log_no_truncate ON audit_log")
        op.execute("DROP TRIGGER audit_log_append_only ON audit_log")
        op.execute("DROP FUNCTION audit_log_append_only()")
    else:
        op.execute("DROP TRIGGER audit_log_append_only_delete")
        op.execute("DROP TRIGGER audit_log_append_only_update")
    for name, _columns in reversed(_INDEXES):
        op.drop_index(name, table_name="audit_log")
    with op.batch_alter_table("audit_log") as batch:
        batch.drop_column("chain_hash")
