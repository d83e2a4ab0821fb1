"""10,000 fuzzed card payloads across every registered verb, through the real HTTP edge with a real signed token.

The bot runs in-process on its own event loop in a thread (aiohttp's test server on loopback, botbuilder's JWT
validation against the local identity provider), over a SQLite database seeded with cases at several stages. Each
payload must be answered below HTTP 500 with something a person can read, and must store nothing when it was
refused or its envelope could never reach a verb: a digest of every content table (everything except the audit
log of refusals, the idempotency keys and the conversation references Teams' own headers produce) is compared
before and after each such payload. `test_the_check_catches_a_handler_that_stores_then_refuses` proves that
digest catches a handler that writes first and refuses afterwards.
"""

from __future__ import annotations

import asyncio
import hashlib
import itertools
import json
import logging
import shutil
import sqlite3
import tempfile
import threading
import time
from collections import Counter
from collections.abc import Coroutine, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, TypeVar

import pytest
from aiohttp import ClientTimeout
from aiohttp.test_utils import TestClient, TestServer
from hypothesis import HealthCheck, Phase, given, settings
from sqlalchemy import update

from bot.app import SERVICES, create_app
from bot.services import Services
from bot.settings import load_settings
from bot.verbs import VERBS, Verb, VerbCall, case_id_of, message_card
from bot.verbs_actions import action_id_of
from bot.verbs_chronology import entry_id_of
from bot.verbs_partners import invitation_id_of
from debrief import entries, partnership
from debrief.errors import NotFound
from debrief.partnership import PartnerContact
from storage import tables as t
from tests.conftest import NOW
from tests.faults.payloads import UNKNOWN_VERB, Payload, World, is_refusal, payloads, unreadable
from tests.support import activities
from tests.support.cases import a_case_collecting_its_chronology
from tests.support.connector import LocalConnector
from tests.support.figures import Figures
from tests.support.forms import chronology_entry_form, nomination_form
from tests.support.jwks import LocalAppCredentialsFactory, authenticated_env, identity_provider
from tests.support.people import DIRECTORY, JORDAN, MORGAN, OWEN, actor

TOTAL_PAYLOADS = 10_000
NOT_CONTENT = frozenset({"audit_log", "processed_activities", "conversation_references", "alembic_version"})
"""Tables a refused press may write: the audit log records refusals; the idempotency keys and the conversation
references come from the activity's authenticated envelope, not from what the card carried."""

T = TypeVar("T")


