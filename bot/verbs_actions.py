"""Card verbs of an action: its owner (or the working group) moves it on; the working group decides requests."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import Any

from bot.verbs import VerbCall, verb
from bot.verbs_chronology import number_of
from cards.actions import (
    APPROVE_REQUEST_VERB,
    BLOCK_VERB,
    COMPLETE_VERB,
    OPEN_ACTION_VERB,
    REFUSE_REQUEST_VERB,
    REQUEST_DUE_DATE_VERB,
    REQUEST_NOT_DOING_VERB,
    START_VERB,
    action_card,
)
from cards.common import Card
from debrief import actions
from debrief.actions import ActionView, RequestKind, StatusChange
from debrief.errors import InvalidInput

DONE = {
    StatusChange.START: "Marked as in progress.",
    StatusChange.BLOCK: "Marked as blocked. The working group can see what is blocking it.",
    StatusChange.COMPLETE: "Marked as complete, with its evidence. Thank you.",
}


def action_id_of(data: dict[str, Any]) -> int:
    return number_of(data, "actionId", "This card does not name an action.")


def _card(call: VerbCall, view: ActionView, **kwargs: Any) -> Card:
    return action_card(view, case_id=view.action.case_id, now=call.services.now(), **kwargs)


async def _current(call: VerbCall) -> ActionView:
    s = call.services
    return await actions.get_action(uow=s.uow(), actor=call.actor, action_id=action_id_of(call.data), now=s.now())


async def _replay(call: VerbCall, case_id: int | None) -> Card:
    return _card(call, await _current(call), message="This was already received.")


async def _do(call: VerbCall, change: Callable[[], Awaitable[ActionView]], done: str) -> Card:
    try:
        view = await change()
    except InvalidInput as invalid:
        return _card(
            call,
            await _current(call),
            message="Nothing has changed: please check the highlighted field.",
            errors=invalid.field_errors,
            values=call.data,
        )
    return _card(call, view, message=done)


@verb(OPEN_ACTION_VERB)
async def open_action(call: VerbCall) -> Card:
    return _card(call, await _current(call))


async def _status(call: VerbCall, change: StatusChange) -> Card:
    s = call.services
    note = call.data.get("blockedReason") if change is StatusChange.BLOCK else call.data.get("evidence")
    return await _do(
        call,
        lambda: actions.update_status(
            uow=s.uow(call.activity_key),
            actor=call.actor,
            action_id=action_id_of(call.data),
            change=change,
            note=note,
            now=s.now(),
        ),
        DONE[change],
    )


@verb(START_VERB, replay=_replay)
async def start(call: VerbCall) -> Card:
    return await _status(call, StatusChange.START)


@verb(BLOCK_VERB, replay=_replay)
async def block(call: VerbCall) -> Card:
    return await _status(call, StatusChange.BLOCK)


@verb(COMPLETE_VERB, replay=_replay)
async def complete(call: VerbCall) -> Card:
    return await _status(call, StatusChange.COMPLETE)


async def _request(call: VerbCall, kind: RequestKind) -> Card:
    s = call.services
    return await _do(
        call,
        lambda: actions.request_change(
            uow=s.uow(call.activity_key),
            actor=call.actor,
            action_id=action_id_of(call.data),
            kind=kind,
            reason=call.data.get("reason"),
            due_in_working_days=call.data.get("newDueWorkingDays"),
            now=s.now(),
        ),
        "Sent to the working group to decide.",
    )


@verb(REQUEST_NOT_DOING_VERB, replay=_replay)
async def request_not_doing(call: VerbCall) -> Card:
    return await _request(call, RequestKind.NOT_DOING)


@verb(REQUEST_DUE_DATE_VERB, replay=_replay)
async def request_due_date(call: VerbCall) -> Card:
    return await _request(call, RequestKind.DUE_DATE)


async def _decide(call: VerbCall, *, approve: bool) -> Card:
    s = call.services
    return await _do(
        call,
        lambda: actions.decide_request(
            uow=s.uow(call.activity_key),
            actor=call.actor,
            action_id=action_id_of(call.data),
            approve=approve,
            now=s.now(),
        ),
        "Approved." if approve else "Refused.",
    )


@verb(APPROVE_REQUEST_VERB, replay=_replay)
async def approve_request(call: VerbCall) -> Card:
    return await _decide(call, approve=True)


@verb(REFUSE_REQUEST_VERB, replay=_replay)
async def refuse_request(call: VerbCall) -> Card:
    return await _decide(call, approve=False)
