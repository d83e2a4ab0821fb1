"""Step 6 of the practice: every action owned and done. The owner updates its status from its card; the working
group decides what the owner cannot decide alone (not doing it, or a new due date).

Statuses move Not started → In progress → Complete, with Blocked (and back) on the way; Complete needs evidence.
"Not doing" and a due-date change are requests the working group approves or refuses. Complete and Not doing are
final. These are the rules and the service functions; the action card shows the same state to everyone.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from datetime import date, datetime
from enum import StrEnum

from debrief import clocks
from debrief.cases import existing
from debrief.errors import InvalidInput, NotFound
from debrief.learning import Action, ActionStatus, local_today
from debrief.messages import Audience, MessageKind, OutboundMessage
from debrief.model import Person
from debrief.permissions import SYSTEM, Actor, Permission, Relation, authorise
from debrief.ports import UnitOfWork

MIN_NOTE = 10
MAX_NOTE = 2000


class StatusChange(StrEnum):
    START = "start"
    BLOCK = "block"
    COMPLETE = "complete"


class RequestKind(StrEnum):
    NOT_DOING = "not_doing"
    DUE_DATE = "due_date"

    @property
    def label(self) -> str:
        return "Not doing this action" if self is RequestKind.NOT_DOING else "A new due date"


class RequestState(StrEnum):
    PENDING = "pending"
    APPROVED = "approved"
    REFUSED = "refused"

    @property
    def label(self) -> str:
        return self.value.capitalize()


@dataclass(frozen=True)
class ActionRequest:
    """Something only the working group can agree: not doing the action, or moving its due date."""

    action_id: int
    kind: RequestKind
    reason: str
    requested_by: Person
    requested_at: datetime
    new_due: date | None = None
    id: int | None = None
    state: RequestState = RequestState.PENDING
    decided_by: Person | None = None
    decided_at: datetime | None = None


@dataclass(frozen=True)
class ActionView:
    """An action as its card shows it: no case content beyond the case number."""

    case_number: str
    action: Action
    requests: tuple[ActionRequest, ...]

    @property
    def pending(self) -> ActionRequest | None:
        return next((r for r in self.requests if r.state is RequestState.PENDING), None)


ALLOWED: dict[StatusChange, tuple[ActionStatus, ...]] = {
    StatusChange.START: (ActionStatus.NOT_STARTED, ActionStatus.BLOCKED),
    StatusChange.BLOCK: (ActionStatus.NOT_STARTED, ActionStatus.IN_PROGRESS),
    StatusChange.COMPLETE: (ActionStatus.NOT_STARTED, ActionStatus.IN_PROGRESS, ActionStatus.BLOCKED),
}
RESULT = {
    StatusChange.START: ActionStatus.IN_PROGRESS,
    StatusChange.BLOCK: ActionStatus.BLOCKED,
    StatusChange.COMPLETE: ActionStatus.COMPLETE,
}
NOTE_FIELD = {StatusChange.BLOCK: "blockedReason", StatusChange.COMPLETE: "evidence"}


def allowed_changes(action: Action) -> tuple[StatusChange, ...]:
    """The status changes open to the action as it stands (none once it is complete or not being done)."""
    if action.final:
        return ()
    return tuple(change for change, starts in ALLOWED.items() if action.status in starts)


def _note(raw: object, field_name: str, what: str) -> str:
    text = "\n".join(line.rstrip() for line in raw.strip().splitlines()) if isinstance(raw, str) else ""
    if len(text) < MIN_NOTE:
        raise InvalidInput({field_name: f"Say {what} (at least {MIN_NOTE} characters)."})
    if len(text) > MAX_NOTE:
        raise InvalidInput({field_name: f"Keep this to {MAX_NOTE} characters or fewer."})
    return text


def change_status(action: Action, change: StatusChange, *, note: object, by: Person, now: datetime) -> Action:
    """The action after the owner's press, or why it cannot move that way."""
    if action.final:
        raise InvalidInput({"status": f"This action is {action.status.label.lower()}; its status no longer changes."})
    if action.status not in ALLOWED[change]:
        raise InvalidInput({"status": f"An action that is {action.status.label.lower()} cannot be moved that way."})
    text: str | None = None
    if change is StatusChange.BLOCK:
        text = _note(note, "blockedReason", "what is blocking it")
    elif change is StatusChange.COMPLETE:
        text = _note(note, "evidence", "what shows it is done (the evidence of completion)")
    return replace(
        action,
        status=RESULT[change],
        status_note=text,
        status_changed_by=by,
        status_changed_at=now,
        version=action.version + 1,
    )


async def get_action(*, uow: UnitOfWork, actor: Actor, action_id: int, now: datetime) -> ActionView:
    async with uow:
        view = await _view(uow, actor, action_id, Permission.READ_ACTION, now=now)
        await uow.commit()
        return view


