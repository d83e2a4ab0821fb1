"""Card verb -> handler: the one place to find what each button does.

A handler parses the card's data, calls one service function of the process and returns the card to show
the person who pressed the button. Errors the process raises become cards that say what to do; replays of
an activity that already took effect show the outcome again without doing anything twice.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import Any

from bot.services import Services
from cards.common import Card, build, heading, notice, paragraph
from cards.consent import CONSENT_VERB, CONSENT_WITH_CONDITIONS_VERB, NOT_YET_VERB, consent_request
from cards.contributors import INVITE_VERB, contributors_card
from cards.help import OPEN_NOMINATION_VERB
from cards.nomination import SUBMIT_VERB, nomination_form, nomination_received
from cards.parameters import SET_PARAMETERS_VERB, parameters_card
from cards.triage import (
    ACCEPT_VERB,
    ANSWER_VERB,
    DECLINE_VERB,
    MERGE_VERB,
    REQUEST_INFORMATION_VERB,
    answer_sent,
    triage_card,
    triage_outcome_for_nominator,
)
from debrief import cases, consent, contributors, nominations, parameters, triage
from debrief.errors import AlreadyProcessed, ConcurrentChange, DuplicateIncident, Forbidden, InvalidInput, NotFound
from debrief.model import NOMINATION_FIELDS, TriageOutcome
from debrief.permissions import Actor


@dataclass(frozen=True)
class VerbCall:
    """One press of a card button."""

    name: str
    actor: Actor
    data: dict[str, Any]
    activity_key: str
    services: Services


Handler = Callable[[VerbCall], Awaitable[Card]]
Replay = Callable[[VerbCall, int | None], Awaitable[Card]]


@dataclass(frozen=True)
class Verb:
    handle: Handler
    replay: Replay | None


VERBS: dict[str, Verb] = {}


def verb(name: str, *, replay: Replay | None = None) -> Callable[[Handler], Handler]:
    def register(handler: Handler) -> Handler:
        if name in VERBS:
            raise ValueError(f"verb {name} registered twice")
        VERBS[name] = Verb(handler, replay)
        return handler

    return register


async def run_verb(call: VerbCall) -> Card:
    """Run a verb, turning every failure a person can cause into a card that explains it."""
    entry = VERBS.get(call.name)
    if entry is None:
        return message_card("That button is no longer supported", "Type **nominate** or **help** to start again.")
    try:
        return await _run_with_retries(entry, call)
    except Forbidden as refused:
        return message_card("Not available to you", refused.message)
    except NotFound as missing:
        return message_card("Not found", missing.message)


async def _run_with_retries(entry: Verb, call: VerbCall) -> Card:
    for _attempt in range(3):
        try:
            return await entry.handle(call)
        except ConcurrentChange:
            continue  # someone else changed the case meanwhile: run again on the fresh state
        except AlreadyProcessed as replayed:
            # Teams delivered this press again after it took effect: show the outcome, change nothing.
            if entry.replay is None:
                return message_card("Already done", "This was already received. Nothing more has changed.")
            return await entry.replay(call, replayed.case_id)
    return message_card("Please try again", "Someone else changed this case at the same moment. Nothing was saved.")


def message_card(title: str, text: str) -> Card:
    return build(heading(title), paragraph(text), fallback_text=title)


# --- Nomination ---------------------------------------------------------------------------------------------


def _nomination_values(data: dict[str, Any]) -> dict[str, object]:
    return {name: data.get(name) for name in NOMINATION_FIELDS}


@verb(OPEN_NOMINATION_VERB)
async def open_nomination(call: VerbCall) -> Card:
    s = call.services
    return nomination_form(sios=s.sios(), rules=s.settings.nomination_rules, today=s.today())


async def _replay_nomination(call: VerbCall, case_id: int | None) -> Card:
    s = call.services
    if case_id is None:
        return message_card("Already received", "This nomination was already received.")
    case = await cases.get(uow=s.uow(), actor=call.actor, case_id=case_id, now=s.now())
    return nomination_received(case, triage_due=s.triage_due(case.nominated_at))


@verb(SUBMIT_VERB, replay=_replay_nomination)
async def submit_nomination(call: VerbCall) -> Card:
    s = call.services
    form = _nomination_values(call.data)
    try:
        case = await nominations.nominate(
            uow=s.uow(call.activity_key),
            actor=call.actor,
            form=form,
            now=s.now(),
            rules=s.settings.nomination_rules,
            sios=s.sios(),
        )
    except InvalidInput as invalid:
        return nomination_form(
            sios=s.sios(),
            rules=s.settings.nomination_rules,
            today=s.today(),
            values=form,
            errors=invalid.field_errors,
        )
    except DuplicateIncident as duplicate:
        return nomination_form(
            sios=s.sios(),
            rules=s.settings.nomination_rules,
            today=s.today(),
            values=form,
            errors={
                "incidentReference": (
                    f"{duplicate.incident_reference} already has a case, {duplicate.case_number}; no second case "
                    "has been opened. If this is a different incident, check the reference."
                )
            },
        )
    return nomination_received(case, triage_due=s.triage_due(case.nominated_at))


# --- Triage -------------------------------------------------------------------------------------------------


MAX_ID = 2**63 - 1
"""The largest id any row can have (a signed 64-bit integer in SQLite and PostgreSQL)."""


def case_id_of(data: dict[str, Any]) -> int:
    raw = data.get("caseId")
    if isinstance(raw, bool) or not isinstance(raw, int | str):
        raise NotFound("This card does not name a case.")
    try:
        number = int(raw)
    except ValueError:
        raise NotFound("This card does not name a case.") from None
    if abs(number) > MAX_ID:  # beyond any database's integer: no such case, rather than a driver error
        raise NotFound("This card does not name a case.")
    return number


def text_of(data: dict[str, Any], name: str) -> str | None:
    value = data.get(name)
    return value if isinstance(value, str) else None


async def _replay_triage(call: VerbCall, case_id: int | None) -> Card:
    s = call.services
    case = await cases.get(uow=s.uow(), actor=call.actor, case_id=case_id_of(call.data), now=s.now())
    return triage_card(case, review_team=s.review_team(), triage_due=s.triage_due(case.nominated_at))


async def _triage(call: VerbCall, outcome: TriageOutcome) -> Card:
    s = call.services
    request = triage.TriageRequest(
        outcome=outcome,
        lead_reviewer_id=text_of(call.data, "leadReviewerId"),
        reason=text_of(call.data, "declineReason")
        if outcome is TriageOutcome.DECLINE
        else text_of(call.data, "question"),
        merge_into=text_of(call.data, "mergeInto"),
    )
    case_id = case_id_of(call.data)
    try:
        result = await triage.triage(
            uow=s.uow(call.activity_key),
            actor=call.actor,
            case_id=case_id,
            request=request,
            review_team=s.review_team(),
            now=s.now(),
        )
    except InvalidInput as invalid:
        case = await cases.get(uow=s.uow(), actor=call.actor, case_id=case_id, now=s.now())
        return triage_card(
            case,
            review_team=s.review_team(),
            triage_due=s.triage_due(case.nominated_at),
            message="Nothing has been decided yet: please check the highlighted field.",
            errors=invalid.field_errors,
            values=call.data,
        )
    except Forbidden as refused:
        return build(heading("Only the review team can triage"), notice(refused.message), fallback_text=refused.message)
    message = None if result.changed else "This nomination had already been decided; the decision below stands."
    return triage_card(
        result.case, review_team=s.review_team(), triage_due=s.triage_due(result.case.nominated_at), message=message
    )


@verb(ACCEPT_VERB, replay=_replay_triage)
async def accept(call: VerbCall) -> Card:
    return await _triage(call, TriageOutcome.ACCEPT)


@verb(DECLINE_VERB, replay=_replay_triage)
async def decline(call: VerbCall) -> Card:
    return await _triage(call, TriageOutcome.DECLINE)


@verb(MERGE_VERB, replay=_replay_triage)
async def merge(call: VerbCall) -> Card:
    return await _triage(call, TriageOutcome.MERGE)


@verb(REQUEST_INFORMATION_VERB, replay=_replay_triage)
async def request_information(call: VerbCall) -> Card:
    return await _triage(call, TriageOutcome.REQUEST_INFORMATION)


# --- The nominator answers the review team's question ---------------------------------------------------------


async def _replay_answer(call: VerbCall, case_id: int | None) -> Card:
    s = call.services
    case = await cases.get(uow=s.uow(), actor=call.actor, case_id=case_id_of(call.data), now=s.now())
    return answer_sent(case)


@verb(ANSWER_VERB, replay=_replay_answer)
async def answer_information_request(call: VerbCall) -> Card:
    s = call.services
    case_id = case_id_of(call.data)
    try:
        case = await nominations.answer_information_request(
            uow=s.uow(call.activity_key),
            actor=call.actor,
            case_id=case_id,
            answer=text_of(call.data, "answer") or "",
            now=s.now(),
        )
    except InvalidInput as invalid:
        current = await cases.get(uow=s.uow(), actor=call.actor, case_id=case_id, now=s.now())
        if current.open_information_request is None:
            return message_card("No question to answer", invalid.field_errors.get("answer", "Nothing was saved."))
        return triage_outcome_for_nominator(current, errors=invalid.field_errors, values=call.data)
    return answer_sent(case)


# --- Parameters -------------------------------------------------------------------------------------------


async def _replay_parameters(call: VerbCall, case_id: int | None) -> Card:
    s = call.services
    case, latest = await parameters.get_parameters(
        uow=s.uow(), actor=call.actor, case_id=case_id_of(call.data), now=s.now()
    )
    return parameters_card(case, latest)


@verb(SET_PARAMETERS_VERB, replay=_replay_parameters)
async def set_parameters(call: VerbCall) -> Card:
    s = call.services
    case_id = case_id_of(call.data)
    try:
        case, revision = await parameters.set_parameters(
            uow=s.uow(call.activity_key), actor=call.actor, case_id=case_id, form=dict(call.data), now=s.now()
        )
    except InvalidInput as invalid:
        case, latest = await parameters.get_parameters(uow=s.uow(), actor=call.actor, case_id=case_id, now=s.now())
        return parameters_card(
            case,
            latest,
            message="Nothing has been saved: please check the highlighted fields.",
            errors=invalid.field_errors,
            values=call.data,
        )
    return parameters_card(case, revision, message=f"Saved as revision {revision.revision}.")


# --- SIO consent ------------------------------------------------------------------------------------------


async def _replay_consent(call: VerbCall, case_id: int | None) -> Card:
    s = call.services
    case, latest = await consent.get_consent(uow=s.uow(), actor=call.actor, case_id=case_id_of(call.data), now=s.now())
    return consent_request(case, latest, due=consent.consent_due_for(case))


async def _consent(call: VerbCall, answer: consent.ConsentAnswer) -> Card:
    s = call.services
    case_id = case_id_of(call.data)
    text = text_of(call.data, "conditions") if answer is consent.ConsentAnswer.CONSENT_WITH_CONDITIONS else None
    if answer is consent.ConsentAnswer.NOT_YET:
        text = text_of(call.data, "notYetReason")
    try:
        case, record = await consent.record_consent(
            uow=s.uow(call.activity_key), actor=call.actor, case_id=case_id, answer=answer, text=text, now=s.now()
        )
    except InvalidInput as invalid:
        case, latest = await consent.get_consent(uow=s.uow(), actor=call.actor, case_id=case_id, now=s.now())
        return consent_request(
            case, latest, due=consent.consent_due_for(case), errors=invalid.field_errors, values=call.data
        )
    return consent_request(case, record, due=consent.consent_due_for(case))


@verb(CONSENT_VERB, replay=_replay_consent)
async def give_consent(call: VerbCall) -> Card:
    return await _consent(call, consent.ConsentAnswer.CONSENT)


@verb(CONSENT_WITH_CONDITIONS_VERB, replay=_replay_consent)
async def give_consent_with_conditions(call: VerbCall) -> Card:
    return await _consent(call, consent.ConsentAnswer.CONSENT_WITH_CONDITIONS)


@verb(NOT_YET_VERB, replay=_replay_consent)
async def not_yet(call: VerbCall) -> Card:
    return await _consent(call, consent.ConsentAnswer.NOT_YET)


# --- Chronology contributors ------------------------------------------------------------------------------


async def _replay_invite(call: VerbCall, case_id: int | None) -> Card:
    s = call.services
    case, invited = await contributors.list_contributors(
        uow=s.uow(), actor=call.actor, case_id=case_id_of(call.data), now=s.now()
    )
    return contributors_card(case, invited, officers=s.officers())


@verb(INVITE_VERB, replay=_replay_invite)
async def invite_contributors(call: VerbCall) -> Card:
    s = call.services
    case_id = case_id_of(call.data)
    officers = s.officers()
    chosen = [part.strip() for part in (text_of(call.data, "contributorIds") or "").split(",") if part.strip()]
    unknown = [c for c in chosen if c not in officers]
    try:
        if unknown:
            raise InvalidInput({"contributorIds": "Choose officers from the list."})
        case, invited = await contributors.invite_contributors(
            uow=s.uow(call.activity_key),
            actor=call.actor,
            case_id=case_id,
            people=[officers[c] for c in chosen],
            now=s.now(),
        )
    except InvalidInput as invalid:
        case, current = await contributors.list_contributors(
            uow=s.uow(), actor=call.actor, case_id=case_id, now=s.now()
        )
        return contributors_card(
            case,
            current,
            officers=officers,
            message="Nobody has been invited: please check the highlighted field.",
            errors=invalid.field_errors,
            values=call.data,
        )
    _, current = await contributors.list_contributors(uow=s.uow(), actor=call.actor, case_id=case_id, now=s.now())
    names = ", ".join(c.person.name for c in invited)
    return contributors_card(case, current, officers=officers, message=f"Invited: {names}.")


# Each part of the process keeps its verbs in its own module; importing them registers them in VERBS.
from bot import (  # noqa: E402, F401
    verbs_actions,
    verbs_chronology,
    verbs_meetings,
    verbs_outcomes,
    verbs_partners,
    verbs_retention,
)
