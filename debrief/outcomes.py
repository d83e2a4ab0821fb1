"""Recording the debrief's learning and actions, the SIO's sign-off, and circulation to the attendees.

Every change counts up the outcome's version; the SIO signs off one version, and nothing is circulated until
the version as it stands is approved. Circulation sends each attendee the approved outcome one to one (each
send is a disclosure to that person, audited by the dispatcher's read).
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, replace
from datetime import datetime

from debrief.cases import existing
from debrief.errors import InvalidInput, NotFound
from debrief.learning import (
    Action,
    LearningPoint,
    Outcome,
    Recommendation,
    SignOff,
    SignOffState,
    local_today,
    parse_action,
    parse_comment,
    parse_learning_point,
    parse_recommendation,
)
from debrief.meetings import Meeting
from debrief.messages import Audience, MessageKind, OutboundMessage
from debrief.model import Case, Person
from debrief.permissions import Actor, Permission, Role, authorise
from debrief.ports import UnitOfWork
from debrief.relations import relation_of

ITEM_KINDS = ("learning", "recommendation", "action")


@dataclass(frozen=True)
class CaseOutcome:
    case: Case
    outcome: Outcome
    meeting: Meeting | None


async def get_outcome(*, uow: UnitOfWork, actor: Actor, case_id: int, now: datetime) -> CaseOutcome:
    async with uow:
        case = await existing(uow, case_id)
        await authorise(uow, actor, Permission.READ_OUTCOME, case, now=now)
        found = CaseOutcome(case, await uow.outcomes.get(case_id), await uow.meetings.get(case_id))
        await uow.commit()
        return found


async def add_learning_point(
    *, uow: UnitOfWork, actor: Actor, case_id: int, form: Mapping[str, object], now: datetime
) -> CaseOutcome:
    async with uow:
        case, outcome = await _recording(uow, actor, case_id, now=now, field_name="learningText")
        theme, kind, text = parse_learning_point(form)
        by = Person(actor.user_id, actor.name)
        await uow.outcomes.add_learning_point(
            LearningPoint(case_id=case_id, theme=theme, kind=kind, text=text, recorded_by=by, recorded_at=now)
        )
        return await _changed(uow, case, outcome)


async def add_recommendation(
    *, uow: UnitOfWork, actor: Actor, case_id: int, form: Mapping[str, object], now: datetime
) -> CaseOutcome:
    async with uow:
        case, outcome = await _recording(uow, actor, case_id, now=now, field_name="recommendationText")
        text, route = parse_recommendation(form)
        by = Person(actor.user_id, actor.name)
        await uow.outcomes.add_recommendation(
            Recommendation(case_id=case_id, text=text, route=route, recorded_by=by, recorded_at=now)
        )
        return await _changed(uow, case, outcome)


async def add_action(
    *,
    uow: UnitOfWork,
    actor: Actor,
    case_id: int,
    form: Mapping[str, object],
    owners: Mapping[str, Person],
    people: Iterable[Person],
    now: datetime,
) -> CaseOutcome:
    """An action, owned by someone from the directory, due in working days, described without personal data."""
    async with uow:
        case, outcome = await _recording(uow, actor, case_id, now=now, field_name="actionDescription")
        plan = parse_action(form, owners=owners, people=[*people, case.nomination.sio], today=local_today(now))
        await uow.outcomes.add_action(
            Action(
                case_id=case_id,
                description=plan.description,
                owner=plan.owner,
                due=plan.due,
                priority=plan.priority,
                theme=plan.theme,
                route=plan.route,
                created_by=Person(actor.user_id, actor.name),
                created_at=now,
            )
        )
        return await _changed(uow, case, outcome)


async def remove_item(
    *, uow: UnitOfWork, actor: Actor, case_id: int, kind: str, item_id: int, now: datetime
) -> CaseOutcome:
    """Take an item out (it is kept, marked removed); like any change, the SIO must approve again."""
    async with uow:
        case = await existing(uow, case_id)
        await authorise(uow, actor, Permission.CHANGE_OUTCOME, case, now=now, justification=f"remove {kind}")
        outcome = await uow.outcomes.get(case_id)
        _require_changeable(outcome, "itemId")
        if kind not in ITEM_KINDS:
            raise NotFound("That item is not part of the learning and actions.")
        if not await uow.outcomes.remove(case_id, kind, item_id, by=Person(actor.user_id, actor.name), at=now):
            raise NotFound("That item has already been removed.")
        return await _changed(uow, case, outcome)


async def request_sign_off(*, uow: UnitOfWork, actor: Actor, case_id: int, now: datetime) -> CaseOutcome:
    async with uow:
        case = await existing(uow, case_id)
        await authorise(uow, actor, Permission.REQUEST_SIGN_OFF, case, now=now)
        outcome = await uow.outcomes.get(case_id)
        if (refusal := outcome.sign_off_refusal()) is not None:
            raise InvalidInput({"signOff": refusal})
        sign_off = SignOff(
            outcome_version=outcome.version,
            state=SignOffState.REQUESTED,
            requested_by=Person(actor.user_id, actor.name),
            requested_at=now,
        )
        await uow.outcomes.add_sign_off(case_id, sign_off)
        sio = case.nomination.sio
        uow.outbox.add(OutboundMessage(MessageKind.SIGN_OFF_REQUESTED, case_id, Audience.PERSON, person_id=sio.user_id))
        uow.outbox.add(OutboundMessage(MessageKind.OUTCOME_CARD, case_id, Audience.CASE_THREAD))
        uow.mark_processed(case_id)
        await uow.commit()
        return CaseOutcome(case, replace(outcome, sign_off=sign_off), await uow.meetings.get(case_id))


async def answer_sign_off(
    *, uow: UnitOfWork, actor: Actor, case_id: int, approve: bool, comment: object, now: datetime
) -> CaseOutcome:
    """The SIO approves the version they were asked about (it is then circulated), or asks for changes."""
    async with uow:
        case = await existing(uow, case_id)
        await authorise(uow, actor, Permission.SIGN_OFF, case, now=now)
        outcome = await uow.outcomes.get(case_id)
        asked = outcome.sign_off
        if asked is None or asked.state is not SignOffState.REQUESTED:
            raise InvalidInput({"signOffComment": "There is nothing waiting for your sign-off."})
        if asked.outcome_version != outcome.version:
            raise InvalidInput(
                {"signOffComment": "The learning and actions changed after you were asked; a new request will follow."}
            )
        answer = replace(
            asked,
            state=SignOffState.APPROVED if approve else SignOffState.CHANGES_REQUESTED,
            answered_by=Person(actor.user_id, actor.name),
            answered_at=now,
            comment=None if approve else parse_comment(comment),
        )
        await uow.outcomes.answer_sign_off(case_id, answer)
        meeting = await uow.meetings.get(case_id)
        if approve:
            await uow.outcomes.mark_circulated(case_id, now)
            for person_id in circulation_list(case, meeting):
                uow.outbox.add(
                    OutboundMessage(MessageKind.OUTCOME_CIRCULATED, case_id, Audience.PERSON, person_id=person_id)
                )
            for action in outcome.actions:
                # Each action gets its own card: in the case's actions thread, and with its owner.
                uow.outbox.add(
                    OutboundMessage(MessageKind.ACTION_CARD, case_id, Audience.ACTIONS_THREAD, subject_id=action.id)
                )
                uow.outbox.add(
                    OutboundMessage(
                        MessageKind.ACTION_ASSIGNED,
                        case_id,
                        Audience.PERSON,
                        person_id=action.owner.user_id,
                        subject_id=action.id,
                    )
                )
        else:
            uow.outbox.add(OutboundMessage(MessageKind.CHANGES_REQUESTED, case_id, Audience.CASE_THREAD))
        uow.outbox.add(OutboundMessage(MessageKind.OUTCOME_CARD, case_id, Audience.CASE_THREAD))
        uow.mark_processed(case_id)
        await uow.commit()
        circulated = now if approve else outcome.circulated_at
        return CaseOutcome(case, replace(outcome, sign_off=answer, circulated_at=circulated), meeting)


def circulation_list(case: Case, meeting: Meeting | None) -> list[str]:
    """The meeting's attendees (those recorded as attending, else those invited), and the lead reviewer."""
    people = (meeting.attended or meeting.attendees) if meeting is not None else ()
    ids = [p.user_id for p in people]
    if case.lead_reviewer is not None:
        ids.append(case.lead_reviewer.user_id)
    return list(dict.fromkeys(ids))


