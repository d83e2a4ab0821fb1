"""The schema, as SQLAlchemy Core tables. Changes go through an alembic migration, never create_all."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from sqlalchemy import (
    JSON,
    BigInteger,
    Boolean,
    Column,
    Date,
    DateTime,
    ForeignKey,
    Index,
    Integer,
    MetaData,
    String,
    Table,
    Text,
    Time,
    TypeDecorator,
    UniqueConstraint,
)
from sqlalchemy.engine import Dialect


class UtcDateTime(TypeDecorator[datetime]):
    """Aware datetimes in, aware UTC datetimes out, on SQLite (which keeps no zone) and PostgreSQL alike."""

    impl = DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value: datetime | None, dialect: Dialect) -> datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            raise ValueError("naive datetime given to a UTC column")
        value = value.astimezone(UTC)
        return value.replace(tzinfo=None) if dialect.name == "sqlite" else value

    def process_result_value(self, value: Any, dialect: Dialect) -> datetime | None:
        if value is None:
            return None
        moment: datetime = value
        return moment.replace(tzinfo=UTC) if moment.tzinfo is None else moment.astimezone(UTC)


metadata = MetaData(
    naming_convention={
        "ix": "ix_%(column_0_label)s",
        "uq": "uq_%(table_name)s_%(column_0_name)s",
        "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
        "pk": "pk_%(table_name)s",
    }
)

# SQLite only auto-increments INTEGER PRIMARY KEY; PostgreSQL gets a BIGINT identity.
Id = BigInteger().with_variant(Integer(), "sqlite")

cases = Table(
    "cases",
    metadata,
    Column("id", Id, primary_key=True, autoincrement=True),
    Column("case_number", String(20), nullable=False, unique=True),
    Column("incident_reference", String(40), nullable=False, unique=True),
    Column("operation_name", String(80)),
    Column("incident_at", UtcDateTime(), nullable=False),
    Column("offence_type", String(40), nullable=False),
    Column("context", String(20), nullable=False),
    Column("harm", String(20), nullable=False),
    Column("policing_area", String(120), nullable=False),
    Column("dmm_date", Date, nullable=False),
    Column("scope_reason", Text, nullable=False),
    Column("sio_id", String(64), nullable=False),
    Column("sio_name", String(200), nullable=False),
    Column("nominator_id", String(64), nullable=False, index=True),
    Column("nominator_name", String(200), nullable=False),
    Column("nominated_at", UtcDateTime(), nullable=False),
    Column("status", String(30), nullable=False),
    Column("lead_reviewer_id", String(64)),
    Column("lead_reviewer_name", String(200)),
    Column("merged_into_id", Id, ForeignKey("cases.id")),
    Column("version", Integer, nullable=False, default=1),
    # Retention (MoPI review): when the case closed, when its review falls due, when its content was erased, and any
    # legal hold that blocks erasure.
    Column("closed_at", UtcDateTime()),
    Column("review_due", Date),
    Column("erased_at", UtcDateTime()),
    Column("legal_hold_kind", String(30)),
    Column("legal_hold_details", Text),
    Column("legal_hold_by_id", String(64)),
    Column("legal_hold_by_name", String(200)),
    Column("legal_hold_at", UtcDateTime()),
)

triage_decisions = Table(
    "triage_decisions",
    metadata,
    Column("id", Id, primary_key=True, autoincrement=True),
    Column("case_id", Id, ForeignKey("cases.id"), nullable=False, index=True),
    Column("outcome", String(30), nullable=False),
    Column("decided_by_id", String(64), nullable=False),
    Column("decided_by_name", String(200), nullable=False),
    Column("decided_at", UtcDateTime(), nullable=False),
    Column("lead_reviewer_id", String(64)),
    Column("lead_reviewer_name", String(200)),
    Column("reason", Text),
    Column("merged_into_case_number", String(20)),
)

case_number_counters = Table(
    "case_number_counters",
    metadata,
    Column("year", Integer, primary_key=True, autoincrement=False),
    Column("last_number", Integer, nullable=False),
)

case_threads = Table(
    "case_threads",
    metadata,
    Column("case_id", Id, ForeignKey("cases.id"), primary_key=True),
    Column("purpose", String(30), primary_key=True),
    Column("service_url", String(500), nullable=False),
    Column("conversation_id", String(500), nullable=False),
    Column("activity_id", String(200), nullable=False),
)

case_parameters = Table(
    "case_parameters",
    metadata,
    Column("case_id", Id, ForeignKey("cases.id"), primary_key=True),
    Column("revision", Integer, primary_key=True, autoincrement=False),
    Column("set_by_id", String(64), nullable=False),
    Column("set_by_name", String(200), nullable=False),
    Column("set_at", UtcDateTime(), nullable=False),
    Column("look_back_from", Date, nullable=False),
    Column("look_back_to", Date, nullable=False),
    Column("subjects", JSON, nullable=False),
    Column("agencies", JSON, nullable=False),
    Column("questions", JSON, nullable=False),
    Column("parallel_processes", JSON, nullable=False),
    Column("changed", JSON, nullable=False),
)

case_consents = Table(
    "case_consents",
    metadata,
    Column("id", Id, primary_key=True, autoincrement=True),
    Column("case_id", Id, ForeignKey("cases.id"), nullable=False, index=True),
    Column("answer", String(30), nullable=False),
    Column("by_id", String(64), nullable=False),
    Column("by_name", String(200), nullable=False),
    Column("at", UtcDateTime(), nullable=False),
    Column("text", Text),
)

case_contributors = Table(
    "case_contributors",
    metadata,
    Column("case_id", Id, ForeignKey("cases.id"), primary_key=True),
    Column("user_id", String(64), primary_key=True),
    Column("name", String(200), nullable=False),
    Column("invited_by_id", String(64), nullable=False),
    Column("invited_by_name", String(200), nullable=False),
    Column("invited_at", UtcDateTime(), nullable=False),
    Column("deadline", Date, nullable=False),
    # "Which cases was this officer invited to?" and "whose contributions are still due?" (the reminders).
    Index("ix_case_contributors_user_id", "user_id"),
    Index("ix_case_contributors_deadline", "deadline"),
)

chronology_entries = Table(
    "chronology_entries",
    metadata,
    Column("id", Id, primary_key=True, autoincrement=True),
    Column("case_id", Id, ForeignKey("cases.id"), nullable=False),
    Column("contributor_id", String(64), nullable=False),
    Column("contributor_name", String(200), nullable=False),
    Column("recorded_at", UtcDateTime(), nullable=False),
    Column("updated_at", UtcDateTime()),
    Column("withdrawn_at", UtcDateTime()),
    Column("version", Integer, nullable=False),
    # The contributor's account (debrief.chronology.EntryContent), one column per field.
    Column("event_date", Date, nullable=False),
    Column("event_time", Time),
    Column("precision", String(20), nullable=False),
    Column("source_agency", String(120), nullable=False),
    Column("source_system", String(100), nullable=False),
    Column("source_reference", String(60)),
    Column("contact_type", String(30), nullable=False),
    Column("subjects", JSON, nullable=False),
    Column("summary", Text, nullable=False),
    Column("information_type", String(20), nullable=False),
    Column("risk_tool", String(60)),
    Column("risk_grade", String(20)),
    Column("risk_assessed_on", Date),
    Column("action_and_outcome", Text),
    Column("missed_opportunity", Boolean, nullable=False),
    Column("missed_opportunity_rationale", Text),
    # The lead reviewer's view (debrief.chronology.Review).
    Column("verified_by_id", String(64)),
    Column("verified_by_name", String(200)),
    Column("verified_at", UtcDateTime()),
    Column("reviewer_missed_opportunity", Boolean),
    Column("good_practice", Boolean, nullable=False),
    Column("themes", JSON, nullable=False),
    # The case's entries in the order they were added (the merged chronology reads them all), and one
    # contributor's entries in the case.
    Index("ix_chronology_entries_case_id_id", "case_id", "id"),
    Index("ix_chronology_entries_case_id_contributor_id", "case_id", "contributor_id"),
)

chronology_entry_versions = Table(
    "chronology_entry_versions",
    metadata,
    # Every version of every entry, never changed: contributions are disclosable. Two writers of the same
    # version collide on the primary key.
    Column("entry_id", Id, ForeignKey("chronology_entries.id"), primary_key=True),
    Column("version", Integer, primary_key=True, autoincrement=False),
    Column("changed_at", UtcDateTime(), nullable=False),
    Column("changed_by_id", String(64), nullable=False),
    Column("changed_by_name", String(200), nullable=False),
    Column("snapshot", JSON, nullable=False),
)

chronology_locks = Table(
    "chronology_locks",
    metadata,
    Column("case_id", Id, ForeignKey("cases.id"), primary_key=True),
    Column("locked_by_id", String(64), nullable=False),
    Column("locked_by_name", String(200), nullable=False),
    Column("locked_at", UtcDateTime(), nullable=False),
)

contribution_reminders = Table(
    "contribution_reminders",
    metadata,
    # One row per reminder sent: the primary key makes each reminder happen once.
    Column("case_id", Id, ForeignKey("cases.id"), primary_key=True),
    Column("user_id", String(64), primary_key=True),
    Column("reminder", String(30), primary_key=True),
    Column("sent_at", UtcDateTime(), nullable=False),
)

partner_summaries = Table(
    "partner_summaries",
    metadata,
    # Every approved revision of the only case text partners see, never changed; two approvals of the same
    # revision collide on the primary key.
    Column("case_id", Id, ForeignKey("cases.id"), primary_key=True),
    Column("revision", Integer, primary_key=True, autoincrement=False),
    Column("text", Text, nullable=False),
    Column("approved_by_id", String(64), nullable=False),
    Column("approved_by_name", String(200), nullable=False),
    Column("approved_at", UtcDateTime(), nullable=False),
)

partner_invitations = Table(
    "partner_invitations",
    metadata,
    Column("id", Id, primary_key=True, autoincrement=True),
    Column("case_id", Id, ForeignKey("cases.id"), nullable=False),
    Column("agency", String(120), nullable=False),
    Column("contact_id", String(64), nullable=False),
    Column("contact_name", String(200), nullable=False),
    Column("invited_by_id", String(64), nullable=False),
    Column("invited_by_name", String(200), nullable=False),
    Column("invited_at", UtcDateTime(), nullable=False),
    Column("answer_by", Date, nullable=False),
    Column("agreement", String(200), nullable=False),
    Column("status", String(20), nullable=False),
    Column("answered_at", UtcDateTime()),
    Column("decline_reason", Text),
    Column("delegated_to_id", String(64)),
    Column("delegated_to_name", String(200)),
    Column("access_until", UtcDateTime()),
    Column("version", Integer, nullable=False),
    # The invitation this one was delegated from (its predecessor's contact passed it on).
    Column("delegated_from_id", Id, ForeignKey("partner_invitations.id")),
    # A case's invitations in the order they were made, one person's invitations on any case, and those still
    # awaiting an answer (the reminders).
    Index("ix_partner_invitations_case_id_id", "case_id", "id"),
    Index("ix_partner_invitations_contact_id", "contact_id"),
    Index("ix_partner_invitations_answer_by", "answer_by"),
)

meetings = Table(
    "meetings",
    metadata,
    # One debrief meeting per case: the primary key makes a second one a concurrent change.
    Column("case_id", Id, ForeignKey("cases.id"), primary_key=True),
    Column("starts_at", UtcDateTime(), nullable=False),
    Column("duration_minutes", Integer, nullable=False),
    # [{"id": ..., "name": ...}] in the order chosen.
    Column("attendees", JSON, nullable=False),
    Column("scheduled_by_id", String(64), nullable=False),
    Column("scheduled_by_name", String(200), nullable=False),
    Column("scheduled_at", UtcDateTime(), nullable=False),
    Column("location", String(200)),
    Column("join_url", Text),
    Column("online_meeting_id", String(500)),
    # Like attendees; SQL NULL (not JSON null) until attendance is recorded.
    Column("attended", JSON(none_as_null=True)),
    Column("attendance_recorded_by_id", String(64)),
    Column("attendance_recorded_by_name", String(200)),
    Column("attendance_recorded_at", UtcDateTime()),
    Column("version", Integer, nullable=False),
    Column("revision", Integer, nullable=False),
)

case_outcomes = Table(
    "case_outcomes",
    metadata,
    # The debrief's output as one thing the SIO signs off: its version goes up with every change to any of its
    # items (an UPDATE ... WHERE version = the one read, or the first INSERT, so two changes cannot both win).
    Column("case_id", Id, ForeignKey("cases.id"), primary_key=True),
    Column("version", Integer, nullable=False),
    Column("circulated_at", UtcDateTime()),
)

learning_points = Table(
    "learning_points",
    metadata,
    Column("id", Id, primary_key=True, autoincrement=True),
    Column("case_id", Id, ForeignKey("cases.id"), nullable=False),
    Column("theme", String(100), nullable=False),
    Column("kind", String(20), nullable=False),
    Column("text", Text, nullable=False),
    Column("recorded_by_id", String(64), nullable=False),
    Column("recorded_by_name", String(200), nullable=False),
    Column("recorded_at", UtcDateTime(), nullable=False),
    Column("version", Integer, nullable=False),
    # A removed item is kept (the SIO may have signed off a version that had it), never shown again.
    Column("removed_at", UtcDateTime()),
    Column("removed_by_id", String(64)),
    Column("removed_by_name", String(200)),
    Index("ix_learning_points_case_id_id", "case_id", "id"),
    # The oversight figures count agreed learning by theme and quarter (a covering index).
    Index("ix_learning_points_case_id_removed_at", "case_id", "removed_at", "recorded_at", "theme"),
)

recommendations = Table(
    "recommendations",
    metadata,
    Column("id", Id, primary_key=True, autoincrement=True),
    Column("case_id", Id, ForeignKey("cases.id"), nullable=False),
    Column("text", Text, nullable=False),
    Column("route", String(20), nullable=False),
    Column("recorded_by_id", String(64), nullable=False),
    Column("recorded_by_name", String(200), nullable=False),
    Column("recorded_at", UtcDateTime(), nullable=False),
    Column("version", Integer, nullable=False),
    Column("removed_at", UtcDateTime()),
    Column("removed_by_id", String(64)),
    Column("removed_by_name", String(200)),
    Index("ix_recommendations_case_id_id", "case_id", "id"),
)

actions = Table(
    "actions",
    metadata,
    Column("id", Id, primary_key=True, autoincrement=True),
    Column("case_id", Id, ForeignKey("cases.id"), nullable=False),
    # Without personal data: the owner sees the action without the case.
    Column("description", Text, nullable=False),
    Column("owner_id", String(64), nullable=False),
    Column("owner_name", String(200), nullable=False),
    Column("due", Date, nullable=False),
    Column("priority", String(10), nullable=False),
    Column("theme", String(100), nullable=False),
    Column("route", String(20), nullable=False),
    Column("status", String(20), nullable=False),
    Column("created_by_id", String(64), nullable=False),
    Column("created_by_name", String(200), nullable=False),
    Column("created_at", UtcDateTime(), nullable=False),
    Column("version", Integer, nullable=False),
    Column("removed_at", UtcDateTime()),
    Column("removed_by_id", String(64)),
    Column("removed_by_name", String(200)),
    # After circulation: why it is blocked or not done, or the evidence it is complete; who changed it, when.
    Column("status_note", Text),
    Column("status_changed_by_id", String(64)),
    Column("status_changed_by_name", String(200)),
    Column("status_changed_at", UtcDateTime()),
    # A case's actions in the order they were added, one owner's actions on any case, and those falling due.
    Index("ix_actions_case_id_id", "case_id", "id"),
    Index("ix_actions_owner_id", "owner_id"),
    Index("ix_actions_due", "due"),
    # The oversight figures count actions by status and owner, and by status and theme: covering indexes, so the
    # counts read neither the table nor sort (measured: half the time on 20,000 actions).
    Index("ix_actions_status_owner_id", "status", "owner_id", "case_id", "removed_at", "created_at", "due"),
    Index("ix_actions_status_theme", "status", "theme", "case_id", "removed_at", "created_at", "due"),
)

action_requests = Table(
    "action_requests",
    metadata,
    # Not doing an action, or a new due date: the working group decides. `pending_for` holds the action's id while
    # the request waits (unique: one waiting request per action), and is cleared when it is decided.
    Column("id", Id, primary_key=True, autoincrement=True),
    Column("action_id", Id, ForeignKey("actions.id"), nullable=False),
    Column("kind", String(20), nullable=False),
    Column("reason", Text, nullable=False),
    Column("requested_by_id", String(64), nullable=False),
    Column("requested_by_name", String(200), nullable=False),
    Column("requested_at", UtcDateTime(), nullable=False),
    Column("new_due", Date),
    Column("state", String(20), nullable=False),
    Column("decided_by_id", String(64)),
    Column("decided_by_name", String(200)),
    Column("decided_at", UtcDateTime()),
    Column("pending_for", Id, unique=True),
    Index("ix_action_requests_action_id_id", "action_id", "id"),
)

outcome_sign_offs = Table(
    "outcome_sign_offs",
    metadata,
    # One request for the SIO's sign-off per version of the outcome (the primary key), answered once: the answer is
    # an UPDATE ... WHERE state = 'requested'.
    Column("case_id", Id, ForeignKey("cases.id"), primary_key=True),
    Column("outcome_version", Integer, primary_key=True, autoincrement=False),
    Column("state", String(20), nullable=False),
    Column("requested_by_id", String(64), nullable=False),
    Column("requested_by_name", String(200), nullable=False),
    Column("requested_at", UtcDateTime(), nullable=False),
    Column("answered_by_id", String(64)),
    Column("answered_by_name", String(200)),
    Column("answered_at", UtcDateTime()),
    Column("comment", Text),
)

document_links = Table(
    "document_links",
    metadata,
    # The sha256 (hex) of a random token; the token itself is never stored.
    Column("token_hash", String(64), primary_key=True),
    Column("case_id", Id, ForeignKey("cases.id"), nullable=False),
    Column("kind", String(30), nullable=False),
    Column("requester_id", String(64), nullable=False),
    Column("requester_name", String(200), nullable=False),
    Column("created_at", UtcDateTime(), nullable=False),
    Column("expires_at", UtcDateTime(), nullable=False),
    Column("used_at", UtcDateTime()),
)

retention_decisions = Table(
    "retention_decisions",
    metadata,
    # Every retention decision on a case, with its rationale (MoPI; DPA 2018 s62). Kept after erasure: it holds no
    # case content, and an erasure says what it removed only by kind and count.
    Column("id", Id, primary_key=True, autoincrement=True),
    Column("case_id", Id, ForeignKey("cases.id"), nullable=False),
    Column("kind", String(20), nullable=False),
    Column("rationale", Text, nullable=False),
    Column("review_due_before", Date),
    Column("review_due_after", Date),
    Column("hold_kind", String(30)),
    # {kind: count} of what an erasure removed.
    Column("erased", JSON(none_as_null=True)),
    Column("decided_by_id", String(64), nullable=False),
    Column("decided_by_name", String(200), nullable=False),
    Column("decided_at", UtcDateTime(), nullable=False),
    Index("ix_retention_decisions_case_id_id", "case_id", "id"),
)

retention_notices = Table(
    "retention_notices",
    metadata,
    # One row per review date whose card went to the information managers: the primary key makes it happen once.
    Column("case_id", Id, ForeignKey("cases.id"), primary_key=True),
    Column("review_due", Date, primary_key=True),
    Column("sent_at", UtcDateTime(), nullable=False),
)


audit_log = Table(
    "audit_log",
    metadata,
    Column("id", Id, primary_key=True, autoincrement=True),
    Column("at", UtcDateTime(), nullable=False),
    Column("actor_id", String(64), nullable=False),
    Column("actor_name", String(200), nullable=False),
    Column("action", String(60), nullable=False),
    Column("category", String(20), nullable=False),
    Column("outcome", String(10), nullable=False),
    # No foreign key: the audit trail outlives the case content it describes (erasure keeps the log).
    Column("case_id", BigInteger().with_variant(Integer(), "sqlite")),
    Column("justification", Text),
    Column("recipients", JSON, nullable=False),
    # sha256 (hex) of the previous record's chain_hash and this record (debrief.audit.chain_hash): tamper-evident.
    Column("chain_hash", String(64), nullable=False),
    Index("ix_audit_log_case_id_at", "case_id", "at"),
    Index("ix_audit_log_at", "at"),
    Index("ix_audit_log_actor_id_at", "actor_id", "at"),
    Index("ix_audit_log_category_at", "category", "at"),
)

outbox = Table(
    "outbox",
    metadata,
    Column("id", Id, primary_key=True, autoincrement=True),
    Column("created_at", UtcDateTime(), nullable=False),
    Column("kind", String(40), nullable=False),
    # NULL for a message about no one case (a digest: `subject_id` is its row in `digests`).
    Column("case_id", Id, ForeignKey("cases.id")),
    Column("audience", String(30), nullable=False),
    Column("person_id", String(64)),
    Column("subject_id", Id),
    Column("status", String(10), nullable=False),
    Column("attempts", Integer, nullable=False, default=0),
    Column("next_attempt_at", UtcDateTime(), nullable=False),
    Column("claimed_by", String(64)),
    Column("claimed_until", UtcDateTime()),
    Column("last_error", String(500)),
    Column("sent_at", UtcDateTime()),
    Index("ix_outbox_status_next_attempt_at", "status", "next_attempt_at"),
)

digests = Table(
    "digests",
    metadata,
    # One weekly digest per week and one board summary per quarter: the unique key makes each happen once.
    Column("id", Id, primary_key=True, autoincrement=True),
    Column("kind", String(20), nullable=False),
    Column("period", String(20), nullable=False),
    Column("created_at", UtcDateTime(), nullable=False),
    # False when there was nothing to report: recorded so the period is not looked at again, but no message sent.
    Column("reported", Boolean, nullable=False),
    UniqueConstraint("kind", "period", name="uq_digests_kind_period"),
)

processed_activities = Table(
    "processed_activities",
    metadata,
    Column("activity_key", String(300), primary_key=True),
    Column("case_id", Id),
    Column("processed_at", UtcDateTime(), nullable=False),
)

conversation_references = Table(
    "conversation_references",
    metadata,
    Column("service_url", String(500), primary_key=True),
    Column("conversation_id", String(500), primary_key=True),
    Column("tenant_id", String(64), nullable=False),
    Column("conversation_type", String(20), nullable=False),
    Column("user_id", String(64)),
    Column("reference", JSON, nullable=False),
    Column("updated_at", UtcDateTime(), nullable=False),
    Index("ix_conversation_references_user_id", "user_id", "conversation_type"),
    Index("ix_conversation_references_tenant_id_updated_at", "tenant_id", "updated_at"),
)
