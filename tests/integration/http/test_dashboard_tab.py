"""The oversight dashboard tab through the real HTTP edge, signed in with real tokens from a local Entra ID.

A fictional year of debriefs is seeded through the process's own services. Every role asks for every view and every
export: only those its role allows succeed (deny by default), each refusal is audited, and the board's answers hold
no case number and no action text. Tokens that are missing, forged, for another app, from another tenant or issuer,
expired or without the tab's scope get 401 and are never attributed to anyone.
"""

from __future__ import annotations

import csv
import io
import json
import logging
from collections.abc import AsyncIterator, Callable, Iterator
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from html import escape
from pathlib import Path

import aiohttp
import openpyxl
import pytest
from sqlalchemy import select

from bot.sso import SigningKeys, SignInUnavailable
from bot.tab.views import ACTIONS_SHOWN, actions_view
from debrief import consent, contributors, meetings, nominations, outcomes, parameters, triage
from debrief.actions import StatusChange, update_status
from debrief.clocks import add_working_days
from debrief.model import LONDON, NominationRules, Person, TriageOutcome
from debrief.oversight import ActionLine
from debrief.permissions import Role
from debrief.ports import UnitOfWork
from storage import tables as t
from tests.support.bot_server import RunningBot, development_env, running_bot
from tests.support.entra import BadToken, LocalEntra, start_local_entra, tab_env
from tests.support.forms import action_form, nomination_form, parameters_form
from tests.support.people import DIRECTORY, DIRECTORY_FILE, JORDAN, MORGAN, OWEN, PRIYA, RUTH, TOM, actor
from tests.support.playground import free_port

NOW = datetime(2026, 11, 26, 10, 0, tzinfo=UTC)
"""The dashboard's "now": Thursday 26 November 2026, 10:00 UK time."""

DANA = Person("00000000-0000-4000-8000-0000000000d1", "Supt Dana Reeve")  # working group
ALEX = Person("00000000-0000-4000-8000-0000000000d2", "Alex Rowan (information manager)")
SAM = Person("00000000-0000-4000-8000-0000000000d3", "ACC Sam Whitlock")  # board
JO = Person("00000000-0000-4000-8000-0000000000d4", "Jo Pearce (disclosure officer)")
CHRIS = Person("00000000-0000-4000-8000-0000000000e1", "Chris Dale (service administrator)")
"""Not in the development directory (it has no administrator): added to this test's own copy."""

ROLES: dict[str, Person] = {
    "officer": JORDAN,
    "partner": MORGAN,
    "sio": RUTH,
    "administrator": CHRIS,
    "board": SAM,
    "working_group": DANA,
    "review_team": PRIYA,
    "information_manager": ALEX,
    "disclosure_officer": JO,
}

# What each role may open (deny by default: anything not listed here must be refused).
VIEWS = {
    "me": {"board", "working_group", "review_team", "information_manager"},
    "figures": {"board", "working_group", "review_team"},
    "actions": {"working_group", "review_team"},
    "audit": {"information_manager"},
}
EXPORTS = {
    "cases": {"working_group", "review_team"},
    "actions": {"working_group", "review_team"},
    "themes": {"board", "working_group", "review_team"},
    "timeliness": {"board", "working_group", "review_team"},
    "audit": {"information_manager"},
}
PATHS = {
    "me": "/tab/api/me",
    "figures": "/tab/api/figures",
    "actions": "/tab/api/actions",
    "audit": "/tab/api/audit",
}
"""The audit search is a POST (its filters travel in the body); the others are GETs."""


def export_path(kind: str, export_format: str) -> str:
    return f"/tab/api/exports/{kind}?format={export_format}"


# --- A fictional year of debriefs ---------------------------------------------------------------------------------


@dataclass(frozen=True)
class PlannedAction:
    description: str
    owner: Person
    due_in: int
    """Working days from when the learning and actions were recorded."""
    theme: str
    priority: str = "high"
    progress: StatusChange | None = None


@dataclass(frozen=True)
class PlannedDebrief:
    reference: str
    nominated: date
    consent_after: int
    """Working days from acceptance to the SIO's consent."""
    meeting_after: int
    """Working days from the incident to the debrief meeting."""
    learning: tuple[tuple[str, str], ...]
    """(theme, gap or good_practice) of each learning point."""
    actions: tuple[PlannedAction, ...]


