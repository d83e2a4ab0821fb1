"""Step 2 of the practice, continued: the lead reviewer defines what the debrief looks at.

The parameters bound everything that follows: which period of history, which people (by role only),
which agencies, which questions, and which parallel processes must not be pre-empted. They can be revised;
each revision is kept, and the audit record says which parts changed.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from enum import StrEnum

from debrief import cases
from debrief.cases import existing
from debrief.errors import InvalidInput
from debrief.fields import choices, parse_date
from debrief.messages import Audience, MessageKind, OutboundMessage
from debrief.model import LONDON, Case, Person
from debrief.permissions import Actor, Permission, authorise
from debrief.ports import UnitOfWork

AGENCIES = (
    "Police",
    "Probation Service",
    "NHS mental health trust",
    "Children's social care",
    "Adult social care",
    "Housing",
    "Domestic abuse service / IDVA",
    "Ambulance service",
    "GP / primary care",
    "Drug and alcohol service",
    "Education",
)


class ParallelProcess(StrEnum):
    """Reviews the debrief runs alongside and must not pre-empt (domain.md, "Overlaps to guard against")."""

    DARDR = "dardr"
    CSPR = "cspr"
    SAR = "sar"
    OWHR = "owhr"
    IOPC = "iopc"
    NHS_MENTAL_HEALTH = "nhs_mental_health"
    CORONER = "coroner"

    @property
    def label(self) -> str:
        return {
            ParallelProcess.DARDR: "Domestic Abuse Related Death Review",
            ParallelProcess.CSPR: "Child Safeguarding Practice Review",
            ParallelProcess.SAR: "Safeguarding Adults Review",
            ParallelProcess.OWHR: "Offensive Weapons Homicide Review",
            ParallelProcess.IOPC: "IOPC referral",
            ParallelProcess.NHS_MENTAL_HEALTH: "NHS mental-health homicide investigation",
            ParallelProcess.CORONER: "Coroner",
        }[self]


SUBJECT_ROLES = ("Victim", "Suspect", "Offender", "Child", "Adult", "Family member", "Associate")
# Subjects are recorded by role with a letter or number and nothing more: never a name.
_SUBJECT = re.compile(rf"(?:{'|'.join(SUBJECT_ROLES)}) (?:[A-Z]|[1-9][0-9]?)")
MAX_LOOK_BACK = timedelta(days=366 * 10)
MAX_QUESTIONS = 10
MAX_QUESTION_LENGTH = 300


@dataclass(frozen=True)
class Parameters:
    look_back_from: date
    look_back_to: date
    subjects: tuple[str, ...]
    agencies: tuple[str, ...]
    questions: tuple[str, ...]
    parallel_processes: frozenset[ParallelProcess] = field(default_factory=frozenset)

    def changed_parts(self, before: Parameters | None) -> tuple[str, ...]:
        """Which parts differ from the previous revision: what the audit record says changed."""
        if before is None:
            return ("all",)
        parts = []
        if (self.look_back_from, self.look_back_to) != (before.look_back_from, before.look_back_to):
            parts.append("look-back window")
        for name in ("subjects", "agencies", "questions"):
            if getattr(self, name) != getattr(before, name):
                parts.append(name)
        if self.parallel_processes != before.parallel_processes:
            parts.append("parallel processes")
        return tuple(parts)


@dataclass(frozen=True)
class ParametersRevision:
    revision: int
    parameters: Parameters
    set_by: Person
    set_at: datetime
    changed: tuple[str, ...]


PARAMETER_FIELDS = ("lookBackFrom", "lookBackTo", "subjects", "agencies", "questions", "parallelProcesses")


def parse_parameters(form: dict[str, object], *, case: Case) -> Parameters:
    """Turn the parameters card's fields into Parameters, or say what is wrong with each field."""
    errors: dict[str, str] = {}

    def text(name: str) -> str:
        value = form.get(name)
        return value.strip() if isinstance(value, str) else ""

    incident_day = case.nomination.incident_at.astimezone(LONDON).date()
    start = parse_date(text("lookBackFrom"))
    end = parse_date(text("lookBackTo")) if text("lookBackTo") else incident_day
    if start is None:
        errors["lookBackFrom"] = "Enter the first date the debrief looks back to, for example 2025-11-20."
    if end is None:
        errors["lookBackTo"] = (
            "Enter the end of the look-back window as a date, or leave it empty for the incident date."
        )
    elif end > incident_day:
        errors["lookBackTo"] = "The look-back window ends on or before the incident date."
    if start is not None and end is not None and "lookBackTo" not in errors:
        if start > end:
            errors["lookBackFrom"] = "The look-back window must start before it ends."
        elif end - start > MAX_LOOK_BACK:
            errors["lookBackFrom"] = "Keep the look-back window to ten years or less."

    subjects = _lines(text("subjects"))
    if not subjects:
        errors["subjects"] = "Name at least one subject by role, for example Victim A."
    elif bad := [s for s in subjects if not _SUBJECT.fullmatch(s)]:
        errors["subjects"] = (
            f"Record subjects by role and letter only, for example Victim A or Suspect B (not {bad[0]!r}). "
            f"Roles: {', '.join(SUBJECT_ROLES)}."
        )
    elif len(set(subjects)) != len(subjects):
        errors["subjects"] = "Each subject appears once."

    agencies = tuple(a for a in choices(form.get("agencies")) if a)
    if not agencies:
        errors["agencies"] = "Choose at least one agency in scope."
    elif unknown := [a for a in agencies if a not in AGENCIES]:
        errors["agencies"] = f"Choose agencies from the list ({unknown[0]!r} is not on it)."

    questions = _lines(text("questions"))
    if not questions:
        errors["questions"] = "Write at least one key question the debrief should answer, one per line."
    elif len(questions) > MAX_QUESTIONS:
        errors["questions"] = f"Keep to {MAX_QUESTIONS} key questions or fewer."
    elif any(len(q) > MAX_QUESTION_LENGTH for q in questions):
        errors["questions"] = f"Keep each question to {MAX_QUESTION_LENGTH} characters or fewer."

    processes: set[ParallelProcess] = set()
    for raw in choices(form.get("parallelProcesses")):
        try:
            processes.add(ParallelProcess(raw))
        except ValueError:
            errors["parallelProcesses"] = "Choose parallel processes from the list."

    if errors:
        raise InvalidInput(errors)
    assert start is not None and end is not None
    return Parameters(
        look_back_from=start,
        look_back_to=end,
        subjects=subjects,
        agencies=agencies,
        questions=questions,
        parallel_processes=frozenset(processes),
    )


