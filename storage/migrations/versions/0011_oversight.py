"""Oversight: the digests sent (one per kind and period), outbox messages about no one case (a digest), and covering
indexes for the oversight figures.

Revision ID: 0011
Revises: 0010
"""

import sqlalchemy as sa
from alembic import op

revision = "0011"
down_revision = "0010"
branch_labels = None
depends_on = None

ID = sa.BigInteger().with_variant(sa.Integer(), "sqlite")


def upgrade() -> None:
    op.create_table(
        "digests",
        sa.Column("id", ID, autoincrement=True, nullable=False),
        sa.Column("kind", sa.String(length=20), nullable=False),
        sa.Column("period", sa.String(length=20), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("reported", sa.Boolean(), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_digests")),
        sa.UniqueConstraint("kind", "period", name="uq_digests_kind_period"),
    )
    # Covering indexes for the oversight figures' counts (actions by status and owner, by status and theme; agreed
    # learning by theme and quarter).
    op.create_index(
        "ix_actions_status_owner_id",
        "actions",
        ["status", "owner_id", "case_id", "removed_at", "created_at", "due"],
        unique=False,
    )
    op.create_index(
        "ix_actions_status_theme",
        "actions",
        ["status", "theme", "case_id", "removed_at", "created_at", "due"],
        unique=False,
    )
    op.create_index(
        "ix_learning_points_case_id_removed_at",
        "learning_points",
        ["case_id", "removed_at", "recorded_at", "theme"],
        unique=False,
    )
    # SQLite cannot alter a column in place: batch mode copies the table (indexes and the foreign key come along).
    with op.batch_alter_table("outbox") as batch:
        batch.alter_column("case_id", existing_type=ID, nullable=True)


def downgrade() -> None:
    op.execute("DELETE FROM outbox WHERE case_id IS NULL")
    with op.batch_alter_table("outbox") as batch:
        batch.alter_column("case_id", existing_type=ID, nullable=False)
    op.drop_index("ix_learning_points_case_id_removed_at", table_name="learning_points")
    op.drop_index("ix_actions_status_theme", table_name="actions")
    op.drop_index("ix_actions_status_owner_id", table_name="actions")
    op.drop_table("digests")