DEBRIEFS = (
    PlannedDebrief(
        reference="CR/310101/26",
        nominated=date(2026, 7, 6),
        consent_after=2,
        meeting_after=9,
        learning=(
            ("Risk assessment and grading", "gap"),
            ("Information sharing", "gap"),
            ("Good practice", "good_practice"),
        ),
        actions=(
            PlannedAction(
                "Add an address history check to the risk grading guidance for call handlers.",
                TOM,
                15,
                "Risk assessment and grading",
                progress=StatusChange.COMPLETE,
            ),
            PlannedAction(
                "Agree a same-day route for sharing repeat domestic abuse reports with probation.",
                TOM,
                20,
                "Information sharing",
                progress=StatusChange.START,
            ),
            PlannedAction(
                "Brief every response team on the updated DASH escalation threshold.",
                JORDAN,
                25,
                "Training",
                priority="medium",
            ),
        ),
    ),
    PlannedDebrief(
        reference="CR/320202/26",
        nominated=date(2026, 9, 14),
        consent_after=3,
        meeting_after=11,
        learning=(("Mental health (incl. s135/s136)", "gap"), ("Coercive control", "gap")),
        actions=(
            PlannedAction(
                "Update the s135 warrant checklist with the mental health trust's duty contact.",
                TOM,
                20,
                "Mental health (incl. s135/s136)",
            ),
            PlannedAction(
                "Refresh the coercive control training for public protection officers.",
                JORDAN,
                80,
                "Coercive control",
                priority="medium",
            ),
        ),
    ),
    PlannedDebrief(
        reference="CR/330303/26",
        nominated=date(2026, 10, 19),
        consent_after=1,
        meeting_after=8,
        learning=(("Risk assessment and grading", "gap"), ("Training", "gap"), ("Professional curiosity", "gap")),
        actions=(
            PlannedAction(
                "Set up a monthly audit of risk grading for domestic abuse incidents.",
                TOM,
                40,
                "Risk assessment and grading",
                priority="low",
                progress=StatusChange.START,
            ),
        ),
    ),
)


@dataclass(frozen=True)
class Seeded:
    case_numbers: tuple[str, ...]
    action_texts: tuple[str, ...]


def at(day: date, hour: int) -> datetime:
    return datetime.combine(day, time(hour), tzinfo=LONDON)


def working_day_before(day: date, days: int) -> date:
    found = day
    for _ in range(days):
        found -= timedelta(days=1)
        while found.weekday() >= 5:
            found -= timedelta(days=1)
    return found


async def _nominate(uow: Callable[[], UnitOfWork], reference: str, nominated: date) -> int:
    incident = working_day_before(nominated, 2)
    case = await nominations.nominate(
        uow=uow(),
        actor=actor(JORDAN),
        form=nomination_form(
            incidentReference=reference,
            operationName="Operation Larkspur",
            incidentDate=incident.isoformat(),
            dmmDate=nominated.isoformat(),
        ),
        now=at(nominated, 9),
        rules=NominationRules(),
        sios=DIRECTORY.people_with(Role.SIO),
    )
    assert case.id is not None
    return case.id


async def _accept(uow: Callable[[], UnitOfWork], case_id: int, nominated: date, consent_after: int) -> datetime:
    """Accepted the next working day with DS Owen Marsh as lead; the SIO consents `consent_after` days later."""
    accepted = at(add_working_days(nominated, 1), 11)
    await triage.triage(
        uow=uow(),
        actor=actor(PRIYA),
        case_id=case_id,
        request=triage.TriageRequest(outcome=TriageOutcome.ACCEPT, lead_reviewer_id=OWEN.user_id),
        review_team=DIRECTORY.people_with(Role.REVIEW_TEAM),
        now=accepted,
    )
    incident = working_day_before(nominated, 2)
    form = parameters_form(lookBackFrom=(incident - timedelta(days=365)).isoformat(), lookBackTo=incident.isoformat())
    await parameters.set_parameters(uow=uow(), actor=actor(OWEN), case_id=case_id, form=form, now=accepted)
    consented = at(add_working_days(accepted.date(), consent_after), 12)
    await consent.record_consent(
        uow=uow(), actor=actor(RUTH), case_id=case_id, answer=consent.ConsentAnswer.CONSENT, text=None, now=consented
    )
    await contributors.invite_contributors(
        uow=uow(), actor=actor(OWEN), case_id=case_id, people=[JORDAN], now=consented
    )
    return consented