async def update_status(
    *, uow: UnitOfWork, actor: Actor, action_id: int, change: StatusChange, note: object, now: datetime
) -> ActionView:
    """The owner (or the working group) moves the action on; its cards change for everyone."""
    async with uow:
        view = await _view(uow, actor, action_id, Permission.UPDATE_ACTION, now=now, justification=change.value)
        changed = change_status(view.action, change, note=note, by=Person(actor.user_id, actor.name), now=now)
        await uow.actions.save(changed)
        return await _changed(uow, replace(view, action=changed))


async def request_change(
    *,
    uow: UnitOfWork,
    actor: Actor,
    action_id: int,
    kind: RequestKind,
    reason: object,
    due_in_working_days: object = None,
    now: datetime,
) -> ActionView:
    """Ask the working group to agree not doing the action, or a new due date."""
    async with uow:
        view = await _view(uow, actor, action_id, Permission.UPDATE_ACTION, now=now, justification=kind.value)
        action = view.action
        if action.final:
            raise InvalidInput({"reason": f"This action is {action.status.label.lower()}; nothing more can be asked."})
        if view.pending is not None:
            raise InvalidInput({"reason": "The working group has not yet decided the last request about this action."})
        new_due: date | None = None
        if kind is RequestKind.DUE_DATE:
            try:
                days = int(due_in_working_days) if isinstance(due_in_working_days, int | str) else 0
            except ValueError:
                days = 0
            if not 1 <= days <= 260:
                raise InvalidInput(
                    {"newDueWorkingDays": "Give the new due date in working days from today (1 to 260)."}
                )
            new_due = clocks.add_working_days(local_today(now), days)
        what = "why this action should not be done" if kind is RequestKind.NOT_DOING else "why it needs more time"
        request = ActionRequest(
            action_id=action_id,
            kind=kind,
            reason=_note(reason, "reason", what),
            requested_by=Person(actor.user_id, actor.name),
            requested_at=now,
            new_due=new_due,
        )
        await uow.actions.add_request(request)
        return await _changed(uow, view)


async def decide_request(*, uow: UnitOfWork, actor: Actor, action_id: int, approve: bool, now: datetime) -> ActionView:
    """The working group approves or refuses the pending request; an approval takes effect at once."""
    async with uow:
        view = await _view(uow, actor, action_id, Permission.DECIDE_ACTION_REQUEST, now=now)
        pending = view.pending
        if pending is None:
            raise InvalidInput({"decision": "There is no request waiting for a decision."})
        by = Person(actor.user_id, actor.name)
        decided = replace(
            pending, state=RequestState.APPROVED if approve else RequestState.REFUSED, decided_by=by, decided_at=now
        )
        await uow.actions.save_request(decided)
        action = view.action
        if approve and pending.kind is RequestKind.NOT_DOING:
            action = replace(
                action,
                status=ActionStatus.NOT_DOING,
                status_note=pending.reason,
                status_changed_by=by,
                status_changed_at=now,
                version=action.version + 1,
            )
            await uow.actions.save(action)
        elif approve and pending.new_due is not None:
            action = replace(action, due=pending.new_due, version=action.version + 1)
            await uow.actions.save(action)
        return await _changed(uow, replace(view, action=action))


async def _view(
    uow: UnitOfWork,
    actor: Actor,
    action_id: int,
    permission: Permission,
    *,
    now: datetime,
    justification: str | None = None,
) -> ActionView:
    action = await uow.actions.get(action_id)
    if action is None or action.id is None:
        raise NotFound("That action no longer exists.")
    case = await existing(uow, action.case_id)
    relation = Relation(action_owner_id=action.owner.user_id)
    await authorise(uow, actor, permission, case, now=now, relation=relation, justification=justification)
    return ActionView(case.case_number, action, tuple(await uow.actions.requests(action.id)))


async def _changed(uow: UnitOfWork, view: ActionView) -> ActionView:
    action = view.action
    assert action.id is not None
    uow.outbox.add(
        OutboundMessage(MessageKind.ACTION_CARD, action.case_id, Audience.ACTIONS_THREAD, subject_id=action.id)
    )
    uow.mark_processed(action.case_id)
    fresh = ActionView(view.case_number, action, tuple(await uow.actions.requests(action.id)))
    await uow.commit()
    return fresh


async def action_for_message(
    *, uow: UnitOfWork, action_id: int, recipients: tuple[str, ...], now: datetime
) -> ActionView:
    """The action as it is now, for a card about to go to `recipients`; logged as a disclosure."""
    async with uow:
        action = await uow.actions.get(action_id)
        if action is None or action.id is None:
            raise NotFound(f"action {action_id} no longer exists")
        case = await existing(uow, action.case_id)
        await authorise(uow, SYSTEM, Permission.SEND_CASE_MESSAGE, case, now=now, recipients=recipients)
        view = ActionView(case.case_number, action, tuple(await uow.actions.requests(action.id)))
        await uow.commit()
        return view