class Bot:
    """The app on an event loop in its own thread, so hypothesis' synchronous examples can drive it."""

    def __init__(self, database: Path, connector: LocalConnector) -> None:
        self.database = database
        self.connector = connector
        self.loop = asyncio.new_event_loop()
        self.thread = threading.Thread(target=self.loop.run_forever, name="fuzzed-bot", daemon=True)
        self.thread.start()
        self._reader: sqlite3.Connection | None = None
        provider = identity_provider()
        env = authenticated_env(f"sqlite+aiosqlite:///{database}", provider)
        app = create_app(
            load_settings(env),
            credentials_factory=LocalAppCredentialsFactory(),
            clock=lambda: NOW,
            run_dispatcher=False,  # the outbox stays queued: nothing changes the database between presses
            run_scheduler=False,
        )
        self.services: Services = app[SERVICES]
        self.header = provider.header(connector.url)  # one signed token, reused: it lasts an hour
        self.client: TestClient[Any, Any] = self.run(self._start(app), timeout_s=60)

    async def _start(self, app: Any) -> TestClient[Any, Any]:
        client: TestClient[Any, Any] = TestClient(TestServer(app), timeout=ClientTimeout(total=30))
        await client.start_server()
        return client

    def run(self, coroutine: Coroutine[Any, Any, T], *, timeout_s: float = 30) -> T:
        return asyncio.run_coroutine_threadsafe(coroutine, self.loop).result(timeout=timeout_s)

    async def _post(self, activity: dict[str, Any]) -> tuple[int, Any]:
        async with self.client.post("/api/messages", data=json.dumps(activity), headers=self._headers()) as response:
            raw = await response.read()
            try:
                return response.status, json.loads(raw) if raw else None
            except ValueError:
                return response.status, raw.decode(errors="replace")

    def _headers(self) -> dict[str, str]:
        return {"Authorization": self.header, "Content-Type": "application/json"}

    def post(self, activity: dict[str, Any]) -> tuple[int, Any]:
        return self.run(self._post(activity))

    def close(self) -> None:
        if self._reader is not None:
            self._reader.close()
        try:
            self.run(self.client.close(), timeout_s=30)
        finally:
            self.loop.call_soon_threadsafe(self.loop.stop)
            self.thread.join(timeout=10)

    def digest(self) -> str:
        """Every row of every content table, hashed: a refused press must leave it as it was."""
        connection = self._reader or sqlite3.connect(f"file:{self.database}?mode=ro", uri=True, timeout=15)
        self._reader = connection  # autocommit reads: each query sees the newest commit
        names = [
            row[0]
            for row in connection.execute("SELECT name FROM sqlite_master WHERE type = 'table' ORDER BY name")
            if row[0] not in NOT_CONTENT and not row[0].startswith("sqlite_")
        ]
        digest = hashlib.sha256()
        for name in names:
            digest.update(name.encode())
            for row in connection.execute(f'SELECT * FROM "{name}" ORDER BY rowid'):
                digest.update(repr(row).encode())
        return digest.hexdigest()


@dataclass
class Findings:
    """What the fuzzer found, and the counts for the figures."""

    sent: int = 0
    per_verb: Counter[str] = field(default_factory=Counter)
    server_errors: list[str] = field(default_factory=list)
    unclear: list[str] = field(default_factory=list)
    stored_from_bad_input: list[str] = field(default_factory=list)
    refusals: int = 0

    def problems(self) -> list[str]:
        return [*self.server_errors, *self.unclear, *self.stored_from_bad_input]


class ErrorLog(logging.Handler):
    """Errors the bot logs (a verb that raised, a failed turn): each is an answer nobody designed."""

    def __init__(self) -> None:
        super().__init__(level=logging.ERROR)
        self.records: list[str] = []

    def emit(self, record: logging.LogRecord) -> None:
        error = record.exc_info[1] if record.exc_info else None
        self.records.append(f"{record.getMessage()}: {type(error).__name__ if error else ''} {error}"[:300])


@dataclass
class Checker:
    bot: Bot
    errors: ErrorLog
    findings: Findings = field(default_factory=Findings)
    last_digest: str | None = None
    """The digest after the previous payload: nothing else writes between payloads (no dispatcher, no scheduler)."""

    def check(self, payload: Payload) -> None:
        """Send one payload and note every way its answer falls short."""
        bot, found = self.bot, self.findings
        label = f"{payload.verb} ({payload.kind}, {payload.person.name}): {json.dumps(payload.activity)[:400]}"
        before = self.last_digest or bot.digest()
        replies_before = len(bot.connector.sent())
        logged_before = len(self.errors.records)
        status, body = bot.post(payload.activity)
        found.sent += 1
        found.per_verb[payload.verb] += 1
        after = self.last_digest = bot.digest()
        if status >= 500:
            found.server_errors.append(f"HTTP {status} {str(body)[:200]} for {label}")
            return
        answers: list[Any] = []
        if payload.kind == "execute" and status == 200 and isinstance(body, dict) and "value" in body:
            answers.append(body["value"])
        elif status >= 400:
            answers.append(body.get("error") or body.get("message") if isinstance(body, dict) else body)
        answers.extend(r.body for r in bot.connector.sent()[replies_before:])  # a message is answered by a reply
        if not answers and payload.kind == "execute":
            found.unclear.append(f"no answer (HTTP {status}) for {label}")
        for answer in answers:
            why = unreadable(answer)
            if why:
                found.unclear.append(f"{why} for {label}")
        logged = self.errors.records[logged_before:]
        if logged:
            found.unclear.append(f"logged {logged[0]} for {label}")
        refused = bool(answers) and all(is_refusal(a) for a in answers)
        found.refusals += refused
        if (refused or payload.envelope_broken or status >= 400) and after != before:
            found.stored_from_bad_input.append(f"stored although refused for {label}")