async def _debrief(uow: Callable[[], UnitOfWork], plan: PlannedDebrief) -> tuple[str, list[str]]:
    case_id = await _nominate(uow, plan.reference, plan.nominated)
    consented = await _accept(uow, case_id, plan.nominated, plan.consent_after)
    meeting_day = add_working_days(working_day_before(plan.nominated, 2), plan.meeting_after)
    await meetings.schedule_meeting(
        uow=uow(),
        actor=actor(OWEN),
        case_id=case_id,
        form={
            "meetingDate": meeting_day.isoformat(),
            "meetingTime": "10:00",
            "durationMinutes": "90",
            "attendeeIds": ",".join(p.user_id for p in (OWEN, RUTH, JORDAN)),
        },
        review_team=DIRECTORY.people_with(Role.REVIEW_TEAM),
        now=consented,
    )
    recorded = at(add_working_days(meeting_day, 2), 14)
    lead = actor(OWEN)
    for theme, kind in plan.learning:
        await outcomes.add_learning_point(
            uow=uow(),
            actor=lead,
            case_id=case_id,
            form={
                "learningTheme": theme,
                "learningKind": kind,
                "learningText": f"What the debrief found about {theme.lower()}, in a sentence or two.",
            },
            now=recorded,
        )
    people = list(DIRECTORY.officers().values())
    for planned in plan.actions:
        await outcomes.add_action(
            uow=uow(),
            actor=lead,
            case_id=case_id,
            form=action_form(
                case_id,
                actionDescription=planned.description,
                actionOwnerId=planned.owner.user_id,
                actionDueWorkingDays=str(planned.due_in),
                actionPriority=planned.priority,
                actionTheme=planned.theme,
            ),
            owners=DIRECTORY.officers(),
            people=people,
            now=recorded,
        )
    await outcomes.request_sign_off(uow=uow(), actor=lead, case_id=case_id, now=recorded)
    signed = at(add_working_days(recorded.date(), 1), 9)
    approved = await outcomes.answer_sign_off(
        uow=uow(), actor=actor(RUTH), case_id=case_id, approve=True, comment=None, now=signed
    )
    by_text = {a.description: a for a in approved.outcome.actions}
    for planned in plan.actions:
        if planned.progress is None:
            continue
        action = by_text[planned.description]
        assert action.id is not None
        when = at(add_working_days(signed.date(), 3), 15)
        await update_status(
            uow=uow(), actor=actor(planned.owner), action_id=action.id, change=StatusChange.START, note=None, now=when
        )
        if planned.progress is StatusChange.COMPLETE:
            await update_status(
                uow=uow(),
                actor=actor(planned.owner),
                action_id=action.id,
                change=StatusChange.COMPLETE,
                note="Guidance version 4 published on the intranet and briefed to every call-handling team.",
                now=when + timedelta(days=7),
            )
    return approved.case.case_number, [a.description for a in plan.actions]


async def a_year_of_debriefs(uow: Callable[[], UnitOfWork]) -> Seeded:
    """Three debriefs taken to signed-off actions (some overdue by late November), one collecting its chronology,
    one nomination waiting for triage and one declined: all fictional."""
    numbers: list[str] = []
    texts: list[str] = []
    for plan in DEBRIEFS:
        number, actions = await _debrief(uow, plan)
        numbers.append(number)
        texts.extend(actions)
    collecting = await _nominate(uow, "CR/340404/26", date(2026, 11, 16))
    await _accept(uow, collecting, date(2026, 11, 16), 2)
    await _nominate(uow, "CR/350505/26", date(2026, 11, 25))
    declined = await _nominate(uow, "CR/360606/26", date(2026, 11, 9))
    await triage.triage(
        uow=uow(),
        actor=actor(PRIYA),
        case_id=declined,
        request=triage.TriageRequest(
            outcome=TriageOutcome.DECLINE, reason="Not a near miss: no serious injury and no weapon."
        ),
        review_team=DIRECTORY.people_with(Role.REVIEW_TEAM),
        now=at(date(2026, 11, 10), 11),
    )
    numbers.extend(f"RD-2026-{n:04d}" for n in range(4, 7))
    return Seeded(tuple(numbers), tuple(texts))


