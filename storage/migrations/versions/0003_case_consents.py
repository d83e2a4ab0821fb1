"""SIO consent: every answer the SIO gives, kept in order.

Revision ID: 0003
Revises: 0002
"""

import sqlalchemy as sa
from alembic import op

revision = "0003"
down_revision = "0002"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "case_consents",
        sa.Column("id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), autoincrement=True, nullable=False),
        sa.Column("case_id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False),
        sa.Column("answer", sa.String(length=30), nullable=False),
        sa.Column("by_id", sa.String(length=64), nullable=False),
        sa.Column("by_name", sa.String(length=200), nullable=False),
        sa.Column("at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("text", sa.Text(), nullable=True),
        sa.ForeignKeyConstraint(["case_id"], ["cases.id"], name=op.f("fk_case_consents_case_id_cases")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_case_consents")),
    )
    op.create_index(op.f("ix_case_consents_case_id"), "case_consents", ["case_id"], unique=False)


def downgrade() -> None:
    op.drop_index(op.f("ix_case_consents_case_id"), table_name="case_consents")
    op.drop_table("case_consents")
