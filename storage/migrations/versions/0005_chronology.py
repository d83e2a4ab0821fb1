"""The chronology: entries with every version kept, the lock, contribution reminders and document links.

Revision ID: 0005
Revises: 0004
"""

import sqlalchemy as sa
from alembic import op

revision = "0005"
down_revision = "0004"
branch_labels = None
depends_on = None

ID = sa.BigInteger().with_variant(sa.Integer(), "sqlite")


def upgrade() -> None:
    op.create_table(
        "chronology_entries",
        sa.Column("id", ID, autoincrement=True, nullable=False),
        sa.Column("case_id", ID, nullable=False),
        sa.Column("contributor_id", sa.String(length=64), nullable=False),
        sa.Column("contributor_name", sa.String(length=200), nullable=False),
        sa.Column("recorded_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("withdrawn_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.Column("event_date", sa.Date(), nullable=False),
        sa.Column("event_time", sa.Time(), nullable=True),
        sa.Column("precision", sa.String(length=20), nullable=False),
        sa.Column("source_agency", sa.String(length=120), nullable=False),
        sa.Column("source_system", sa.String(length=100), nullable=False),
        sa.Column("source_reference", sa.String(length=60), nullable=True),
        sa.Column("contact_type", sa.String(length=30), nullable=False),
        sa.Column("subjects", sa.JSON(), nullable=False),
        sa.Column("summary", sa.Text(), nullable=False),
        sa.Column("information_type", sa.String(length=20), nullable=False),
        sa.Column("risk_tool", sa.String(length=60), nullable=True),
        sa.Column("risk_grade", sa.String(length=20), nullable=True),
        sa.Column("risk_assessed_on", sa.Date(), nullable=True),
        sa.Column("action_and_outcome", sa.Text(), nullable=True),
        sa.Column("missed_opportunity", sa.Boolean(), nullable=False),
        sa.Column("missed_opportunity_rationale", sa.Text(), nullable=True),
        sa.Column("verified_by_id", sa.String(length=64), nullable=True),
        sa.Column("verified_by_name", sa.String(length=200), nullable=True),
        sa.Column("verified_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("reviewer_missed_opportunity", sa.Boolean(), nullable=True),
        sa.Column("good_practice", sa.Boolean(), nullable=False),
        sa.Column("themes", sa.JSON(), nullable=False),
        sa.ForeignKeyConstraint(["case_id"], ["cases.id"], name=op.f("fk_chronology_entries_case_id_cases")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_chronology_entries")),
    )
    op.create_index("ix_chronology_entries_case_id_id", "chronology_entries", ["case_id", "id"], unique=False)
    op.create_index(
        "ix_chronology_entries_case_id_contributor_id",
        "chronology_entries",
        ["case_id", "contributor_id"],
        unique=False,
    )
    op.create_table(
        "chronology_entry_versions",
        sa.Column("entry_id", ID, nullable=False),
        sa.Column("version", sa.Integer(), autoincrement=False, nullable=False),
        sa.Column("changed_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("changed_by_id", sa.String(length=64), nullable=False),
        sa.Column("changed_by_name", sa.String(length=200), nullable=False),
        sa.Column("snapshot", sa.JSON(), nullable=False),
        sa.ForeignKeyConstraint(
            ["entry_id"],
            ["chronology_entries.id"],
            name=op.f("fk_chronology_entry_versions_entry_id_chronology_entries"),
        ),
        sa.PrimaryKeyConstraint("entry_id", "version", name=op.f("pk_chronology_entry_versions")),
    )
    op.create_table(
        "chronology_locks",
        sa.Column("case_id", ID, nullable=False),
        sa.Column("locked_by_id", sa.String(length=64), nullable=False),
        sa.Column("locked_by_name", sa.String(length=200), nullable=False),
        sa.Column("locked_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(["case_id"], ["cases.id"], name=op.f("fk_chronology_locks_case_id_cases")),
        sa.PrimaryKeyConstraint("case_id", name=op.f("pk_chronology_locks")),
    )
    op.create_table(
        "contribution_reminders",
        sa.Column("case_id", ID, nullable=False),
        sa.Column("user_id", sa.String(length=64), nullable=False),
        sa.Column("reminder", sa.String(length=30), nullable=False),
        sa.Column("sent_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(["case_id"], ["cases.id"], name=op.f("fk_contribution_reminders_case_id_cases")),
        sa.PrimaryKeyConstraint("case_id", "user_id", "reminder", name=op.f("pk_contribution_reminders")),
    )
    op.create_table(
        "document_links",
        sa.Column("token_hash", sa.String(length=64), nullable=False),
        sa.Column("case_id", ID, nullable=False),
        sa.Column("kind", sa.String(length=30), nullable=False),
        sa.Column("requester_id", sa.String(length=64), nullable=False),
        sa.Column("requester_name", sa.String(length=200), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("expires_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("used_at", sa.DateTime(timezone=True), nullable=True),
        sa.ForeignKeyConstraint(["case_id"], ["cases.id"], name=op.f("fk_document_links_case_id_cases")),
        sa.PrimaryKeyConstraint("token_hash", name=op.f("pk_document_links")),
    )
    op.create_index("ix_case_contributors_user_id", "case_contributors", ["user_id"], unique=False)
    op.create_index("ix_case_contributors_deadline", "case_contributors", ["deadline"], unique=False)


def downgrade() -> None:
    op.drop_index("ix_case_contributors_deadline", table_name="case_contributors")
    op.drop_index("ix_case_contributors_user_id", table_name="case_contributors")
    op.drop_table("document_links")
    op.drop_table("contribution_reminders")
    op.drop_table("chronology_locks")
    op.drop_table("chronology_entry_versions")
    op.drop_index("ix_chronology_entries_case_id_contributor_id", table_name="chronology_entries")
    op.drop_index("ix_chronology_entries_case_id_id", table_name="chronology_entries")
    op.drop_table("chronology_entries")
