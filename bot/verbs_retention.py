"""Card verbs of a case's retention (the information manager's MoPI review): open the card, retain, erase, and
place or lift a legal hold."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import Any

from bot.verbs import VerbCall, case_id_of, message_card, text_of, verb
from cards.common import Card
from cards.retention import (
    ERASE_VERB,
    LIFT_HOLD_VERB,
    OPEN_RETENTION_VERB,
    PLACE_HOLD_VERB,
    RETAIN_VERB,
    retention_card,
)
from debrief import retention
from debrief.errors import InvalidInput
from debrief.model import CaseErased
from debrief.retention import (
    ERASE_CONFIRMED,
    ERASE_RATIONALE,
    HOLD_DETAILS,
    HOLD_KIND,
    LIFT_REASON,
    NEW_REVIEW_DATE,
    RETAIN_RATIONALE,
    VERSION,
    RetentionView,
    long_date,
)

ERASED_TITLE = "This case has been erased"


def _card(call: VerbCall, view: RetentionView, **kwargs: Any) -> Card:
    return retention_card(view, today=call.services.today(), **kwargs)


async def _current(call: VerbCall) -> RetentionView:
    s = call.services
    return await retention.get_retention(uow=s.uow(), actor=call.actor, case_id=case_id_of(call.data), now=s.now())


async def _replay(call: VerbCall, case_id: int | None) -> Card:
    try:
        return _card(call, await _current(call), message="This was already received.")
    except CaseErased as erased:
        return message_card(ERASED_TITLE, erased.message)


@verb(OPEN_RETENTION_VERB)
async def open_retention(call: VerbCall) -> Card:
    """By case id (a card's button) or by case number (the `retention RD-2026-0001` command)."""
    s = call.services
    number = text_of(call.data, "caseNumber")
    try:
        if number is not None:
            view = await retention.find_retention(uow=s.uow(), actor=call.actor, case_number=number, now=s.now())
        else:
            view = await _current(call)
    except CaseErased as erased:
        return message_card(ERASED_TITLE, erased.message)
    return _card(call, view)


async def _decide(
    call: VerbCall, decide: Callable[[], Awaitable[RetentionView]], done: Callable[[RetentionView], str]
) -> Card:
    """Run one decision; bad input brings the card back as it is now, with what to fix and nothing stored."""
    try:
        view = await decide()
    except InvalidInput as invalid:
        try:
            current = await _current(call)
        except CaseErased as erased:
            return message_card(ERASED_TITLE, erased.message)
        return _card(
            call,
            current,
            message="Nothing has been saved: please check what is highlighted.",
            errors=invalid.field_errors,
            values=call.data,
        )
    except CaseErased as erased:
        # Another information manager erased it first.
        return message_card(ERASED_TITLE, erased.message)
    return _card(call, view, message=done(view))


@verb(RETAIN_VERB, replay=_replay)
async def retain(call: VerbCall) -> Card:
    s = call.services
    return await _decide(
        call,
        lambda: retention.retain(
            uow=s.uow(call.activity_key),
            actor=call.actor,
            case_id=case_id_of(call.data),
            rationale=call.data.get(RETAIN_RATIONALE),
            new_review_date=call.data.get(NEW_REVIEW_DATE),
            seen_version=call.data.get(VERSION),
            now=s.now(),
        ),
        lambda view: (
            f"Retained. The next review is on {long_date(view.review_due)}." if view.review_due else "Retained."
        ),
    )


@verb(ERASE_VERB, replay=_replay)
async def erase(call: VerbCall) -> Card:
    s = call.services
    return await _decide(
        call,
        lambda: retention.erase(
            uow=s.uow(call.activity_key),
            actor=call.actor,
            case_id=case_id_of(call.data),
            rationale=call.data.get(ERASE_RATIONALE),
            confirmed=call.data.get(ERASE_CONFIRMED),
            seen_version=call.data.get(VERSION),
            now=s.now(),
        ),
        lambda view: "Erased. Only the case number, its dates, the decisions and the audit trail are kept.",
    )


@verb(PLACE_HOLD_VERB, replay=_replay)
async def place_legal_hold(call: VerbCall) -> Card:
    s = call.services
    return await _decide(
        call,
        lambda: retention.place_legal_hold(
            uow=s.uow(call.activity_key),
            actor=call.actor,
            case_id=case_id_of(call.data),
            kind=call.data.get(HOLD_KIND),
            details=call.data.get(HOLD_DETAILS),
            seen_version=call.data.get(VERSION),
            now=s.now(),
        ),
        lambda view: "Legal hold placed. The case cannot be erased until the hold is lifted.",
    )


@verb(LIFT_HOLD_VERB, replay=_replay)
async def lift_legal_hold(call: VerbCall) -> Card:
    s = call.services
    return await _decide(
        call,
        lambda: retention.lift_legal_hold(
            uow=s.uow(call.activity_key),
            actor=call.actor,
            case_id=case_id_of(call.data),
            reason=call.data.get(LIFT_REASON),
            seen_version=call.data.get(VERSION),
            now=s.now(),
        ),
        lambda view: "Legal hold lifted. The case's retention follows its review date again.",
    )
