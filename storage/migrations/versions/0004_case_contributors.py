"""Chronology contributors: the officers invited to a case, with their deadlines.

Revision ID: 0004
Revises: 0003
"""

import sqlalchemy as sa
from alembic import op

revision = "0004"
down_revision = "0003"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "case_contributors",
        sa.Column("case_id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False),
        sa.Column("user_id", sa.String(length=64), nullable=False),
        sa.Column("name", sa.String(length=200), nullable=False),
        sa.Column("invited_by_id", sa.String(length=64), nullable=False),
        sa.Column("invited_by_name", sa.String(length=200), nullable=False),
        sa.Column("invited_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("deadline", sa.Date(), nullable=False),
        sa.ForeignKeyConstraint(["case_id"], ["cases.id"], name=op.f("fk_case_contributors_case_id_cases")),
        sa.PrimaryKeyConstraint("case_id", "user_id", name=op.f("pk_case_contributors")),
    )


def downgrade() -> None:
    op.drop_table("case_contributors")
