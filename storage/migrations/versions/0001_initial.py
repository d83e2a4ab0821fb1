"""The first tables: cases and triage, the audit log, the outbox, replay protection, conversations.

Revision ID: 0001
Revises:
"""

import sqlalchemy as sa
from alembic import op

revision = "0001"
down_revision = None
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "audit_log",
        sa.Column(
            "id",
            sa.BigInteger().with_variant(sa.Integer(), "sqlite"),
            autoincrement=True,
            nullable=False,
        ),
        sa.Column("at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("actor_id", sa.String(length=64), nullable=False),
        sa.Column("actor_name", sa.String(length=200), nullable=False),
        sa.Column("action", sa.String(length=60), nullable=False),
        sa.Column("category", sa.String(length=20), nullable=False),
        sa.Column("outcome", sa.String(length=10), nullable=False),
        sa.Column(
            "case_id",
            sa.BigInteger().with_variant(sa.Integer(), "sqlite"),
            nullable=True,
        ),
        sa.Column("justification", sa.Text(), nullable=True),
        sa.Column("recipients", sa.JSON(), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_audit_log")),
    )
    op.create_index("ix_audit_log_case_id_at", "audit_log", ["case_id", "at"], unique=False)
    op.create_table(
        "case_number_counters",
        sa.Column("year", sa.Integer(), autoincrement=False, nullable=False),
        sa.Column("last_number", sa.Integer(), nullable=False),
        sa.PrimaryKeyConstraint("year", name=op.f("pk_case_number_counters")),
    )
    op.create_table(
        "cases",
        sa.Column(
            "id",
            sa.BigInteger().with_variant(sa.Integer(), "sqlite"),
            autoincrement=True,
            nullable=False,
        ),
        sa.Column("case_number", sa.String(length=20), nullable=False),
        sa.Column("incident_reference", sa.String(length=40), nullable=False),
        sa.Column("operation_name", sa.String(length=80), nullable=True),
        sa.Column("incident_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("offence_type", sa.String(length=40), nullable=False),
        sa.Column("context", sa.String(length=20), nullable=False),
        sa.Column("harm", sa.String(length=20), nullable=False),
        sa.Column("policing_area", sa.String(length=120), nullable=False),
        sa.Column("dmm_date", sa.Date(), nullable=False),
        sa.Column("scope_reason", sa.Text(), nullable=False),
        sa.Column("sio_id", sa.String(length=64), nullable=False),
        sa.Column("sio_name", sa.String(length=200), nullable=False),
        sa.Column("nominator_id", sa.String(length=64), nullable=False),
        sa.Column("nominator_name", sa.String(length=200), nullable=False),
        sa.Column("nominated_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("status", sa.String(length=30), nullable=False),
        sa.Column("lead_reviewer_id", sa.String(length=64), nullable=True),
        sa.Column("lead_reviewer_name", sa.String(length=200), nullable=True),
        sa.Column(
            "merged_into_id",
            sa.BigInteger().with_variant(sa.Integer(), "sqlite"),
            nullable=True,
        ),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(["merged_into_id"], ["cases.id"], name=op.f("fk_cases_merged_into_id_cases")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_cases")),
        sa.UniqueConstraint("case_number", name=op.f("uq_cases_case_number")),
        sa.UniqueConstraint("incident_reference", name=op.f("uq_cases_incident_reference")),
    )
    op.create_index(op.f("ix_cases_nominator_id"), "cases", ["nominator_id"], unique=False)
    op.create_table(
        "conversation_references",
        sa.Column("service_url", sa.String(length=500), nullable=False),
        sa.Column("conversation_id", sa.String(length=500), nullable=False),
        sa.Column("tenant_id", sa.String(length=64), nullable=False),
        sa.Column("conversation_type", sa.String(length=20), nullable=False),
        sa.Column("user_id", sa.String(length=64), nullable=True),
        sa.Column("reference", sa.JSON(), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("service_url", "conversation_id", name=op.f("pk_conversation_references")),
    )
    op.create_index(
        "ix_conversation_references_tenant_id_updated_at",
        "conversation_references",
        ["tenant_id", "updated_at"],
        unique=False,
    )
    op.create_index(
        "ix_conversation_references_user_id",
        "conversation_references",
        ["user_id", "conversation_type"],
        unique=False,
    )
    op.create_table(
        "processed_activities",
        sa.Column("activity_key", sa.String(length=300), nullable=False),
        sa.Column(
            "case_id",
            sa.BigInteger().with_variant(sa.Integer(), "sqlite"),
            nullable=True,
        ),
        sa.Column("processed_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("activity_key", name=op.f("pk_processed_activities")),
    )
    op.create_table(
        "case_threads",
        sa.Column(
            "case_id",
            sa.BigInteger().with_variant(sa.Integer(), "sqlite"),
            nullable=False,
        ),
        sa.Column("purpose", sa.String(length=30), nullable=False),
        sa.Column("service_url", sa.String(length=500), nullable=False),
        sa.Column("conversation_id", sa.String(length=500), nullable=False),
        sa.Column("activity_id", sa.String(length=200), nullable=False),
        sa.ForeignKeyConstraint(["case_id"], ["cases.id"], name=op.f("fk_case_threads_case_id_cases")),
        sa.PrimaryKeyConstraint("case_id", "purpose", name=op.f("pk_case_threads")),
    )
    op.create_table(
        "outbox",
        sa.Column(
            "id",
            sa.BigInteger().with_variant(sa.Integer(), "sqlite"),
            autoincrement=True,
            nullable=False,
        ),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("kind", sa.String(length=40), nullable=False),
        sa.Column(
            "case_id",
            sa.BigInteger().with_variant(sa.Integer(), "sqlite"),
            nullable=False,
        ),
        sa.Column("audience", sa.String(length=30), nullable=False),
        sa.Column("person_id", sa.String(length=64), nullable=True),
        sa.Column("status", sa.String(length=10), nullable=False),
        sa.Column("attempts", sa.Integer(), nullable=False),
        sa.Column("next_attempt_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("claimed_by", sa.String(length=64), nullable=True),
        sa.Column("claimed_until", sa.DateTime(timezone=True), nullable=True),
        sa.Column("last_error", sa.String(length=500), nullable=True),
        sa.Column("sent_at", sa.DateTime(timezone=True), nullable=True),
        sa.ForeignKeyConstraint(["case_id"], ["cases.id"], name=op.f("fk_outbox_case_id_cases")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_outbox")),
    )
    op.create_index(
        "ix_outbox_status_next_attempt_at",
        "outbox",
        ["status", "next_attempt_at"],
        unique=False,
    )
    op.create_table(
        "triage_decisions",
        sa.Column(
            "id",
            sa.BigInteger().with_variant(sa.Integer(), "sqlite"),
            autoincrement=True,
            nullable=False,
        ),
        sa.Column(
            "case_id",
            sa.BigInteger().with_variant(sa.Integer(), "sqlite"),
            nullable=False,
        ),
        sa.Column("outcome", sa.String(length=30), nullable=False),
        sa.Column("decided_by_id", sa.String(length=64), nullable=False),
        sa.Column("decided_by_name", sa.String(length=200), nullable=False),
        sa.Column("decided_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("lead_reviewer_id", sa.String(length=64), nullable=True),
        sa.Column("lead_reviewer_name", sa.String(length=200), nullable=True),
        sa.Column("reason", sa.Text(), nullable=True),
        sa.Column("merged_into_case_number", sa.String(length=20), nullable=True),
        sa.ForeignKeyConstraint(["case_id"], ["cases.id"], name=op.f("fk_triage_decisions_case_id_cases")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_triage_decisions")),
    )
    op.create_index(
        op.f("ix_triage_decisions_case_id"),
        "triage_decisions",
        ["case_id"],
        unique=False,
    )


def downgrade() -> None:
    op.drop_index(op.f("ix_triage_decisions_case_id"), table_name="triage_decisions")
    op.drop_table("triage_decisions")
    op.drop_index("ix_outbox_status_next_attempt_at", table_name="outbox")
    op.drop_table("outbox")
    op.drop_table("case_threads")
    op.drop_table("processed_activities")
    op.drop_index("ix_conversation_references_user_id", table_name="conversation_references")
    op.drop_index(
        "ix_conversation_references_tenant_id_updated_at",
        table_name="conversation_references",
    )
    op.drop_table("conversation_references")
    op.drop_index(op.f("ix_cases_nominator_id"), table_name="cases")
    op.drop_table("cases")
    op.drop_table("case_number_counters")
    op.drop_index("ix_audit_log_case_id_at", table_name="audit_log")
    op.drop_table("audit_log")