async def request_document(*, uow: UnitOfWork, actor: Actor, case_id: int, now: datetime) -> Case:
    """The Word document, one to one: the review team and the SIO at any time, attendees once approved."""
    async with uow:
        case = await existing(uow, case_id)
        relation = await relation_of(uow, actor, case, now=now)
        await authorise(uow, actor, Permission.REQUEST_LEARNING_DOCUMENT, case, now=now, relation=relation)
        outcome = await uow.outcomes.get(case_id)
        _require_for(actor, case, outcome, relation.attendee)
        uow.outbox.add(
            OutboundMessage(MessageKind.LEARNING_DOCUMENT, case_id, Audience.PERSON, person_id=actor.user_id)
        )
        uow.mark_processed(case_id)
        await uow.commit()
        return case


async def outcome_for_document(
    *, uow: UnitOfWork, actor: Actor, case_id: int, now: datetime, route: str
) -> CaseOutcome:
    """The outcome as it is when the document is fetched; a disclosure to the person fetching it."""
    async with uow:
        case = await existing(uow, case_id)
        relation = await relation_of(uow, actor, case, now=now)
        await authorise(
            uow,
            actor,
            Permission.DISCLOSE_LEARNING_DOCUMENT,
            case,
            now=now,
            relation=relation,
            recipients=(f"person:{actor.user_id}",),
            justification=f"learning and actions delivered {route}",
        )
        outcome = await uow.outcomes.get(case_id)
        _require_for(actor, case, outcome, relation.attendee)
        found = CaseOutcome(case, outcome, await uow.meetings.get(case_id))
        await uow.commit()
        return found


