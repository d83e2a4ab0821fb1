"""Case parameters: every revision the lead reviewer saves, kept whole.

Revision ID: 0002
Revises: 0001
"""

import sqlalchemy as sa
from alembic import op

revision = "0002"
down_revision = "0001"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "case_parameters",
        sa.Column("case_id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False),
        sa.Column("revision", sa.Integer(), autoincrement=False, nullable=False),
        sa.Column("set_by_id", sa.String(length=64), nullable=False),
        sa.Column("set_by_name", sa.String(length=200), nullable=False),
        sa.Column("set_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("look_back_from", sa.Date(), nullable=False),
        sa.Column("look_back_to", sa.Date(), nullable=False),
        sa.Column("subjects", sa.JSON(), nullable=False),
        sa.Column("agencies", sa.JSON(), nullable=False),
        sa.Column("questions", sa.JSON(), nullable=False),
        sa.Column("parallel_processes", sa.JSON(), nullable=False),
        sa.Column("changed", sa.JSON(), nullable=False),
        sa.ForeignKeyConstraint(["case_id"], ["cases.id"], name=op.f("fk_case_parameters_case_id_cases")),
        sa.PrimaryKeyConstraint("case_id", "revision", name=op.f("pk_case_parameters")),
    )


def downgrade() -> None:
    op.drop_table("case_parameters")
