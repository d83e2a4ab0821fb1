"""Actions after circulation: their status, note and who changed it; requests the working group decides; and what
an outbox message is about within its case.

Revision ID: 0008
Revises: 0007
"""

import sqlalchemy as sa
from alembic import op

revision = "0008"
down_revision = "0007"
branch_labels = None
depends_on = None

ID = sa.BigInteger().with_variant(sa.Integer(), "sqlite")


def upgrade() -> None:
    op.add_column("actions", sa.Column("status_note", sa.Text(), nullable=True))
    op.add_column("actions", sa.Column("status_changed_by_id", sa.String(length=64), nullable=True))
    op.add_column("actions", sa.Column("status_changed_by_name", sa.String(length=200), nullable=True))
    op.add_column("actions", sa.Column("status_changed_at", sa.DateTime(timezone=True), nullable=True))
    op.create_table(
        "action_requests",
        sa.Column("id", ID, autoincrement=True, nullable=False),
        sa.Column("action_id", ID, nullable=False),
        sa.Column("kind", sa.String(length=20), nullable=False),
        sa.Column("reason", sa.Text(), nullable=False),
        sa.Column("requested_by_id", sa.String(length=64), nullable=False),
        sa.Column("requested_by_name", sa.String(length=200), nullable=False),
        sa.Column("requested_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("new_due", sa.Date(), nullable=True),
        sa.Column("state", sa.String(length=20), nullable=False),
        sa.Column("decided_by_id", sa.String(length=64), nullable=True),
        sa.Column("decided_by_name", sa.String(length=200), nullable=True),
        sa.Column("decided_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("pending_for", ID, nullable=True),
        sa.ForeignKeyConstraint(
            ["action_id"], ["actions.id"], name=op.f("fk_action_requests_action_id_actions")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_action_requests")),
        sa.UniqueConstraint("pending_for", name=op.f("uq_action_requests_pending_for")),
    )
    op.create_index("ix_action_requests_action_id_id", "action_requests", ["action_id", "id"], unique=False)
    op.add_column("outbox", sa.Column("subject_id", ID, nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("outbox") as batch:
        batch.drop_column("subject_id")
    op.drop_index("ix_action_requests_action_id_id", table_name="action_requests")
    op.drop_table("action_requests")
    with op.batch_alter_table("actions") as batch:
        batch.drop_column("status_changed_at")
        batch.drop_column("status_changed_by_name")
        batch.drop_column("status_changed_by_id")
        batch.drop_column("status_note")
