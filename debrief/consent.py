"""SIO consent: the debrief runs alongside a live investigation, so chronology collection waits for the SIO.

The SIO named on the case consents, consents with conditions (shown to every contributor), or says not yet
(with a reason). "Not yet" can be followed by consent later; each answer is kept.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime
from enum import StrEnum

from debrief import cases, clocks
from debrief.cases import existing
from debrief.errors import InvalidInput
from debrief.messages import Audience, MessageKind, OutboundMessage
from debrief.model import LONDON, Case, Person
from debrief.permissions import Actor, Permission, authorise
from debrief.ports import UnitOfWork

CONSENT_WORKING_DAYS = 2
"""Default clock (domain.md): the SIO answers within two working days of the request."""
MAX_TEXT = 2000


class ConsentAnswer(StrEnum):
    CONSENT = "consent"
    CONSENT_WITH_CONDITIONS = "consent_with_conditions"
    NOT_YET = "not_yet"

    @property
    def label(self) -> str:
        return {
            ConsentAnswer.CONSENT: "Consent given",
            ConsentAnswer.CONSENT_WITH_CONDITIONS: "Consent given with conditions",
            ConsentAnswer.NOT_YET: "Not yet",
        }[self]

    @property
    def allows_collection(self) -> bool:
        return self is not ConsentAnswer.NOT_YET


@dataclass(frozen=True)
class ConsentRecord:
    answer: ConsentAnswer
    by: Person
    at: datetime
    text: str | None = None
    """The conditions (with conditions) or the reason (not yet); None for plain consent."""


def consent_due(requested_at: datetime) -> date:
    return clocks.add_working_days(requested_at.astimezone(LONDON).date(), CONSENT_WORKING_DAYS)


def consent_due_for(case: Case) -> date:
    """Counted from the triage decision that accepted the case (when consent was asked for)."""
    decision = case.final_decision
    return consent_due(decision.decided_at if decision else case.nominated_at)


def collection_may_start(latest: ConsentRecord | None) -> bool:
    """Chronology collection starts only once the SIO has consented."""
    return latest is not None and latest.answer.allows_collection


async def record_consent(
    *, uow: UnitOfWork, actor: Actor, case_id: int, answer: ConsentAnswer, text: str | None, now: datetime
) -> tuple[Case, ConsentRecord]:
    async with uow:
        case = await existing(uow, case_id)
        await authorise(uow, actor, Permission.GIVE_CONSENT, case, now=now, justification=answer.value)
        case.require_debrief("conditions")
        latest = await uow.consents.latest(case_id)
        if latest is not None and latest.answer.allows_collection:
            return case, latest  # consent, once given, stands; the card shows it
        record = ConsentRecord(answer=answer, by=Person(actor.user_id, actor.name), at=now, text=_text(answer, text))
        await uow.consents.add(case_id, record)
        uow.outbox.add(OutboundMessage(MessageKind.CONSENT_RECORDED, case_id, Audience.CASE_THREAD))
        if record.answer.allows_collection:
            # The debrief's working cards appear in the case thread once it may go ahead.
            for card in (MessageKind.CONTRIBUTORS_CARD, MessageKind.PARTNERS_CARD, MessageKind.MEETING_CARD):
                uow.outbox.add(OutboundMessage(card, case_id, Audience.CASE_THREAD))
        uow.mark_processed(case_id)
        await uow.commit()
        return case, record


async def get_consent(
    *, uow: UnitOfWork, actor: Actor, case_id: int, now: datetime
) -> tuple[Case, ConsentRecord | None]:
    return await cases.get_with(
        uow=uow, actor=actor, case_id=case_id, now=now, read=lambda u: u.consents.latest(case_id)
    )


def _text(answer: ConsentAnswer, raw: str | None) -> str | None:
    text = (raw or "").strip()
    if answer is ConsentAnswer.CONSENT:
        return None
    field = "conditions" if answer is ConsentAnswer.CONSENT_WITH_CONDITIONS else "notYetReason"
    if not text:
        wanted = "the conditions contributors must follow" if field == "conditions" else "why not yet"
        raise InvalidInput({field: f"Say {wanted}."})
    if len(text) > MAX_TEXT:
        raise InvalidInput({field: f"Keep this to {MAX_TEXT} characters or fewer."})
    return text
