"""The debrief's outcome: its version per case, learning points, recommendations, actions and the SIO's sign-offs.

Revision ID: 0007
Revises: 0006
"""

import sqlalchemy as sa
from alembic import op

revision = "0007"
down_revision = "0006"
branch_labels = None
depends_on = None

ID = sa.BigInteger().with_variant(sa.Integer(), "sqlite")


def upgrade() -> None:
    op.create_table(
        "case_outcomes",
        sa.Column("case_id", ID, nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.Column("circulated_at", sa.DateTime(timezone=True), nullable=True),
        sa.ForeignKeyConstraint(["case_id"], ["cases.id"], name=op.f("fk_case_outcomes_case_id_cases")),
        sa.PrimaryKeyConstraint("case_id", name=op.f("pk_case_outcomes")),
    )
    op.create_table(
        "learning_points",
        sa.Column("id", ID, autoincrement=True, nullable=False),
        sa.Column("case_id", ID, nullable=False),
        sa.Column("theme", sa.String(length=100), nullable=False),
        sa.Column("kind", sa.String(length=20), nullable=False),
        sa.Column("text", sa.Text(), nullable=False),
        sa.Column("recorded_by_id", sa.String(length=64), nullable=False),
        sa.Column("recorded_by_name", sa.String(length=200), nullable=False),
        sa.Column("recorded_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.Column("removed_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("removed_by_id", sa.String(length=64), nullable=True),
        sa.Column("removed_by_name", sa.String(length=200), nullable=True),
        sa.ForeignKeyConstraint(["case_id"], ["cases.id"], name=op.f("fk_learning_points_case_id_cases")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_learning_points")),
    )
    op.create_index("ix_learning_points_case_id_id", "learning_points", ["case_id", "id"], unique=False)
    op.create_table(
        "recommendations",
        sa.Column("id", ID, autoincrement=True, nullable=False),
        sa.Column("case_id", ID, nullable=False),
        sa.Column("text", sa.Text(), nullable=False),
        sa.Column("route", sa.String(length=20), nullable=False),
        sa.Column("recorded_by_id", sa.String(length=64), nullable=False),
        sa.Column("recorded_by_name", sa.String(length=200), nullable=False),
        sa.Column("recorded_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.Column("removed_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("removed_by_id", sa.String(length=64), nullable=True),
        sa.Column("removed_by_name", sa.String(length=200), nullable=True),
        sa.ForeignKeyConstraint(["case_id"], ["cases.id"], name=op.f("fk_recommendations_case_id_cases")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_recommendations")),
    )
    op.create_index("ix_recommendations_case_id_id", "recommendations", ["case_id", "id"], unique=False)
    op.create_table(
        "actions",
        sa.Column("id", ID, autoincrement=True, nullable=False),
        sa.Column("case_id", ID, nullable=False),
        sa.Column("description", sa.Text(), nullable=False),
        sa.Column("owner_id", sa.String(length=64), nullable=False),
        sa.Column("owner_name", sa.String(length=200), nullable=False),
        sa.Column("due", sa.Date(), nullable=False),
        sa.Column("priority", sa.String(length=10), nullable=False),
        sa.Column("theme", sa.String(length=100), nullable=False),
        sa.Column("route", sa.String(length=20), nullable=False),
        sa.Column("status", sa.String(length=20), nullable=False),
        sa.Column("created_by_id", sa.String(length=64), nullable=False),
        sa.Column("created_by_name", sa.String(length=200), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.Column("removed_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("removed_by_id", sa.String(length=64), nullable=True),
        sa.Column("removed_by_name", sa.String(length=200), nullable=True),
        sa.ForeignKeyConstraint(["case_id"], ["cases.id"], name=op.f("fk_actions_case_id_cases")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_actions")),
    )
    op.create_index("ix_actions_case_id_id", "actions", ["case_id", "id"], unique=False)
    op.create_index("ix_actions_owner_id", "actions", ["owner_id"], unique=False)
    op.create_index("ix_actions_due", "actions", ["due"], unique=False)
    op.create_table(
        "outcome_sign_offs",
        sa.Column("case_id", ID, nullable=False),
        sa.Column("outcome_version", sa.Integer(), autoincrement=False, nullable=False),
        sa.Column("state", sa.String(length=20), nullable=False),
        sa.Column("requested_by_id", sa.String(length=64), nullable=False),
        sa.Column("requested_by_name", sa.String(length=200), nullable=False),
        sa.Column("requested_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("answered_by_id", sa.String(length=64), nullable=True),
        sa.Column("answered_by_name", sa.String(length=200), nullable=True),
        sa.Column("answered_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("comment", sa.Text(), nullable=True),
        sa.ForeignKeyConstraint(["case_id"], ["cases.id"], name=op.f("fk_outcome_sign_offs_case_id_cases")),
        sa.PrimaryKeyConstraint("case_id", "outcome_version", name=op.f("pk_outcome_sign_offs")),
    )


def downgrade() -> None:
    op.drop_table("outcome_sign_offs")
    op.drop_index("ix_actions_due", table_name="actions")
    op.drop_index("ix_actions_owner_id", table_name="actions")
    op.drop_index("ix_actions_case_id_id", table_name="actions")
    op.drop_table("actions")
    op.drop_index("ix_recommendations_case_id_id", table_name="recommendations")
    op.drop_table("recommendations")
    op.drop_index("ix_learning_points_case_id_id", table_name="learning_points")
    op.drop_table("learning_points")
    op.drop_table("case_outcomes")