def directory_with_an_administrator(folder: Path) -> Path:
    """The development directory plus a fictional service administrator (it has none of its own)."""
    path = folder / "directory.toml"
    path.write_text(
        DIRECTORY_FILE.read_text(encoding="utf-8")
        + f'\n[[people]]\nid = "{CHRIS.user_id}"\nname = "{CHRIS.name}"\nroles = ["administrator"]\n',
        encoding="utf-8",
    )
    return path


# --- The running bot ----------------------------------------------------------------------------------------------


@dataclass
class Dashboard:
    bot: RunningBot
    entra: LocalEntra
    seeded: Seeded

    async def get(
        self, path: str, person: Person | None = None, *, header: str | None = None, body: object = None
    ) -> Answer:
        """GET `path` as `person` (or with `header`); a POST of `body` as JSON when there is one."""
        headers = {}
        if header is not None:
            headers["Authorization"] = header
        elif person is not None:
            headers["Authorization"] = self.entra.header(person)
        method = "GET" if body is None else "POST"
        async with (
            aiohttp.ClientSession() as session,
            session.request(method, f"{self.bot.url}{path}", headers=headers, json=body) as r,
        ):
            return Answer(r.status, dict(r.headers), await r.read())

    async def search(self, by: Person, **filters: str) -> Answer:
        """The audit search, as the page sends it."""
        return await self.get("/tab/api/audit", by, body=filters)

    async def export(self, by: Person, kind: str, export_format: str, **filters: str) -> Answer:
        if kind == "audit":
            return await self.get("/tab/api/audit/export", by, body={**filters, "format": export_format})
        return await self.get(export_path(kind, export_format), by)

    async def refusals(self, person: Person) -> list[str]:
        """The refused actions the audit log holds for `person`, oldest first."""
        async with self.bot.services.engine.connect() as connection:
            rows = await connection.execute(
                select(t.audit_log.c.action)
                .where(t.audit_log.c.actor_id == person.user_id, t.audit_log.c.outcome == "refused")
                .order_by(t.audit_log.c.id)
            )
            return [row.action for row in rows]

    async def audit_count(self) -> int:
        async with self.bot.services.engine.connect() as connection:
            return len((await connection.execute(select(t.audit_log.c.id))).all())


@dataclass(frozen=True)
class Answer:
    status: int
    headers: dict[str, str]
    body: bytes

    @property
    def text(self) -> str:
        return self.body.decode("utf-8", errors="replace")


@pytest.fixture(scope="module")
def entra() -> Iterator[LocalEntra]:
    provider = start_local_entra()
    yield provider
    provider.stop()


@pytest.fixture(scope="module")
async def dashboard(entra: LocalEntra, tmp_path_factory: pytest.TempPathFactory) -> AsyncIterator[Dashboard]:
    folder = tmp_path_factory.mktemp("dashboard")
    env = tab_env(
        f"sqlite+aiosqlite:///{folder}/debrief.db",
        entra,
        DEBRIEF_DIRECTORY_FILE=str(directory_with_an_administrator(folder)),
    )
    async with running_bot(env, clock=lambda: NOW, run_dispatcher=False) as bot:
        seeded = await a_year_of_debriefs(bot.services.uow)
        yield Dashboard(bot, entra, seeded)


# --- Signing in -----------------------------------------------------------------------------------------------------


@pytest.mark.parametrize("bad", list(BadToken), ids=lambda b: b.name.lower())
async def test_a_missing_or_bad_token_gets_401_with_a_plain_message_and_nothing_is_attributed_or_logged(
    dashboard: Dashboard, bad: BadToken, caplog: pytest.LogCaptureFixture
) -> None:
    before = await dashboard.audit_count()
    header = dashboard.entra.bad_header(bad, DANA) or ""
    caplog.set_level(logging.DEBUG)
    for path, body in (
        ("/tab/api/me", None),
        ("/tab/api/figures", None),
        ("/tab/api/exports/themes?format=csv", None),
        ("/tab/api/audit", {"case_number": "RD-2026-0001"}),
        ("/tab/api/audit/export", {"format": "csv"}),
    ):
        answer = await dashboard.get(path, header=header, body=body)
        assert answer.status == 401, (path, answer.text)
        message = answer.text
        assert "sign" in message.lower() and "Traceback" not in message
        assert answer.headers["WWW-Authenticate"].startswith("Bearer")
        assert answer.headers["Cache-Control"].startswith("no-store")
    assert await dashboard.audit_count() == before
    assert "sign-in refused" in caplog.text
    token = header.partition(" ")[2]
    assert not token or token[-16:] not in caplog.text