async def seed(services: Services) -> World:
    """Three cases at different stages: collecting its chronology (with entries and a partner), and one waiting
    for triage; every verb meets real rows, and rows of other cases."""
    first = await a_case_collecting_its_chronology(uow=services.uow, now=NOW, invite=(JORDAN,))
    second = await a_case_collecting_its_chronology(
        uow=services.uow, now=NOW, invite=(JORDAN,), reference="CR/200300/26"
    )
    from debrief import nominations
    from debrief.model import NominationRules
    from debrief.permissions import Role

    waiting = await nominations.nominate(
        uow=services.uow(),
        actor=actor(JORDAN),
        form=nomination_form(incidentReference="CR/300400/26"),
        now=NOW,
        rules=NominationRules(),
        sios=DIRECTORY.people_with(Role.SIO),
    )
    assert first.id is not None and second.id is not None and waiting.id is not None
    entry_ids: list[int] = []
    invitation_ids: list[int] = []
    for case_id in (first.id, second.id):
        _, entry, _ = await entries.add_entry(
            uow=services.uow(), actor=actor(JORDAN), case_id=case_id, form=chronology_entry_form(), now=NOW
        )
        assert entry.id is not None
        entry_ids.append(entry.id)
        await partnership.approve_summary(
            uow=services.uow(),
            actor=actor(OWEN),
            case_id=case_id,
            text="Victim A was injured at home; the debrief asks what the agencies knew of the risk.",
            now=NOW,
        )
        _, [sent] = await partnership.invite_partners(
            uow=services.uow(),
            actor=actor(OWEN),
            case_id=case_id,
            contacts=[PartnerContact(MORGAN, "Probation Service")],
            agreement=None,
            now=NOW,
        )
        assert sent.id is not None
        invitation_ids.append(sent.id)
    return World(
        case_ids=(first.id, second.id, waiting.id),
        case_numbers=(first.case_number, second.case_number, waiting.case_number),
        entry_ids=tuple(entry_ids),
        invitation_ids=tuple(invitation_ids),
    )


@pytest.fixture(scope="module")
def fuzzed_bot(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[Bot, World]]:
    # In memory-backed storage where there is one: what is fuzzed is the answers and what is stored, not the disk's
    # fsync on every audited refusal, which would otherwise be most of the run's time.
    memory = Path("/dev/shm")
    folder = Path(tempfile.mkdtemp(prefix="debrief-fuzz-", dir=memory)) if memory.is_dir() else None
    with LocalConnector() as connector:
        bot = Bot((folder or tmp_path_factory.mktemp("fuzz")) / "debrief.db", connector)
        try:
            world = bot.run(seed(bot.services), timeout_s=60)
            yield bot, world
        finally:
            bot.close()
            if folder is not None:
                shutil.rmtree(folder, ignore_errors=True)


@pytest.fixture
def error_log() -> Iterator[ErrorLog]:
    handler = ErrorLog()
    logging.getLogger().addHandler(handler)
    try:
        yield handler
    finally:
        logging.getLogger().removeHandler(handler)


def fuzz(checker: Checker, verb: str, world: World, service_url: str, examples: int) -> None:
    @settings(
        max_examples=examples,
        deadline=None,
        derandomize=True,
        database=None,
        phases=[Phase.generate],  # findings are collected and listed, not shrunk: the run stays bounded
        suppress_health_check=list(HealthCheck),
    )
    @given(payloads(verb, world, service_url))
    def press(payload: Payload) -> None:
        checker.check(payload)

    press()