def _require_for(actor: Actor, case: Case, outcome: Outcome, attendee: bool) -> None:
    """Attendees outside the review team and the SIO see it only once the version as it stands is approved."""
    insider = actor.has(Role.REVIEW_TEAM) or case.nomination.sio.user_id == actor.user_id
    if not insider and not (attendee and outcome.approved):
        raise InvalidInput({"document": "The learning and actions are sent to attendees once the SIO approves them."})


async def _recording(
    uow: UnitOfWork, actor: Actor, case_id: int, *, now: datetime, field_name: str
) -> tuple[Case, Outcome]:
    case = await existing(uow, case_id)
    await authorise(uow, actor, Permission.RECORD_OUTCOME, case, now=now)
    case.require_debrief(field_name)
    meeting = await uow.meetings.get(case_id)
    if meeting is None or meeting.starts_at > now:
        raise InvalidInput({field_name: "The learning and actions are recorded after the debrief meeting."})
    outcome = await uow.outcomes.get(case_id)
    _require_changeable(outcome, field_name)
    return case, outcome


def _require_changeable(outcome: Outcome, field_name: str) -> None:
    if outcome.awaiting_sign_off:
        raise InvalidInput(
            {field_name: "The SIO is considering this version: wait for their answer before changing it."}
        )


async def _changed(uow: UnitOfWork, case: Case, outcome: Outcome) -> CaseOutcome:
    assert case.id is not None
    await uow.outcomes.advance(case.id, from_version=outcome.version)
    uow.outbox.add(OutboundMessage(MessageKind.OUTCOME_CARD, case.id, Audience.CASE_THREAD))
    uow.mark_processed(case.id)
    found = CaseOutcome(case, await uow.outcomes.get(case.id), await uow.meetings.get(case.id))
    await uow.commit()
    return found