async def test_a_valid_token_signs_the_working_group_in_by_the_directorys_name(dashboard: Dashboard) -> None:
    header = dashboard.entra.header(DANA.user_id, extra={"name": "Somebody Else"})
    answer = await dashboard.get("/tab/api/me", header=header)
    assert answer.status == 200
    me = json.loads(answer.body)
    assert me["name"] == "Supt Dana Reeve"
    assert me["views"] == ["figures", "actions"]
    assert {e["kind"] for e in me["exports"]} == {"cases", "actions", "themes", "timeliness"}
    assert me["auditExport"] is False


async def test_the_signing_keys_are_read_once_then_again_for_a_key_they_do_not_have(entra: LocalEntra) -> None:
    clock = [1000.0]
    keys = SigningKeys(entra.metadata_url, clock=lambda: clock[0], refetch_after_s=60)
    try:
        before = len(entra.fetches)
        assert await keys.key("entra-test-key-1") is not None
        assert await keys.key("entra-test-key-1") is not None
        assert keys.fetches == 1 and len(entra.fetches) == before + 2  # the metadata, then the JWKS
        assert await keys.key("made-up") is None
        assert keys.fetches == 1  # a minute has not passed: no fetch for a made-up key id
        entra.publish("entra-test-key-2")  # Entra ID rolls a new key over
        clock[0] += 61
        assert await keys.key("entra-test-key-2") is not None
        assert keys.fetches == 2
        clock[0] += 25 * 3600  # a day on, the keys are read again even when the key is known
        assert await keys.key("entra-test-key-1") is not None
        assert keys.fetches == 3
    finally:
        await keys.close()
        entra.keys.pop("entra-test-key-2", None)


async def test_while_the_identity_provider_cannot_be_reached_nobody_is_let_in_and_the_tab_says_so(
    sqlite_url: str, entra: LocalEntra
) -> None:
    keys = SigningKeys(f"http://127.0.0.1:{free_port()}/{'x'}/v2.0/.well-known/openid-configuration")
    try:
        with pytest.raises(SignInUnavailable):
            await keys.key("entra-test-key-1")
    finally:
        await keys.close()
    env = tab_env(sqlite_url, entra, DEBRIEF_SSO_METADATA_URL=keys.metadata_url)
    async with (
        running_bot(env, clock=lambda: NOW, run_dispatcher=False) as bot,
        aiohttp.ClientSession() as session,
        session.get(f"{bot.url}/tab/api/me", headers={"Authorization": entra.header(DANA)}) as answer,
    ):
        assert answer.status == 503
        assert "Try again in a minute" in (await answer.json())["message"]


# --- Every role, every view, every export ----------------------------------------------------------------------------


@pytest.mark.parametrize("role", list(ROLES))
async def test_each_role_gets_only_the_views_and_exports_its_role_allows_and_each_refusal_is_audited(
    dashboard: Dashboard, role: str
) -> None:
    person = ROLES[role]
    before = await dashboard.refusals(person)
    for view, path in PATHS.items():
        answer = await dashboard.get(path, person, body={} if view == "audit" else None)
        if role in VIEWS[view]:
            assert answer.status == 200, (role, view, answer.text)
        else:
            assert answer.status == 403, (role, view, answer.text)
            assert json.loads(answer.body)["message"].startswith(("Only", "The oversight dashboard is for"))
    for kind, allowed in EXPORTS.items():
        for export_format in ("xlsx", "csv"):
            answer = await dashboard.export(person, kind, export_format)
            if role in allowed:
                assert answer.status == 200, (role, kind, answer.text)
                assert answer.headers["Content-Disposition"].startswith("attachment;")
            else:
                assert answer.status == 403, (role, kind, answer.text)
    refused = 2 * sum(role not in allowed for allowed in EXPORTS.values())
    refused += sum(role not in allowed for allowed in VIEWS.values())
    assert len(await dashboard.refusals(person)) - len(before) == refused


