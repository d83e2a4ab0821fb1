"""The disclosure bundle from storage, on SQLite and PostgreSQL: a whole debrief run through the services, the bundle
produced and opened, and its schedule compared with the case's rows read straight from the database."""

from __future__ import annotations

from collections import Counter
from datetime import timedelta

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncEngine

from debrief import disclosure
from documents.disclosure import AUDIT_EXTRACT, INDEX_CSV, INDEX_DOCX, render_disclosure_bundle
from storage import tables as t
from storage.document_links import create_link, redeem_link
from storage.uow import SqlUnitOfWork
from tests.support.people import actor
from tests.unit.debrief.test_disclosure import (
    ALEX,
    PRODUCED,
    a_whole_debrief,
    deliveries,
    whole_debrief_on_the_fake,
)
from tests.unit.documents.test_disclosure_archive import Opened, assert_schedule_matches_archive, open_bundle

LIFETIME = timedelta(minutes=10)


async def produced(engine: AsyncEngine) -> tuple[int, Opened]:
    """The whole debrief in the database, its two document deliveries, and Alex's bundle of it, opened."""
    made = await a_whole_debrief(lambda: SqlUnitOfWork(engine))
    fetched, unused = deliveries()
    token = await create_link(
        engine,
        case_id=made.case_id,
        kind=fetched.kind,
        requester=fetched.requester,
        now=fetched.created_at,
        lifetime=LIFETIME,
    )
    assert fetched.used_at is not None
    assert await redeem_link(engine, token=token, now=fetched.used_at) is not None
    await create_link(
        engine,
        case_id=made.case_id,
        kind=unused.kind,
        requester=unused.requester,
        now=unused.created_at,
        lifetime=LIFETIME,
    )
    found = await disclosure.bundle(uow=SqlUnitOfWork(engine), actor=actor(ALEX), now=PRODUCED, case_id=made.case_id)
    return made.case_id, open_bundle(render_disclosure_bundle(found))


async def test_the_schedule_matches_the_case_rows_in_the_database(engine: AsyncEngine) -> None:
    case_id, opened = await produced(engine)
    assert_schedule_matches_archive(opened)
    tables, items = opened.tables, opened.items()

    def listed(file: str, column: str) -> list[str]:
        """A column of a records file, each row checked to be the item the schedule says it is."""
        for row in tables[file].rows:
            assert items[int(row["Item"])]["File in the archive"].startswith(f"{file}, row ")
        return [row[column] for row in tables[file].rows]

    async with engine.connect() as connection:

        async def rows(statement: object) -> list[tuple[object, ...]]:
            return [tuple(row) for row in await connection.execute(statement)]  # type: ignore[call-overload]

        v, e = t.chronology_entry_versions.c, t.chronology_entries.c
        versions = await rows(
            select(v.entry_id, v.version, v.changed_by_name)
            .join(t.chronology_entries, e.id == v.entry_id)
            .where(e.case_id == case_id)
            .order_by(v.entry_id, v.version)
        )
        entries = tables["records/chronology-entries.csv"].rows
        assert [(int(r["Entry"]), int(r["Version"]), r["Changed by"]) for r in entries] == versions
        withdrawn = await rows(select(e.id).where(e.case_id == case_id, e.withdrawn_at.is_not(None)))
        assert {int(r["Entry"]) for r in entries if r["Entry now"].startswith("Withdrawn")} == {w[0] for w in withdrawn}
        contributors = await rows(
            select(e.contributor_name).where(e.case_id == case_id).distinct().order_by(e.contributor_name)
        )
        assert sorted({r["Contributor"] for r in entries}) == [c[0] for c in contributors]

        c = t.case_contributors.c
        invited = await rows(select(c.name).where(c.case_id == case_id).order_by(c.invited_at, c.name))
        assert listed("records/contributors.csv", "Contributor") == [i[0] for i in invited]

        p = t.partner_invitations.c
        invitations = await rows(select(p.id, p.status, p.contact_name).where(p.case_id == case_id).order_by(p.id))
        assert [int(i) for i in listed("records/partner-invitations.csv", "Invitation")] == [i[0] for i in invitations]
        responses = tables["records/partner-invitations.csv"].rows
        assert [(r["Contact"], r["Response"].lower()) for r in responses] == [(i[2], i[1]) for i in invitations]

        m = t.meetings.c
        [(attendees, attended)] = await rows(select(m.attendees, m.attended).where(m.case_id == case_id))
        assert isinstance(attendees, list) and isinstance(attended, list)
        assert listed("records/attendance.csv", "Person") == [a["name"] for a in attendees]
        went = {a["name"] for a in attended}
        assert [r["Attended"] for r in tables["records/attendance.csv"].rows] == [
            "yes" if a["name"] in went else "no" for a in attendees
        ]

        a = t.actions.c
        actions = await rows(select(a.id, a.status, a.owner_name).where(a.case_id == case_id).order_by(a.id))
        assert [int(i) for i in listed("records/actions.csv", "Action")] == [x[0] for x in actions]
        assert [r["Status"] for r in tables["records/actions.csv"].rows] == ["In progress"]
        assert [x[1] for x in actions] == ["in_progress"]
        q = t.action_requests.c
        requests = await rows(select(q.id).join(t.actions, a.id == q.action_id).where(a.case_id == case_id))
        assert [int(i) for i in listed("records/action-requests.csv", "Request")] == [x[0] for x in requests]

        for file, table, key in (
            ("records/triage-decisions.csv", t.triage_decisions, "Decision"),
            ("records/parameters.csv", t.case_parameters, "Revision"),
            ("records/sio-consent.csv", t.case_consents, "Answer"),
            ("records/partner-summaries.csv", t.partner_summaries, "Revision"),
            ("records/learning-points.csv", t.learning_points, "Learning point"),
            ("records/recommendations.csv", t.recommendations, "Recommendation"),
            ("records/sign-offs.csv", t.outcome_sign_offs, "Outcome version"),
            ("records/chronology-lock.csv", t.chronology_locks, "Locked by"),
        ):
            stored = await rows(select(table).where(table.c.case_id == case_id))
            assert len(listed(file, key)) == len(stored) > 0, file

        d = t.document_links.c
        links = await rows(
            select(d.kind, d.requester_name, d.used_at.is_not(None)).where(d.case_id == case_id).order_by(d.created_at)
        )
        delivered = tables["records/document-deliveries.csv"].rows
        labels = {"chronology": "Word chronology", "agenda_pack": "Agenda pack"}
        assert [(r["Document"], r["For"], r["Fetched at"] != "") for r in delivered] == [
            (labels[str(kind)], name, used) for kind, name, used in links
        ]

        log = t.audit_log.c
        audit = await rows(
            select(log.actor_id, log.action, log.category, log.outcome).where(log.case_id == case_id).order_by(log.id)
        )
    extract = tables[AUDIT_EXTRACT].rows
    assert [(r["Actor id"], r["Action"], r["Category"], r["Outcome"]) for r in extract] == audit[:-1]
    assert audit[-1] == (ALEX.user_id, "case.disclosure_bundle.produce", "disclosure", "granted")
    assert [int(r["Record"]) for r in extract] == list(range(1, len(extract) + 1))

    counts = Counter(item["Item type"] for item in items.values())
    assert counts["Chronology entry"] == len(versions) and counts["Partner invitation"] == len(invitations)
    assert counts["Meeting attendance"] == len(attendees) and counts["Action"] == len(actions)
    assert counts["Document delivery"] == len(links) == 2


