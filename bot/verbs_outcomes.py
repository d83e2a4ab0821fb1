"""Card verbs of the debrief's outcome: learning, recommendations and actions; the SIO's sign-off; the document."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import Any

from bot.verbs import VerbCall, case_id_of, message_card, text_of, verb
from bot.verbs_chronology import number_of
from cards.common import Card
from cards.outcomes import (
    ADD_ACTION_VERB,
    ADD_LEARNING_VERB,
    ADD_RECOMMENDATION_VERB,
    APPROVE_VERB,
    LEARNING_DOCUMENT_VERB,
    OPEN_OUTCOME_VERB,
    REMOVE_ITEM_VERB,
    REQUEST_CHANGES_VERB,
    REQUEST_SIGN_OFF_VERB,
    outcome_card,
    sign_off_request,
)
from debrief import outcomes
from debrief.errors import InvalidInput
from debrief.outcomes import CaseOutcome
from debrief.permissions import Role

CHECK_MESSAGE = "Nothing has been saved: please check the highlighted fields."


def _card(call: VerbCall, found: CaseOutcome, **kwargs: Any) -> Card:
    s = call.services
    return outcome_card(found.case, found.outcome, owners=s.officers(), meeting=found.meeting, now=s.now(), **kwargs)


async def _current(call: VerbCall) -> CaseOutcome:
    s = call.services
    return await outcomes.get_outcome(uow=s.uow(), actor=call.actor, case_id=case_id_of(call.data), now=s.now())


async def _replay(call: VerbCall, case_id: int | None) -> Card:
    return _card(call, await _current(call), message="This was already received.")


Change = Callable[[VerbCall], Awaitable[CaseOutcome]]


async def _change(call: VerbCall, change: Change, done: str) -> Card:
    try:
        found = await change(call)
    except InvalidInput as invalid:
        return _card(call, await _current(call), message=CHECK_MESSAGE, errors=invalid.field_errors, values=call.data)
    return _card(call, found, message=done)


@verb(OPEN_OUTCOME_VERB)
async def open_outcome(call: VerbCall) -> Card:
    return _card(call, await _current(call))


@verb(ADD_LEARNING_VERB, replay=_replay)
async def add_learning(call: VerbCall) -> Card:
    s = call.services

    async def change(c: VerbCall) -> CaseOutcome:
        return await outcomes.add_learning_point(
            uow=s.uow(c.activity_key), actor=c.actor, case_id=case_id_of(c.data), form=c.data, now=s.now()
        )

    return await _change(call, change, "Learning point added.")


@verb(ADD_RECOMMENDATION_VERB, replay=_replay)
async def add_recommendation(call: VerbCall) -> Card:
    s = call.services

    async def change(c: VerbCall) -> CaseOutcome:
        return await outcomes.add_recommendation(
            uow=s.uow(c.activity_key), actor=c.actor, case_id=case_id_of(c.data), form=c.data, now=s.now()
        )

    return await _change(call, change, "Recommendation added.")


@verb(ADD_ACTION_VERB, replay=_replay)
async def add_action(call: VerbCall) -> Card:
    s = call.services

    async def change(c: VerbCall) -> CaseOutcome:
        return await outcomes.add_action(
            uow=s.uow(c.activity_key),
            actor=c.actor,
            case_id=case_id_of(c.data),
            form=c.data,
            owners=s.officers(),
            people=[*s.officers().values(), *s.directory.partners().values()],
            now=s.now(),
        )

    return await _change(call, change, "Action added.")


@verb(REMOVE_ITEM_VERB, replay=_replay)
async def remove_item(call: VerbCall) -> Card:
    s = call.services

    async def change(c: VerbCall) -> CaseOutcome:
        return await outcomes.remove_item(
            uow=s.uow(c.activity_key),
            actor=c.actor,
            case_id=case_id_of(c.data),
            kind=text_of(c.data, "kind") or "",
            item_id=number_of(c.data, "itemId", "This card does not name an item."),
            now=s.now(),
        )

    return await _change(call, change, "Removed. It is kept on record as removed.")


@verb(REQUEST_SIGN_OFF_VERB, replay=_replay)
async def request_sign_off(call: VerbCall) -> Card:
    s = call.services

    async def change(c: VerbCall) -> CaseOutcome:
        return await outcomes.request_sign_off(
            uow=s.uow(c.activity_key), actor=c.actor, case_id=case_id_of(c.data), now=s.now()
        )

    return await _change(call, change, "The SIO has been asked to sign off the learning and actions.")


async def _sio_card(call: VerbCall, found: CaseOutcome, **kwargs: Any) -> Card:
    return sign_off_request(found.case, found.outcome, now=call.services.now(), **kwargs)


async def _replay_sign_off(call: VerbCall, case_id: int | None) -> Card:
    return await _sio_card(call, await _current(call))


async def _answer(call: VerbCall, *, approve: bool) -> Card:
    s = call.services
    try:
        found = await outcomes.answer_sign_off(
            uow=s.uow(call.activity_key),
            actor=call.actor,
            case_id=case_id_of(call.data),
            approve=approve,
            comment=call.data.get("signOffComment"),
            now=s.now(),
        )
    except InvalidInput as invalid:
        return await _sio_card(call, await _current(call), errors=invalid.field_errors, values=call.data)
    return await _sio_card(call, found)


@verb(APPROVE_VERB, replay=_replay_sign_off)
async def approve(call: VerbCall) -> Card:
    return await _answer(call, approve=True)


@verb(REQUEST_CHANGES_VERB, replay=_replay_sign_off)
async def request_changes(call: VerbCall) -> Card:
    return await _answer(call, approve=False)


@verb(LEARNING_DOCUMENT_VERB)
async def learning_document(call: VerbCall) -> Card:
    s = call.services
    try:
        case = await outcomes.request_document(
            uow=s.uow(call.activity_key), actor=call.actor, case_id=case_id_of(call.data), now=s.now()
        )
    except InvalidInput as invalid:
        return message_card("Not yet", next(iter(invalid.field_errors.values()), "Nothing was sent."))
    sent = f"The learning and actions document for {case.case_number} is being sent to you in a personal chat."
    # Whoever pressed stays on the card they pressed it on, told where the document is going.
    if call.actor.has(Role.REVIEW_TEAM):
        return _card(call, await _current(call), message=sent)
    if case.nomination.sio.user_id == call.actor.user_id:
        return await _sio_card(call, await _current(call), message=sent)
    return message_card("On its way", sent)  # an attendee, from the message they were sent
