"""Card verbs of the chronology: contributors add and look after their entries; the lead reviewer verifies and locks.

Registered in the same VERBS table as every other verb (bot/verbs.py imports this module at its end).
"""

from __future__ import annotations

from typing import Any

from bot.verbs import MAX_ID, VerbCall, case_id_of, message_card, verb
from cards.chronology import (
    ADD_ENTRY_VERB,
    CONFLICTS_VERB,
    DOCUMENT_VERB,
    EDIT_ENTRY_VERB,
    LOCK_VERB,
    MY_ENTRIES_VERB,
    OPEN_ENTRY_VERB,
    REVIEW_ENTRY_VERB,
    SAVE_ENTRY_VERB,
    SAVE_REVIEW_VERB,
    VIEW_CHRONOLOGY_VERB,
    WITHDRAW_ENTRY_VERB,
    chronology_page,
    conflicts_card,
    document_on_its_way,
    entry_form,
    entry_saved,
    my_entries,
    review_form,
)
from cards.common import Card
from debrief import entries, verification
from debrief.chronology import ENTRY_FORM_FIELDS, form_values
from debrief.errors import InvalidInput, NotFound
from debrief.verification import MergedChronology

ENTRY_CHECK_MESSAGE = "Nothing has been saved: please check the highlighted fields."


def entry_id_of(data: dict[str, Any]) -> int:
    return number_of(data, "entryId", "This card does not name a chronology entry.")


def page_of(data: dict[str, Any]) -> int:
    try:
        return number_of(data, "page", "")
    except NotFound:
        return 1


def number_of(data: dict[str, Any], name: str, missing: str) -> int:
    raw = data.get(name)
    if isinstance(raw, bool) or not isinstance(raw, int | str):
        raise NotFound(missing)
    try:
        number = int(raw)
    except ValueError:
        raise NotFound(missing) from None
    if abs(number) > MAX_ID:  # beyond any database's integer: no such row, rather than a driver error
        raise NotFound(missing)
    return number


def entry_values(data: dict[str, Any]) -> dict[str, object]:
    return {name: data.get(name) for name in ENTRY_FORM_FIELDS}


# --- The contributor ----------------------------------------------------------------------------------------


@verb(OPEN_ENTRY_VERB)
async def open_entry(call: VerbCall) -> Card:
    s = call.services
    try:
        c = await entries.open_form(uow=s.uow(), actor=call.actor, case_id=case_id_of(call.data), now=s.now())
    except InvalidInput as closed:
        return message_card("Not open for entries", closed.field_errors.get("summary", "Nothing can be added now."))
    return entry_form(c.case, parameters=c.parameters, consent=c.consent, deadline=c.deadline, agencies=c.agencies)


async def _replay_own_entries(call: VerbCall, case_id: int | None) -> Card:
    s = call.services
    own = await entries.list_own(uow=s.uow(), actor=call.actor, case_id=case_id_of(call.data), now=s.now())
    return my_entries(own.case, own.entries, locked=own.locked, message="This was already received.")


@verb(ADD_ENTRY_VERB, replay=_replay_own_entries)
async def add_entry(call: VerbCall) -> Card:
    s = call.services
    case_id = case_id_of(call.data)
    form = entry_values(call.data)
    try:
        c, entry, yours = await entries.add_entry(
            uow=s.uow(call.activity_key), actor=call.actor, case_id=case_id, form=form, now=s.now()
        )
    except InvalidInput as invalid:
        return await _form_again(call, case_id, invalid, values=form)
    return entry_saved(c.case, entry, yours=yours, deadline=c.deadline)