async def test_the_database_and_the_fake_give_the_same_records(engine: AsyncEngine) -> None:
    """The same debrief, run through the same services at the same times, read back from storage: every records
    file, the audit extract and the schedule itself come out as they do from the fake unit of work."""
    _, from_storage = await produced(engine)
    uow, made = await whole_debrief_on_the_fake()
    found = await disclosure.bundle(uow=uow, actor=actor(ALEX), now=PRODUCED, case_id=made.case_id)
    from_fake = open_bundle(render_disclosure_bundle(found))
    assert from_storage.names == from_fake.names
    for name in from_storage.names:
        if name.endswith(".csv"):
            assert from_storage.files[name] == from_fake.files[name], name


async def test_an_erased_case_gives_its_audit_trail_and_nothing_of_its_content(engine: AsyncEngine) -> None:
    made = await a_whole_debrief(lambda: SqlUnitOfWork(engine))
    async with SqlUnitOfWork(engine) as uow:
        case = await uow.cases.get(made.case_id)
        assert case is not None
        await uow.retention.erase(case, at=PRODUCED - timedelta(days=1))
        await uow.commit()
    found = await disclosure.bundle(uow=SqlUnitOfWork(engine), actor=actor(ALEX), now=PRODUCED, case_id=made.case_id)
    opened = open_bundle(render_disclosure_bundle(found))
    assert opened.names == [INDEX_CSV, INDEX_DOCX, AUDIT_EXTRACT]
    assert_schedule_matches_archive(opened)
    assert "was erased on" in opened.index.title
    log = t.audit_log.c
    async with engine.connect() as connection:
        audit = (
            await connection.execute(
                select(log.actor_id, log.action).where(log.case_id == made.case_id).order_by(log.id)
            )
        ).all()
    extract = opened.tables[AUDIT_EXTRACT].rows
    assert [(r["Actor id"], r["Action"]) for r in extract] == [tuple(row) for row in audit[:-1]]
    assert tuple(audit[-1]) == (ALEX.user_id, "case.disclosure_bundle.produce")
