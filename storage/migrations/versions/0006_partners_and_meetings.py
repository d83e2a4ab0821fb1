"""Partners and the debrief meeting: partner summaries by revision, partner invitations, one meeting per case.

Revision ID: 0006
Revises: 0005
"""

import sqlalchemy as sa
from alembic import op

revision = "0006"
down_revision = "0005"
branch_labels = None
depends_on = None

ID = sa.BigInteger().with_variant(sa.Integer(), "sqlite")


def upgrade() -> None:
    op.create_table(
        "partner_summaries",
        sa.Column("case_id", ID, nullable=False),
        sa.Column("revision", sa.Integer(), autoincrement=False, nullable=False),
        sa.Column("text", sa.Text(), nullable=False),
        sa.Column("approved_by_id", sa.String(length=64), nullable=False),
        sa.Column("approved_by_name", sa.String(length=200), nullable=False),
        sa.Column("approved_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(["case_id"], ["cases.id"], name=op.f("fk_partner_summaries_case_id_cases")),
        sa.PrimaryKeyConstraint("case_id", "revision", name=op.f("pk_partner_summaries")),
    )
    op.create_table(
        "partner_invitations",
        sa.Column("id", ID, autoincrement=True, nullable=False),
        sa.Column("case_id", ID, nullable=False),
        sa.Column("agency", sa.String(length=120), nullable=False),
        sa.Column("contact_id", sa.String(length=64), nullable=False),
        sa.Column("contact_name", sa.String(length=200), nullable=False),
        sa.Column("invited_by_id", sa.String(length=64), nullable=False),
        sa.Column("invited_by_name", sa.String(length=200), nullable=False),
        sa.Column("invited_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("answer_by", sa.Date(), nullable=False),
        sa.Column("agreement", sa.String(length=200), nullable=False),
        sa.Column("status", sa.String(length=20), nullable=False),
        sa.Column("answered_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("decline_reason", sa.Text(), nullable=True),
        sa.Column("delegated_to_id", sa.String(length=64), nullable=True),
        sa.Column("delegated_to_name", sa.String(length=200), nullable=True),
        sa.Column("access_until", sa.DateTime(timezone=True), nullable=True),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.Column("delegated_from_id", ID, nullable=True),
        sa.ForeignKeyConstraint(["case_id"], ["cases.id"], name=op.f("fk_partner_invitations_case_id_cases")),
        sa.ForeignKeyConstraint(
            ["delegated_from_id"],
            ["partner_invitations.id"],
            name=op.f("fk_partner_invitations_delegated_from_id_partner_invitations"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_partner_invitations")),
    )
    op.create_index("ix_partner_invitations_case_id_id", "partner_invitations", ["case_id", "id"], unique=False)
    op.create_index("ix_partner_invitations_contact_id", "partner_invitations", ["contact_id"], unique=False)
    op.create_index("ix_partner_invitations_answer_by", "partner_invitations", ["answer_by"], unique=False)
    op.create_table(
        "meetings",
        sa.Column("case_id", ID, nullable=False),
        sa.Column("starts_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("duration_minutes", sa.Integer(), nullable=False),
        sa.Column("attendees", sa.JSON(), nullable=False),
        sa.Column("scheduled_by_id", sa.String(length=64), nullable=False),
        sa.Column("scheduled_by_name", sa.String(length=200), nullable=False),
        sa.Column("scheduled_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("location", sa.String(length=200), nullable=True),
        sa.Column("join_url", sa.Text(), nullable=True),
        sa.Column("online_meeting_id", sa.String(length=500), nullable=True),
        sa.Column("attended", sa.JSON(), nullable=True),
        sa.Column("attendance_recorded_by_id", sa.String(length=64), nullable=True),
        sa.Column("attendance_recorded_by_name", sa.String(length=200), nullable=True),
        sa.Column("attendance_recorded_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.Column("revision", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(["case_id"], ["cases.id"], name=op.f("fk_meetings_case_id_cases")),
        sa.PrimaryKeyConstraint("case_id", name=op.f("pk_meetings")),
    )


def downgrade() -> None:
    op.drop_table("meetings")
    op.drop_index("ix_partner_invitations_answer_by", table_name="partner_invitations")
    op.drop_index("ix_partner_invitations_contact_id", table_name="partner_invitations")
    op.drop_index("ix_partner_invitations_case_id_id", table_name="partner_invitations")
    op.drop_table("partner_invitations")
    op.drop_table("partner_summaries")