async def test_someone_with_no_oversight_role_is_told_who_the_dashboard_is_for(dashboard: Dashboard) -> None:
    before = await dashboard.refusals(JORDAN)
    answer = await dashboard.get("/tab/api/me", JORDAN)
    assert answer.status == 403
    assert json.loads(answer.body)["message"].startswith(
        "The oversight dashboard is for the homicide prevention board, the rapid debrief working group and the review "
        "team"
    )
    assert (await dashboard.refusals(JORDAN))[len(before) :] == ["oversight.figures.read"]


async def test_the_board_is_refused_actions_case_by_case_and_the_refusal_is_audited(dashboard: Dashboard) -> None:
    before = await dashboard.refusals(SAM)
    answer = await dashboard.get("/tab/api/actions", SAM)
    assert answer.status == 403
    assert "the board sees the figures" in json.loads(answer.body)["message"]
    assert "RD-2026-" not in answer.text
    assert (await dashboard.refusals(SAM))[len(before) :] == ["oversight.actions.read"]


# --- What each sees -------------------------------------------------------------------------------------------------


async def test_the_board_sees_charts_and_figures_with_no_case_number_action_text_or_name(dashboard: Dashboard) -> None:
    bodies = [await dashboard.get(path, SAM) for path in ("/tab/api/me", "/tab/api/figures")]
    for kind in ("themes", "timeliness"):
        bodies.append(await dashboard.get(export_path(kind, "csv"), SAM))
        xlsx = await dashboard.get(export_path(kind, "xlsx"), SAM)
        sheet = openpyxl.load_workbook(io.BytesIO(xlsx.body)).active
        assert sheet is not None
        bodies.append(
            Answer(200, {}, " ".join(str(c) for row in sheet.iter_rows(values_only=True) for c in row).encode())
        )
    for answer in bodies:
        assert answer.status == 200
        assert "RD-2026-" not in answer.text
        for text in dashboard.seeded.action_texts:
            assert text not in answer.text
        for person in (JORDAN, TOM, OWEN, RUTH):
            assert person.name not in answer.text
    figures = bodies[1].text
    for heading in (
        "Cases by stage",
        "Timeliness against the default clocks (working days)",
        "Actions by status",
        "Actions by owner&#x27;s unit",
        "Actions by theme",
        "Learning themes by quarter",
    ):
        assert heading in figures
    assert figures.count('role="img"') == 6 and figures.count("<desc ") == 6 and figures.count("<table>") == 6
    assert "Incident to nomination" in figures and "Meeting to signed-off learning and actions" in figures
    assert "2026 Q3" in figures and "2026 Q4" in figures
    assert "Neighbourhood Policing" in figures  # an owner's unit, from the directory


async def test_the_working_group_sees_open_actions_case_by_case_overdue_first_and_marked(dashboard: Dashboard) -> None:
    answer = await dashboard.get("/tab/api/actions", DANA)
    assert answer.status == 200
    page = answer.text
    rows = page.split("<tr")[2:]  # after the header row
    shown = [text for text in dashboard.seeded.action_texts if escape(text) in page]
    assert len(rows) == len(shown) == 5  # the sixth is complete: not an open action
    assert "Add an address history check" not in page
    overdue = [row for row in rows if row.startswith(' class="overdue"')]
    assert [row.startswith(' class="overdue"') for row in rows] == [True, True, True, False, False]
    for row in overdue:
        assert '<span class="badge">Overdue</span>' in row and "working days</span>" in row
    assert "RD-2026-0001" in overdue[0]
    assert "5 open actions, 3 overdue. Overdue actions come first." in page


async def test_the_working_group_sees_the_same_on_postgresql_as_on_sqlite(database_url: str, entra: LocalEntra) -> None:
    env = tab_env(database_url, entra)
    async with running_bot(env, clock=lambda: NOW, run_dispatcher=False) as bot:
        seeded = await a_year_of_debriefs(bot.services.uow)
        dashboard = Dashboard(bot, entra, seeded)
        figures = await dashboard.get("/tab/api/figures", DANA)
        assert figures.status == 200
        assert '<span class="number">6</span>Cases' in figures.text
        assert '<span class="number">3</span>Overdue actions' in figures.text
        actions = await dashboard.get("/tab/api/actions", DANA)
        assert "5 open actions, 3 overdue" in actions.text