async def set_parameters(
    *, uow: UnitOfWork, actor: Actor, case_id: int, form: dict[str, object], now: datetime
) -> tuple[Case, ParametersRevision]:
    """Save a new revision of the parameters; the case thread's parameters card shows it to everyone."""
    async with uow:
        case = await existing(uow, case_id)
        previous = await uow.parameters.latest(case_id)
        problem: InvalidInput | None = None
        try:
            parameters = parse_parameters(form, case=case)
            changed = parameters.changed_parts(previous.parameters if previous else None)
        except InvalidInput as invalid:
            problem, changed = invalid, ()
        await authorise(uow, actor, Permission.SET_PARAMETERS, case, now=now, justification=", ".join(changed) or None)
        case.require_debrief("lookBackFrom")
        if problem is not None:
            raise problem
        if not changed:
            raise InvalidInput({"lookBackFrom": "Nothing has changed since the last revision."})
        revision = ParametersRevision(
            revision=(previous.revision + 1) if previous else 1,
            parameters=parameters,
            set_by=Person(actor.user_id, actor.name),
            set_at=now,
            changed=changed,
        )
        await uow.parameters.add(case_id, revision)
        uow.outbox.add(OutboundMessage(MessageKind.PARAMETERS_CARD, case_id, Audience.CASE_THREAD))
        uow.mark_processed(case_id)
        await uow.commit()
        return case, revision


async def get_parameters(
    *, uow: UnitOfWork, actor: Actor, case_id: int, now: datetime
) -> tuple[Case, ParametersRevision | None]:
    return await cases.get_with(
        uow=uow, actor=actor, case_id=case_id, now=now, read=lambda u: u.parameters.latest(case_id)
    )


def _lines(raw: str) -> tuple[str, ...]:
    return tuple(" ".join(line.split()) for line in raw.splitlines() if line.strip())