def test_ten_thousand_fuzzed_payloads_across_every_verb(
    fuzzed_bot: tuple[Bot, World], error_log: ErrorLog, figures: Figures
) -> None:
    bot, world = fuzzed_bot
    checker = Checker(bot, error_log)
    groups = [*sorted(VERBS), UNKNOWN_VERB]  # the registry itself: a verb added later is fuzzed too
    per_group = -(-TOTAL_PAYLOADS // len(groups))
    started = time.monotonic()
    for verb in groups:
        fuzz(checker, verb, world, bot.connector.url, per_group)
    elapsed = time.monotonic() - started
    found = checker.findings
    figures.record("fuzz_payloads_sent", found.sent)
    figures.record("fuzz_verbs", len(groups))
    figures.record("fuzz_min_per_verb", min(found.per_verb.values()))
    figures.record("fuzz_per_verb", json.dumps(dict(sorted(found.per_verb.items()))))
    figures.record("fuzz_refusals", found.refusals)
    figures.record("fuzz_5xx", len(found.server_errors))
    figures.record("fuzz_unclear_answers", len(found.unclear))
    figures.record("fuzz_stored_from_bad_input", len(found.stored_from_bad_input))
    figures.record("fuzz_payloads_per_s", found.sent / elapsed)
    assert found.sent >= TOTAL_PAYLOADS
    assert set(found.per_verb) == set(groups)
    problems = found.problems()
    assert not problems, f"{len(problems)} problems, the first ones:\n" + "\n".join(problems[:15])


_keys = itertools.count()


def test_the_check_catches_a_handler_that_stores_then_refuses(
    fuzzed_bot: tuple[Bot, World], error_log: ErrorLog, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A deliberately bad verb commits a change to a case, then answers "Not found": the digest must see it."""
    bot, world = fuzzed_bot

    async def stores_then_refuses(call: VerbCall) -> Any:
        async with call.services.engine.begin() as connection:
            await connection.execute(
                update(t.cases)
                .where(t.cases.c.id == world.case_ids[0])
                .values(operation_name=f"Tampered {next(_keys)}")
            )
        raise NotFound("That case was not found.")

    async def stores_then_says_what_is_wrong(call: VerbCall) -> Any:
        async with call.services.engine.begin() as connection:
            await connection.execute(
                update(t.cases)
                .where(t.cases.c.id == world.case_ids[1])
                .values(operation_name=f"Tampered {next(_keys)}")
            )
        return message_card("Not available to you", "Nothing was saved.")

    monkeypatch.setitem(VERBS, "fuzz.bad_refusal", Verb(stores_then_refuses, None))
    monkeypatch.setitem(VERBS, "fuzz.bad_message", Verb(stores_then_says_what_is_wrong, None))
    checker = Checker(bot, error_log)
    for verb, kind in (("fuzz.bad_refusal", "execute"), ("fuzz.bad_message", "submit")):
        data = {"caseId": world.case_ids[0]}
        activity = (
            activities.execute(OWEN, verb, data, service_url=bot.connector.url)
            if kind == "execute"
            else activities.submit(OWEN, {"verb": verb, **data}, service_url=bot.connector.url)
        )
        checker.check(Payload(verb, OWEN, kind, activity, envelope_broken=False, well_formed=False))
    assert checker.findings.refusals == 2
    assert len(checker.findings.stored_from_bad_input) == 2, checker.findings.problems()
    assert not checker.findings.server_errors and not checker.findings.unclear


@pytest.mark.parametrize("raw", [2**63, -(2**64), str(10**30)])
def test_an_id_beyond_any_database_integer_is_not_found_rather_than_an_error(raw: object) -> None:
    """The fuzzer's first finding: ids past 64 bits reached SQLite and failed as OverflowError."""
    for read in (case_id_of, entry_id_of, invitation_id_of, action_id_of):
        with pytest.raises(NotFound):
            read({"caseId": raw, "entryId": raw, "invitationId": raw, "actionId": raw})
