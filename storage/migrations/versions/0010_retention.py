"""Retention: when a case closed, its review date, its erasure and any legal hold; the retention decisions; and
which review dates have been sent to the information managers.

Revision ID: 0010
Revises: 0009
"""

import sqlalchemy as sa
from alembic import op

revision = "0010"
down_revision = "0009"
branch_labels = None
depends_on = None

ID = sa.BigInteger().with_variant(sa.Integer(), "sqlite")


def upgrade() -> None:
    op.add_column("cases", sa.Column("closed_at", sa.DateTime(timezone=True), nullable=True))
    op.add_column("cases", sa.Column("review_due", sa.Date(), nullable=True))
    op.add_column("cases", sa.Column("erased_at", sa.DateTime(timezone=True), nullable=True))
    op.add_column("cases", sa.Column("legal_hold_kind", sa.String(length=30), nullable=True))
    op.add_column("cases", sa.Column("legal_hold_details", sa.Text(), nullable=True))
    op.add_column("cases", sa.Column("legal_hold_by_id", sa.String(length=64), nullable=True))
    op.add_column("cases", sa.Column("legal_hold_by_name", sa.String(length=200), nullable=True))
    op.add_column("cases", sa.Column("legal_hold_at", sa.DateTime(timezone=True), nullable=True))
    op.create_table(
        "retention_decisions",
        sa.Column("id", ID, autoincrement=True, nullable=False),
        sa.Column("case_id", ID, nullable=False),
        sa.Column("kind", sa.String(length=20), nullable=False),
        sa.Column("rationale", sa.Text(), nullable=False),
        sa.Column("review_due_before", sa.Date(), nullable=True),
        sa.Column("review_due_after", sa.Date(), nullable=True),
        sa.Column("hold_kind", sa.String(length=30), nullable=True),
        sa.Column("erased", sa.JSON(none_as_null=True), nullable=True),
        sa.Column("decided_by_id", sa.String(length=64), nullable=False),
        sa.Column("decided_by_name", sa.String(length=200), nullable=False),
        sa.Column("decided_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(["case_id"], ["cases.id"], name=op.f("fk_retention_decisions_case_id_cases")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_retention_decisions")),
    )
    op.create_index("ix_retention_decisions_case_id_id", "retention_decisions", ["case_id", "id"], unique=False)
    op.create_table(
        "retention_notices",
        sa.Column("case_id", ID, nullable=False),
        sa.Column("review_due", sa.Date(), nullable=False),
        sa.Column("sent_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(["case_id"], ["cases.id"], name=op.f("fk_retention_notices_case_id_cases")),
        sa.PrimaryKeyConstraint("case_id", "review_due", name=op.f("pk_retention_notices")),
    )


def downgrade() -> None:
    op.drop_table("retention_notices")
    op.drop_index("ix_retention_decisions_case_id_id", table_name="retention_decisions")
    op.drop_table("retention_decisions")
    with op.batch_alter_table("cases") as batch:
        batch.drop_column("legal_hold_at")
        batch.drop_column("legal_hold_by_name")
        batch.drop_column("legal_hold_by_id")
        batch.drop_column("legal_hold_details")
        batch.drop_column("legal_hold_kind")
        batch.drop_column("erased_at")
        batch.drop_column("review_due")
        batch.drop_column("closed_at")