async def test_exports_arrive_as_marked_excel_and_csv_files(dashboard: Dashboard) -> None:
    xlsx = await dashboard.get(export_path("actions", "xlsx"), DANA)
    assert xlsx.headers["Content-Type"].startswith("application/vnd.openxmlformats-officedocument.spreadsheetml")
    assert xlsx.headers["Content-Disposition"] == 'attachment; filename="rapid-debrief-actions-2026-11-26.xlsx"'
    sheet = openpyxl.load_workbook(io.BytesIO(xlsx.body)).active
    assert sheet is not None
    rows = list(sheet.iter_rows(values_only=True))
    assert rows[0][0] == "OFFICIAL-SENSITIVE"
    assert {row[2] for row in rows[3:]} == set(dashboard.seeded.action_texts)  # all of them, complete ones too
    cases = await dashboard.get(export_path("cases", "csv"), PRIYA)
    lines = list(csv.reader(io.StringIO(cases.body.decode("utf-8-sig"))))
    assert lines[0] == ["OFFICIAL-SENSITIVE"]
    assert {line[0] for line in lines[3:]} == set(dashboard.seeded.case_numbers)


async def test_the_information_manager_searches_pages_and_exports_the_audit_log(dashboard: Dashboard) -> None:
    everything = await dashboard.search(ALEX)
    assert everything.status == 200
    assert "Next page" in everything.text and "page 1 of" in everything.text
    second = await dashboard.search(ALEX, page="2")
    assert "Previous page" in second.text
    one_case = await dashboard.search(ALEX, case_number="rd-2026-0002", category="alteration")
    assert one_case.status == 200
    assert "RD-2026-0002" in one_case.text and "RD-2026-0001" not in one_case.text
    assert "Consultation" not in one_case.text
    ruth = await dashboard.search(ALEX, person="okafor", case_number="RD-2026-0003")
    assert ruth.text.count("DCI Ruth Okafor") >= 2 and "DS Owen Marsh" not in ruth.text
    assert (await dashboard.get("/tab/api/audit?person=okafor", ALEX)).status == 405  # never in an address
    export = await dashboard.export(ALEX, "audit", "xlsx", case_number="RD-2026-0002")
    sheet = openpyxl.load_workbook(io.BytesIO(export.body)).active
    assert sheet is not None
    cases = {row[7] for row in list(sheet.iter_rows(values_only=True))[3:]}
    assert cases == {"RD-2026-0002"}


async def test_bad_audit_filters_come_back_field_by_field_and_nothing_is_searched(dashboard: Dashboard) -> None:
    answer = await dashboard.search(ALEX, case_number="12345", **{"from": "31/02/2026", "to": "2026-01-01"})
    assert answer.status == 422
    errors = json.loads(answer.body)["field_errors"]
    assert set(errors) == {"case_number", "from"}
    assert "RD-2026-0001" in errors["case_number"]
    unknown = await dashboard.search(ALEX, case_number="RD-2026-0999")
    assert unknown.status == 422
    assert "No case RD-2026-0999" in json.loads(unknown.body)["field_errors"]["case_number"]
    export = await dashboard.export(ALEX, "audit", "csv", **{"from": "2026-12-01", "to": "2026-11-01"})
    assert export.status == 422 and "to" in json.loads(export.body)["field_errors"]


async def test_bad_filters_from_someone_who_may_not_search_are_refused_and_audited(dashboard: Dashboard) -> None:
    before = await dashboard.refusals(DANA)
    answer = await dashboard.search(DANA, case_number="nonsense")
    assert answer.status == 403
    assert (await dashboard.refusals(DANA))[len(before) :] == ["audit.read"]


# --- The page -------------------------------------------------------------------------------------------------------


async def test_the_page_may_be_framed_only_by_teams_and_microsoft_365_runs_no_inline_script_and_is_not_cached(
    dashboard: Dashboard,
) -> None:
    page = await dashboard.get("/tab/dashboard")
    assert page.status == 200
    policy = page.headers["Content-Security-Policy"]
    assert "script-src 'self';" in policy and "unsafe-inline" not in policy and "default-src 'none'" in policy
    ancestors = policy.split("frame-ancestors ")[1].split()
    assert {"https://teams.microsoft.com", "https://*.teams.microsoft.com", "https://*.cloud.microsoft"} <= set(
        ancestors
    )
    assert page.headers["Cache-Control"].startswith("no-store")
    assert page.text.count("OFFICIAL-SENSITIVE") >= 2
    assert page.text.count("<script") == page.text.count("<script src=") == 2
    assert '<script src="/tab/static/MicrosoftTeams.min.js" defer>' in page.text
    sdk = await dashboard.get("/tab/static/MicrosoftTeams.min.js")
    assert sdk.status == 200 and b"getAuthToken" in sdk.body
    for name in ("dashboard.js", "dashboard.css"):
        assert (await dashboard.get(f"/tab/static/{name}")).status == 200
    assert (await dashboard.get("/tab/static/..%2Fviews.py")).status == 404
    assert (await dashboard.get("/tab/dev/people")).status == 404  # no development sign-in with an app id
    api = await dashboard.get("/tab/api/figures", DANA)
    assert api.headers["Cache-Control"].startswith("no-store")