async def _form_again(
    call: VerbCall, case_id: int, invalid: InvalidInput, *, values: dict[str, object], entry_id: int | None = None
) -> Card:
    """The form back with what was typed and a message per field; if the case has closed, say so instead."""
    s = call.services
    try:
        c = await entries.open_form(uow=s.uow(), actor=call.actor, case_id=case_id, now=s.now())
    except InvalidInput as closed:
        return message_card("Not open for entries", closed.field_errors.get("summary", "Nothing was saved."))
    return entry_form(
        c.case,
        parameters=c.parameters,
        consent=c.consent,
        deadline=c.deadline,
        agencies=c.agencies,
        values=values,
        errors=invalid.field_errors,
        entry_id=entry_id,
        message=ENTRY_CHECK_MESSAGE,
    )


@verb(MY_ENTRIES_VERB)
async def list_my_entries(call: VerbCall) -> Card:
    s = call.services
    own = await entries.list_own(uow=s.uow(), actor=call.actor, case_id=case_id_of(call.data), now=s.now())
    return my_entries(own.case, own.entries, locked=own.locked)


@verb(EDIT_ENTRY_VERB)
async def edit_entry(call: VerbCall) -> Card:
    s = call.services
    c, entry = await entries.get_own(
        uow=s.uow(), actor=call.actor, case_id=case_id_of(call.data), entry_id=entry_id_of(call.data), now=s.now()
    )
    if (refusal := entries.change_refusal(c, entry)) is not None:
        return message_card("This entry cannot be changed", refusal)
    return entry_form(
        c.case,
        parameters=c.parameters,
        consent=c.consent,
        deadline=c.deadline,
        agencies=c.agencies,
        values=form_values(entry.content),
        entry_id=entry.id,
    )


@verb(SAVE_ENTRY_VERB, replay=_replay_own_entries)
async def save_entry(call: VerbCall) -> Card:
    s = call.services
    case_id, entry_id = case_id_of(call.data), entry_id_of(call.data)
    form = entry_values(call.data)
    try:
        await entries.edit_entry(
            uow=s.uow(call.activity_key), actor=call.actor, case_id=case_id, entry_id=entry_id, form=form, now=s.now()
        )
    except InvalidInput as invalid:
        return await _form_again(call, case_id, invalid, values=form, entry_id=entry_id)
    own = await entries.list_own(uow=s.uow(), actor=call.actor, case_id=case_id, now=s.now())
    return my_entries(
        own.case,
        own.entries,
        locked=own.locked,
        message="Your entry has been changed; the review team will verify it again.",
    )


@verb(WITHDRAW_ENTRY_VERB, replay=_replay_own_entries)
async def withdraw_entry(call: VerbCall) -> Card:
    s = call.services
    case_id = case_id_of(call.data)
    try:
        own = await entries.withdraw_entry(
            uow=s.uow(call.activity_key),
            actor=call.actor,
            case_id=case_id,
            entry_id=entry_id_of(call.data),
            now=s.now(),
        )
    except InvalidInput as invalid:
        own = await entries.list_own(uow=s.uow(), actor=call.actor, case_id=case_id, now=s.now())
        return my_entries(own.case, own.entries, locked=own.locked, message=invalid.field_errors.get("entryId"))
    return my_entries(
        own.case,
        own.entries,
        locked=own.locked,
        message="Withdrawn. It is no longer in the chronology but is kept for the record.",
    )


# --- The lead reviewer ----------------------------------------------------------------------------------------


def _page(found: MergedChronology, page: int, message: str | None = None) -> Card:
    return chronology_page(found.case, found.chronology, page=page, message=message)


async def _replay_chronology(call: VerbCall, case_id: int | None) -> Card:
    s = call.services
    found = await verification.get_chronology(uow=s.uow(), actor=call.actor, case_id=case_id_of(call.data), now=s.now())
    return _page(found, page_of(call.data), "This was already received.")


@verb(VIEW_CHRONOLOGY_VERB)
async def view_chronology(call: VerbCall) -> Card:
    s = call.services
    found = await verification.get_chronology(uow=s.uow(), actor=call.actor, case_id=case_id_of(call.data), now=s.now())
    return _page(found, page_of(call.data))


@verb(REVIEW_ENTRY_VERB)
async def review_entry(call: VerbCall) -> Card:
    s = call.services
    found, entry = await verification.get_entry(
        uow=s.uow(), actor=call.actor, case_id=case_id_of(call.data), entry_id=entry_id_of(call.data), now=s.now()
    )
    return _review_form(found, entry.id or 0, page_of(call.data))


def _review_form(
    found: MergedChronology,
    entry_id: int,
    page: int,
    *,
    values: dict[str, Any] | None = None,
    errors: dict[str, str] | None = None,
) -> Card:
    chronology = found.chronology
    number, entry = next((n, e) for n, e in enumerate(chronology.entries, 1) if e.id == entry_id)
    conflicts = [c for c in chronology.conflicts if entry in (c.first, c.second)]
    return review_form(found.case, entry, number=number, page=page, conflicts=conflicts, values=values, errors=errors)


@verb(SAVE_REVIEW_VERB, replay=_replay_chronology)
async def save_review(call: VerbCall) -> Card:
    s = call.services
    case_id, entry_id, page = case_id_of(call.data), entry_id_of(call.data), page_of(call.data)
    try:
        found, entry = await verification.review_entry(
            uow=s.uow(call.activity_key),
            actor=call.actor,
            case_id=case_id,
            entry_id=entry_id,
            form=call.data,
            now=s.now(),
        )
    except InvalidInput as invalid:
        current, _ = await verification.get_entry(
            uow=s.uow(), actor=call.actor, case_id=case_id, entry_id=entry_id, now=s.now()
        )
        if current.chronology.locked:
            return _page(current, page, next(iter(invalid.field_errors.values())))
        return _review_form(current, entry_id, page, values=call.data, errors=invalid.field_errors)
    number = next(n for n, e in enumerate(found.chronology.entries, 1) if e.id == entry.id)
    state = "verified" if entry.review.verified else "saved, not verified"
    return _page(found, page, f"Entry {number} {state}.")


@verb(CONFLICTS_VERB)
async def show_conflicts(call: VerbCall) -> Card:
    s = call.services
    found = await verification.get_chronology(uow=s.uow(), actor=call.actor, case_id=case_id_of(call.data), now=s.now())
    return conflicts_card(found.case, found.chronology, page=page_of(call.data))


@verb(LOCK_VERB, replay=_replay_chronology)
async def lock_chronology(call: VerbCall) -> Card:
    s = call.services
    case_id = case_id_of(call.data)
    try:
        found = await verification.lock_chronology(
            uow=s.uow(call.activity_key), actor=call.actor, case_id=case_id, now=s.now()
        )
    except InvalidInput as invalid:
        current = await verification.get_chronology(uow=s.uow(), actor=call.actor, case_id=case_id, now=s.now())
        return _page(current, page_of(call.data), invalid.field_errors.get("lock"))
    return _page(
        found, page_of(call.data), "The chronology is locked. Contributors can no longer add or change entries."
    )


async def _replay_document(call: VerbCall, case_id: int | None) -> Card:
    s = call.services
    found = await verification.get_chronology(uow=s.uow(), actor=call.actor, case_id=case_id_of(call.data), now=s.now())
    return document_on_its_way(found.case)


@verb(DOCUMENT_VERB, replay=_replay_document)
async def request_document(call: VerbCall) -> Card:
    s = call.services
    try:
        case = await verification.request_document(
            uow=s.uow(call.activity_key), actor=call.actor, case_id=case_id_of(call.data), now=s.now()
        )
    except InvalidInput as invalid:
        return message_card("No chronology document", invalid.field_errors.get("document", "Nothing was sent."))
    if call.data.get("page") is None:
        return document_on_its_way(case)  # asked for by command: a reply of its own
    # Pressed on the chronology card: stay on it, told where the document is going.
    found = await verification.get_chronology(uow=s.uow(), actor=call.actor, case_id=case.id or 0, now=s.now())
    return _page(found, page_of(call.data), "The Word chronology is being sent to you in a personal chat.")