async def test_in_anonymous_development_a_fictional_person_is_chosen_instead_of_signing_in(sqlite_url: str) -> None:
    env = development_env(sqlite_url)
    async with running_bot(env, clock=lambda: NOW, run_dispatcher=False) as bot, aiohttp.ClientSession() as session:
        async with session.get(f"{bot.url}/tab/dashboard") as page:
            html = await page.text()
        assert 'data-sign-in="development"' in html and "MicrosoftTeams.min.js" not in html
        async with session.get(f"{bot.url}/tab/dev/people") as people:
            listed = {p["name"]: p for p in await people.json()}
        assert listed["ACC Sam Whitlock"]["roles"] == ["board", "officer"]
        headers = {"Authorization": f"Development {SAM.user_id}"}
        async with session.get(f"{bot.url}/tab/api/me", headers=headers) as me:
            assert me.status == 200 and (await me.json())["views"] == ["figures"]
        async with session.get(f"{bot.url}/tab/api/figures", headers=headers) as empty:
            assert "No cases have been nominated yet." in await empty.text()
        async with session.get(f"{bot.url}/tab/api/me", headers={"Authorization": "Bearer x"}) as refused:
            assert refused.status == 401


def test_text_from_the_process_is_shown_as_text_never_run_as_markup() -> None:
    line = ActionLine(
        case_number="RD-2026-0001",
        action_id=1,
        description='Check the <img src=x onerror="alert(1)"> guidance & "escalation" route.',
        unit="Force <b>Control</b> Room",
        theme="Training",
        priority="High",
        status="Not started",
        due=date(2026, 11, 2),
        working_days_overdue=18,
    )
    page = actions_view((line,))
    assert "<img" not in page and "<b>" not in page
    assert "&lt;img src=x onerror=&quot;alert(1)&quot;&gt; guidance &amp; &quot;escalation&quot;" in page


async def test_an_export_in_no_known_format_is_explained_to_those_allowed_and_refused_to_anyone_else(
    dashboard: Dashboard,
) -> None:
    asked = await dashboard.get("/tab/api/exports/themes?format=pdf", SAM)
    assert asked.status == 400 and "format=xlsx" in json.loads(asked.body)["message"]
    audit = await dashboard.get("/tab/api/audit/export", ALEX, body={"format": "pdf"})
    assert audit.status == 400
    before = await dashboard.refusals(RUTH)
    assert (await dashboard.get("/tab/api/exports/themes?format=pdf", RUTH)).status == 403
    assert (await dashboard.get("/tab/api/audit/export", RUTH, body={"format": "pdf"})).status == 403
    assert (await dashboard.refusals(RUTH))[len(before) :] == ["oversight.figures.export", "audit.export"]
    assert (await dashboard.get("/tab/api/exports/everything?format=csv", SAM)).status == 404


def test_a_long_list_of_open_actions_is_capped_with_a_note_to_export_the_full_list() -> None:
    lines = tuple(
        ActionLine(
            case_number=f"RD-2026-{n:04d}",
            action_id=n,
            description=f"Action number {n} of a long list.",
            unit="Force Control Room",
            theme="Training",
            priority="High",
            status="Not started",
            due=date(2026, 11, 2),
            working_days_overdue=0,
        )
        for n in range(1, ACTIONS_SHOWN + 12)
    )
    page = actions_view(lines)
    assert page.count("<tr") == ACTIONS_SHOWN + 1  # and the header row
    assert f"Showing the {ACTIONS_SHOWN} most overdue of {ACTIONS_SHOWN + 11} open actions." in page
    assert "Export the actions for the full list." in page
