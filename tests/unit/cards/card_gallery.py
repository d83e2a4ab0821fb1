"""Every card the project builds, in each of its states: the schema test walks this list."""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, date, datetime, time, timedelta
from typing import Any

from bot.verbs import message_card
from cards.actions import REQUEST_DUE_DATE_VERB, action_assigned, action_card, action_escalated, action_reminder
from cards.chronology import (
    choose_case,
    chronology_page,
    conflicts_card,
    contribution_reminder,
    document_link,
    document_on_its_way,
    entry_form,
    entry_saved,
    my_entries,
    review_form,
)
from cards.common import Card
from cards.consent import consent_recorded, consent_request
from cards.contributors import contributors_card, invitation
from cards.delivery import delivery_blocked
from cards.help import help_card
from cards.meetings import meeting_card, meeting_file_link, meeting_file_on_its_way
from cards.nomination import nomination_form, nomination_received
from cards.outcomes import changes_requested, outcome_card, outcome_circulated, sign_off_request
from cards.parameters import parameters_card
from cards.partners import partner_invitation, partner_invitation_reminder, partner_view, partners_card
from cards.triage import answer_sent, triage_card, triage_outcome_for_nominator
from debrief.actions import MAX_NOTE, ActionRequest, ActionView, RequestKind, RequestState
from debrief.chronology import (
    ChronologyEntry,
    ChronologyLock,
    ContactType,
    EntryContent,
    InformationType,
    Precision,
    Review,
    RiskAssessment,
    RiskGrade,
    form_values,
    merge,
)
from debrief.consent import ConsentAnswer, ConsentRecord
from debrief.contributors import Contributor
from debrief.learning import (
    MAX_ACTION,
    MAX_TEXT,
    Action,
    ActionStatus,
    LearningKind,
    LearningPoint,
    Outcome,
    Priority,
    Recommendation,
    Route,
    SignOff,
    SignOffState,
)
from debrief.meetings import MAX_ATTENDEES, Meeting, suggested_date
from debrief.messages import MessageKind
from debrief.model import (
    LONDON,
    Case,
    CaseStatus,
    Harm,
    IncidentContext,
    Nomination,
    NominationRules,
    OffenceType,
    Person,
    TriageDecision,
    TriageOutcome,
)
from debrief.parameters import ParametersRevision, parse_parameters
from debrief.partners import (
    DEFAULT_AGREEMENT,
    MAX_SUMMARY,
    InvitationStatus,
    PartnerInvitation,
    PartnerSummary,
    answer_by,
)
from debrief.permissions import Role
from tests.support.forms import parameters_form
from tests.support.people import CASEY, DIRECTORY, JORDAN, MORGAN, OWEN, PRIYA, RUTH, TOM
from tests.unit.cards.oversight_gallery import oversight_cards
from tests.unit.cards.retention_gallery import retention_cards

NOW = datetime(2026, 11, 26, 10, 0, tzinfo=UTC)
DUE = date(2026, 11, 27)
REVIEW_TEAM = DIRECTORY.people_with(Role.REVIEW_TEAM)


def a_case(status: CaseStatus = CaseStatus.NOMINATED) -> Case:
    nomination = Nomination(
        incident_reference="CR/100200/26",
        operation_name="Operation Kestrel",
        incident_at=NOW - timedelta(days=6),
        offence_type=OffenceType.ATTEMPTED_MURDER,
        context=IncidentContext.DOMESTIC,
        harm=Harm.NEAR_MISS,
        policing_area="North District",
        dmm_date=date(2026, 11, 21),
        scope_reason="Victim A had three domestic abuse reports in the past year.",
        sio=RUTH,
    )
    case = Case(nomination=nomination, nominator=JORDAN, nominated_at=NOW, case_number="RD-2026-0001", id=1)
    decided = NOW + timedelta(hours=2)
    decision = {
        CaseStatus.ACCEPTED: TriageDecision(TriageOutcome.ACCEPT, PRIYA, decided, lead_reviewer=OWEN),
        CaseStatus.DECLINED: TriageDecision(TriageOutcome.DECLINE, PRIYA, decided, reason="Outside scope."),
        CaseStatus.MERGED: TriageDecision(TriageOutcome.MERGE, PRIYA, decided, merged_into_case_number="RD-2026-0002"),
        CaseStatus.INFORMATION_REQUESTED: TriageDecision(
            TriageOutcome.REQUEST_INFORMATION, PRIYA, decided, reason="Was MARAC involved?"
        ),
    }.get(status)
    if decision is not None:
        case.decisions.append(decision)
        case.status = status
        case.lead_reviewer = decision.lead_reviewer
    return case


def every_card() -> dict[str, Card]:
    sios = DIRECTORY.people_with(Role.SIO)
    rules = NominationRules()
    cards: dict[str, Card] = {
        "help": help_card(),
        "message": message_card("Not found", "That case no longer exists."),
        "nomination form": nomination_form(sios=sios, rules=rules, today=NOW.date()),
        "nomination form with errors": nomination_form(
            sios=sios,
            rules=rules,
            today=NOW.date(),
            values={"incidentReference": "CR/1", "harm": "near_miss", "scopeReason": "short"},
            errors={"incidentReference": "Use the force's reference format.", "scopeReason": "Say more."},
        ),
        "nomination received": nomination_received(a_case(), triage_due=DUE),
        "triage with errors": triage_card(
            a_case(),
            review_team=REVIEW_TEAM,
            triage_due=DUE,
            message="Nothing has been decided yet.",
            errors={"declineReason": "Give the reason."},
        ),
    }
    answered = a_case(CaseStatus.INFORMATION_REQUESTED)
    answered.answer_information_request(
        TriageDecision(TriageOutcome.INFORMATION_PROVIDED, JORDAN, NOW + timedelta(hours=3), reason="Yes, in March.")
    )
    cards["triage with an answer"] = triage_card(answered, review_team=REVIEW_TEAM, triage_due=DUE)
    cards["answer sent"] = answer_sent(answered)
    cards["question with errors"] = triage_outcome_for_nominator(
        a_case(CaseStatus.INFORMATION_REQUESTED), errors={"answer": "Write your answer."}, values={"answer": " "}
    )
    accepted = a_case(CaseStatus.ACCEPTED)
    revision = ParametersRevision(
        revision=2,
        parameters=parse_parameters(parameters_form(), case=accepted),
        set_by=OWEN,
        set_at=NOW + timedelta(days=1),
        changed=("subjects", "questions"),
    )
    cards["parameters, none yet"] = parameters_card(accepted, None)
    cards["parameters"] = parameters_card(accepted, revision, message="Saved as revision 2.")
    cards["parameters with errors"] = parameters_card(
        accepted,
        revision,
        message="Nothing has been saved.",
        errors={"subjects": "By role only."},
        values={"subjects": "Victim A", "agencies": "Police"},
    )
    not_yet = ConsentRecord(ConsentAnswer.NOT_YET, RUTH, NOW, "Charging decision due on Friday.")
    given = ConsentRecord(ConsentAnswer.CONSENT_WITH_CONDITIONS, RUTH, NOW, "No contact with the family.")
    cards["consent request"] = consent_request(accepted, None, due=DUE)
    cards["consent request, not yet, with errors"] = consent_request(
        accepted, not_yet, due=DUE, errors={"conditions": "Say the conditions."}, values={"conditions": " "}
    )
    cards["consent request, answered"] = consent_request(accepted, given, due=DUE)
    cards["consent recorded"] = consent_recorded(accepted, given)
    contributor = Contributor(JORDAN, OWEN, NOW, DUE)
    cards["contributors, none yet"] = contributors_card(accepted, [], officers=DIRECTORY.officers())
    cards["contributors with errors"] = contributors_card(
        accepted,
        [contributor],
        officers=DIRECTORY.officers(),
        message="Nobody has been invited.",
        errors={"contributorIds": "Choose officers from the list."},
    )
    cards["invitation with conditions"] = invitation(accepted, contributor, revision, given)
    cards["invitation before parameters"] = invitation(accepted, contributor, None, None)
    cards["delivery blocked"] = delivery_blocked(accepted, person=JORDAN.name, blocked=MessageKind.CONTRIBUTOR_INVITED)
    cards["delivery blocked, no lead reviewer"] = delivery_blocked(
        a_case(CaseStatus.DECLINED), person=JORDAN.name, blocked=MessageKind.TRIAGE_OUTCOME
    )
    cards.update(chronology_cards(accepted, revision, given))
    cards.update(partner_cards(accepted, revision))
    cards.update(meeting_cards(accepted))
    cards.update(outcome_cards(accepted))
    cards.update(action_cards())
    cards.update(action_reminder_cards())
    cards.update(oversight_cards())
    cards.update(retention_cards())
    for status in CaseStatus:
        cards[f"triage {status.value}"] = triage_card(a_case(status), review_team=REVIEW_TEAM, triage_due=DUE)
        if status is not CaseStatus.NOMINATED:
            cards[f"outcome {status.value}"] = triage_outcome_for_nominator(a_case(status))
    return cards


# --- The chronology --------------------------------------------------------------------------------------------

LONG_SUMMARY = (
    "Call from Victim A reporting that Suspect B had damaged the front door and would not leave the address. "
    "Officers attended within the hour; Suspect B had left. Victim A described months of controlling behaviour, "
    "including checking the phone and limiting money. A DASH was completed and graded medium. Victim A declined "
    "to make a statement at the time. Words repeated to reach the limit: "
) + "record " * 260


def an_entry(
    entry_id: int,
    day: date,
    *,
    at: time | None = time(21, 40),
    precision: Precision = Precision.EXACT,
    contact: ContactType = ContactType.CALL_999,
    summary: str = "Victim A called 999 to report Suspect B shouting outside the address; officers attended.",
    subjects: tuple[str, ...] = ("Victim A", "Suspect B"),
    agency: str = "Police",
    reference: str | None = None,
    grade: RiskGrade | None = None,
    missed: bool = False,
    contributor: tuple[str, str] | None = None,
    review: Review | None = None,
) -> ChronologyEntry:
    """A fictional chronology entry, as a contributor would record it."""
    content = EntryContent(
        event_date=day,
        event_time=None if precision is Precision.DATE_ONLY else at,
        precision=precision,
        source_agency=agency,
        source_system="Command and control log" if agency == "Police" else "Case management record",
        source_reference=reference,
        contact_type=contact,
        subjects=subjects,
        summary=summary,
        information_type=InformationType.FACT,
        risk_assessment=RiskAssessment("DASH", grade, day) if grade is not None else None,
        action_and_outcome="Officers attended and gave safety advice; a referral was made to the IDVA service.",
        missed_opportunity=missed,
        missed_opportunity_rationale="A second DASH was not completed after the repeat call." if missed else None,
    )
    return ChronologyEntry(
        case_id=1,
        content=content,
        contributor=JORDAN,
        recorded_at=NOW + timedelta(days=1, minutes=entry_id),
        id=entry_id,
        review=review or Review(),
    )


def sample_entries() -> list[ChronologyEntry]:
    """Four contacts over the look-back window: two accounts of one call that disagree, gaps between them."""
    verified = Review(verified_by=OWEN, verified_at=NOW + timedelta(days=2), themes=("Risk assessment and grading",))
    first = an_entry(1, date(2026, 1, 12), reference="CAD 1234 12/01/26", grade=RiskGrade.MEDIUM, review=verified)
    second = replace(
        an_entry(
            2,
            date(2026, 1, 12),
            at=time(23, 10),
            precision=Precision.APPROXIMATE,
            reference="CAD-1234-12/01/26",
            grade=RiskGrade.HIGH,
            summary="Suspect B was reported to have threatened Victim A; the call was graded for a response.",
        ),
        contributor=TOM,
    )
    marac = an_entry(
        3,
        date(2026, 3, 3),
        precision=Precision.DATE_ONLY,
        contact=ContactType.MARAC,
        agency="Probation Service",
        subjects=("Victim A",),
        summary="Victim A's case was heard at MARAC; actions were agreed for probation and housing.",
        review=Review(good_practice=True, themes=("Multi-agency working (MARAC/MAPPA)", "Good practice")),
    )
    missed = an_entry(
        4,
        date(2026, 6, 20),
        at=time(10, 5),
        contact=ContactType.S136,
        subjects=("Suspect B",),
        summary=LONG_SUMMARY[:1990],
        missed=True,
    )
    return [first, second, marac, missed]


def many_entries(count: int, *, start: date = date(2025, 11, 21)) -> list[ChronologyEntry]:
    """Enough fictional entries for several pages, a few days apart."""
    return [
        an_entry(
            n,
            start + timedelta(days=(n * 3) % 360),
            at=time(n % 24, n % 60),
            contact=list(ContactType)[n % len(ContactType)],
            summary=LONG_SUMMARY[: 200 + (n % 5) * 300],
        )
        for n in range(1, count + 1)
    ]


def conflicting_pairs(count: int) -> list[ChronologyEntry]:
    """`count` pairs of accounts of the same call that disagree on the risk grade."""
    entries = []
    for n in range(count):
        day = date(2026, 1, 1) + timedelta(days=n)
        reference = f"CAD {n:04d}"
        entries.append(an_entry(2 * n + 1, day, reference=reference, grade=RiskGrade.MEDIUM, summary=LONG_SUMMARY))
        entries.append(an_entry(2 * n + 2, day, reference=reference, grade=RiskGrade.HIGH, summary=LONG_SUMMARY))
    return entries


def chronology_cards(accepted: Case, revision: ParametersRevision, given: ConsentRecord) -> dict[str, Card]:
    deadline = date(2026, 12, 3)
    entries = sample_entries()
    parameters = revision.parameters
    chronology = merge(entries, parameters=parameters, lock=None)
    lock = ChronologyLock(OWEN, NOW + timedelta(days=8))
    locked = merge(entries, parameters=parameters, lock=lock)
    long = merge(many_entries(25), parameters=parameters, lock=None)
    crowded = merge(conflicting_pairs(25), parameters=parameters, lock=None)
    edited = replace(entries[1], updated_at=NOW + timedelta(days=3), version=2)
    withdrawn = replace(entries[2], withdrawn_at=NOW + timedelta(days=3))
    second = Case(
        nomination=replace(accepted.nomination, incident_reference="CR/100300/26", operation_name=None),
        nominator=JORDAN,
        nominated_at=NOW,
        case_number="RD-2026-0002",
        id=2,
    )
    return {
        "entry form": entry_form(accepted, parameters=revision, consent=given, deadline=deadline),
        "entry form before parameters": entry_form(accepted, parameters=None, consent=None, deadline=None),
        "entry form with errors": entry_form(
            accepted,
            parameters=revision,
            consent=given,
            deadline=deadline,
            values={"eventDate": "2027-01-01", "summary": "Short", "missedOpportunity": "true", "subjects": "Victim A"},
            errors={"eventDate": "The date of the contact cannot be in the future.", "summary": "Write more."},
        ),
        "entry form, editing": entry_form(
            accepted,
            parameters=revision,
            consent=None,
            deadline=deadline,
            values=form_values(entries[0].content),
            entry_id=1,
            message="This entry was changed meanwhile; here is the latest version.",
        ),
        "entry form in a dialog": entry_form(
            accepted,
            parameters=revision,
            consent=given,
            deadline=deadline,
            values={"summary": "Victim A called 101 about Suspect B."},
            in_dialog=True,
        ),
        "entry saved": entry_saved(accepted, entries[0], yours=1, deadline=deadline),
        "entry saved, changed": entry_saved(accepted, edited, yours=3, deadline=None),
        "my entries": my_entries(accepted, [entries[0], withdrawn, entries[3]], locked=False, message="Withdrawn."),
        "my entries, locked": my_entries(accepted, [entries[0], withdrawn], locked=True),
        "my entries, none yet": my_entries(accepted, [], locked=False),
        "my entries, many": my_entries(accepted, many_entries(30), locked=False),
        "chronology page": chronology_page(accepted, chronology, page=1, message="Review saved for entry 2."),
        "chronology page, locked": chronology_page(accepted, locked, page=1),
        "chronology page, empty": chronology_page(accepted, merge([], parameters=parameters, lock=None), page=1),
        "chronology page, middle": chronology_page(accepted, long, page=2),
        "chronology page, last": chronology_page(accepted, long, page=3),
        "review form": review_form(accepted, entries[2], number=3, page=1, conflicts=()),
        "review form with a conflict": review_form(
            accepted, entries[0], number=1, page=1, conflicts=chronology.conflicts
        ),
        "review form with errors": review_form(
            accepted,
            entries[3],
            number=4,
            page=1,
            conflicts=(),
            values={"verified": "true", "themes": "Weapons"},
            errors={"themes": "Choose themes from the list."},
        ),
        "conflicts": conflicts_card(accepted, chronology, page=1),
        "conflicts, none": conflicts_card(accepted, long, page=1),
        "conflicts, more than 20": conflicts_card(accepted, crowded, page=1),
        "document on its way": document_on_its_way(accepted),
        "document link": document_link(
            accepted, url="https://debrief.example.invalid/documents/once/abc123", expires_at=NOW + timedelta(hours=1)
        ),
        "choose case": choose_case([accepted, second], summary="Victim A called 101 about Suspect B at 21:40."),
        "choose case, none open": choose_case([], summary="Victim A called 101."),
        "contribution reminder": contribution_reminder(accepted, deadline=deadline, on_the_day=False),
        "contribution reminder on the day": contribution_reminder(accepted, deadline=deadline, on_the_day=True),
    }


# --- Partner agencies ------------------------------------------------------------------------------------------

SAM = Person("00000000-0000-4000-8000-0000000000b1", "Sam Rivers")  # fictional housing officer
ALEX = Person("00000000-0000-4000-8000-0000000000b2", "Alex Moss")  # fictional probation officer
DEV = Person("00000000-0000-4000-8000-0000000000b3", "Dev Kaur")  # fictional mental health nurse
PARTNER_SUMMARY = PartnerSummary(
    text=(
        "Victim A, an adult, was seriously injured at home in November 2026; Suspect B, a former partner, has been "
        "arrested. Over the past year Victim A had contact with several agencies about domestic abuse. The debrief "
        "asks each agency what its records show about those contacts, by role only, so that the learning can be "
        "found together."
    ),
    approved_by=OWEN,
    approved_at=NOW + timedelta(days=1),
    revision=2,
)
CONTACTS: dict[str, tuple[Person, str]] = {
    MORGAN.user_id: (MORGAN, "Probation Service"),
    SAM.user_id: (SAM, "Housing"),
    ALEX.user_id: (ALEX, "Probation Service"),
    DEV.user_id: (DEV, "NHS mental health trust"),
}


def a_partner_invitation(
    contact: Person = MORGAN,
    agency: str = "Probation Service",
    *,
    invitation_id: int = 1,
    status: InvitationStatus = InvitationStatus.INVITED,
    invited_at: datetime = NOW + timedelta(days=1),
    decline_reason: str | None = None,
    delegated_to: Person | None = None,
) -> PartnerInvitation:
    """A fictional invitation, in the state asked for."""
    invitation = PartnerInvitation(
        case_id=1,
        agency=agency,
        contact=contact,
        invited_by=OWEN,
        invited_at=invited_at,
        answer_by=answer_by(invited_at),
        agreement=DEFAULT_AGREEMENT,
        id=invitation_id,
        status=status,
    )
    if status is not InvitationStatus.INVITED:
        invitation.answered_at = invited_at + timedelta(hours=3)
    if status is InvitationStatus.ACCEPTED:
        invitation.access_until = invited_at + timedelta(days=60)
    invitation.decline_reason = decline_reason
    invitation.delegated_to = delegated_to
    return invitation


def every_invitation_state() -> list[PartnerInvitation]:
    return [
        a_partner_invitation(MORGAN, invitation_id=1),
        a_partner_invitation(ALEX, invitation_id=2, status=InvitationStatus.ACCEPTED),
        a_partner_invitation(SAM, "Housing", invitation_id=3, invited_at=NOW - timedelta(days=20)),
        a_partner_invitation(
            DEV,
            "NHS mental health trust",
            invitation_id=4,
            status=InvitationStatus.DECLINED,
            decline_reason="The trust had no contact with Victim A or Suspect B in the period.",
        ),
        a_partner_invitation(
            CASEY, "Adult social care", invitation_id=5, status=InvitationStatus.DELEGATED, delegated_to=SAM
        ),
        a_partner_invitation(TOM, "Children's social care", invitation_id=6, status=InvitationStatus.DECLINED),
    ]


def a_meeting(
    *, starts_at: datetime = datetime(2026, 12, 4, 10, 0, tzinfo=LONDON), join_url: str | None = None
) -> Meeting:
    return Meeting(
        case_id=1,
        starts_at=starts_at,
        duration_minutes=90,
        attendees=(OWEN, PRIYA, RUTH, JORDAN, MORGAN),
        scheduled_by=OWEN,
        scheduled_at=NOW + timedelta(days=1),
        location="Conference room 2, Northgate police station",
        join_url=join_url,
    )


def partner_cards(accepted: Case, revision: ParametersRevision) -> dict[str, Card]:
    later = NOW + timedelta(days=2)
    invitations = every_invitation_state()
    meeting = a_meeting(join_url="https://teams.example.invalid/l/meetup-join/abc")
    partner_entries = [
        replace(
            an_entry(n, date(2026, 3, n), agency="Probation Service", contact=ContactType.PROBATION), contributor=MORGAN
        )
        for n in range(1, 4)
    ]
    many_contacts = {
        f"00000000-0000-4000-8000-0000000001{n:02d}": (
            Person(f"00000000-0000-4000-8000-0000000001{n:02d}", f"Partner Contact {n}"),
            "Domestic abuse service / IDVA",
        )
        for n in range(30)
    }
    many_invitations = [
        a_partner_invitation(
            Person(f"00000000-0000-4000-8000-0000000002{n:02d}", f"Invited Contact {n}"),
            "Drug and alcohol service",
            invitation_id=100 + n,
            status=list(InvitationStatus)[n % len(InvitationStatus)],
            decline_reason="No record of contact in the period." if n % 4 == 2 else None,
            delegated_to=SAM if n % 4 == 3 else None,
        )
        for n in range(15)
    ]
    full_summary = replace(PARTNER_SUMMARY, text=("Victim A had contact with several agencies. " * 80)[:MAX_SUMMARY])
    colleagues = {ALEX.user_id: ALEX, MORGAN.user_id: MORGAN}

    def invited(invitation: PartnerInvitation) -> Card:
        return partner_invitation(
            case_number=accepted.case_number,
            invitation=invitation,
            summary=PARTNER_SUMMARY,
            meeting=meeting,
            colleagues=colleagues,
            now=later,
        )

    return {
        "partners, no summary yet": partners_card(accepted, summary=None, invitations=[], contacts=CONTACTS, now=later),
        "partners, none invited": partners_card(
            accepted, summary=PARTNER_SUMMARY, invitations=[], contacts=CONTACTS, now=later, message="Approved."
        ),
        "partners with invitations": partners_card(
            accepted, summary=PARTNER_SUMMARY, invitations=invitations, contacts=CONTACTS, now=later
        ),
        "partners with errors": partners_card(
            accepted,
            summary=None,
            invitations=[],
            contacts=CONTACTS,
            now=later,
            message="Nothing has been saved yet.",
            errors={"partnerSummary": "Write a short summary for partners."},
            values={"partnerSummary": "Too short"},
        ),
        "partners, invite with errors": partners_card(
            accepted,
            summary=PARTNER_SUMMARY,
            invitations=[],
            contacts=CONTACTS,
            now=later,
            message="Nobody has been invited.",
            errors={"contactIds": "Choose partner contacts from the list.", "agreement": "Name the agreement."},
            values={"contactIds": SAM.user_id, "agreement": " "},
        ),
        "partners, everyone invited": partners_card(
            accepted,
            summary=PARTNER_SUMMARY,
            invitations=[a_partner_invitation(MORGAN, invitation_id=1)],
            contacts={MORGAN.user_id: CONTACTS[MORGAN.user_id]},
            now=later,
        ),
        "partners, many": partners_card(
            accepted, summary=full_summary, invitations=many_invitations, contacts=many_contacts, now=later
        ),
        "partner invitation": invited(a_partner_invitation()),
        "partner invitation, no meeting yet, no colleagues": partner_invitation(
            case_number=accepted.case_number,
            invitation=a_partner_invitation(),
            summary=full_summary,
            meeting=None,
            colleagues={},
            now=later,
        ),
        "partner invitation with errors": partner_invitation(
            case_number=accepted.case_number,
            invitation=a_partner_invitation(),
            summary=PARTNER_SUMMARY,
            meeting=None,
            colleagues=colleagues,
            now=later,
            message="Nothing has been answered yet.",
            errors={
                "acknowledged": "Tick to confirm you will handle this as OFFICIAL-SENSITIVE.",
                "declineReason": "Keep the reason to 1000 characters or fewer.",
            },
            values={"declineReason": "x" * 20, "delegateTo": ALEX.user_id},
        ),
        "partner invitation, accepted": invited(a_partner_invitation(status=InvitationStatus.ACCEPTED)),
        "partner invitation, access ended": partner_invitation(
            case_number=accepted.case_number,
            invitation=a_partner_invitation(status=InvitationStatus.ACCEPTED),
            summary=PARTNER_SUMMARY,
            meeting=meeting,
            colleagues=colleagues,
            now=later + timedelta(days=90),
        ),
        "partner invitation, declined": invited(
            a_partner_invitation(
                status=InvitationStatus.DECLINED, decline_reason="We had no contact with either person."
            )
        ),
        "partner invitation, declined without a reason": invited(
            a_partner_invitation(status=InvitationStatus.DECLINED)
        ),
        "partner invitation, delegated": invited(
            a_partner_invitation(status=InvitationStatus.DELEGATED, delegated_to=ALEX)
        ),
        "partner invitation, expired": invited(a_partner_invitation(invited_at=NOW - timedelta(days=20))),
        "partner invitation reminder": partner_invitation_reminder(
            case_number=accepted.case_number, invitation=a_partner_invitation()
        ),
        "partner view": partner_view(
            case_number=accepted.case_number,
            agency="Probation Service",
            summary=PARTNER_SUMMARY,
            entries=partner_entries,
            meeting=meeting,
            access_until=later + timedelta(days=60),
            case_id=1,
        ),
        "partner view, nothing yet": partner_view(
            case_number=accepted.case_number,
            agency="Probation Service",
            summary=None,
            entries=[],
            meeting=None,
            access_until=None,
            case_id=1,
        ),
        "partner view, many entries": partner_view(
            case_number=accepted.case_number,
            agency="Probation Service",
            summary=full_summary,
            entries=many_entries(40),
            meeting=a_meeting(),
            access_until=later + timedelta(days=60),
            case_id=1,
        ),
        "entry form for a partner": entry_form(
            accepted, parameters=revision, consent=None, deadline=None, agencies=("Probation Service",)
        ),
    }


# --- The debrief meeting ---------------------------------------------------------------------------------------


def eligible_people() -> dict[str, tuple[Person, str]]:
    return {
        OWEN.user_id: (OWEN, "Review team"),
        PRIYA.user_id: (PRIYA, "Review team"),
        CASEY.user_id: (CASEY, "Review team"),
        RUTH.user_id: (RUTH, "SIO"),
        JORDAN.user_id: (JORDAN, "Contributor"),
        TOM.user_id: (TOM, "Contributor"),
        MORGAN.user_id: (MORGAN, "Partner · Probation Service"),
    }


def meeting_cards(accepted: Case) -> dict[str, Card]:
    eligible = eligible_people()
    suggested = suggested_date(accepted, today=NOW.date())
    scheduled = a_meeting()
    online = a_meeting(join_url="https://teams.example.invalid/l/meetup-join/abc")
    during = scheduled.starts_at + timedelta(minutes=30)
    recorded = a_meeting()
    recorded.record_attendance((OWEN, RUTH, MORGAN), by=OWEN, now=recorded.ends_at + timedelta(hours=1))
    crowd = {
        f"00000000-0000-4000-8000-0000000003{n:02d}": (
            Person(f"00000000-0000-4000-8000-0000000003{n:02d}", f"Attendee Number {n}"),
            "Partner · Domestic abuse service / IDVA",
        )
        for n in range(MAX_ATTENDEES)
    }
    big = replace(
        a_meeting(join_url="https://teams.example.invalid/l/meetup-join/abc"),
        attendees=tuple(p for p, _ in crowd.values()),
    )

    def card(
        meeting: Meeting | None,
        now: datetime = NOW,
        *,
        message: str | None = None,
        errors: dict[str, str] | None = None,
        values: dict[str, object] | None = None,
    ) -> Card:
        return meeting_card(
            accepted,
            meeting,
            eligible=eligible,
            suggested=suggested,
            now=now,
            message=message,
            errors=errors,
            values=values,
        )

    return {
        "meeting form": card(None),
        "meeting form with errors": card(
            None,
            message="Nothing is scheduled yet.",
            errors={"meetingDate": "Choose a working day.", "attendeeIds": "Choose the attendees."},
            values={"meetingDate": "2026-12-05", "meetingTime": "09:30", "durationMinutes": "60", "location": "Room 1"},
        ),
        "meeting form, nobody eligible": meeting_card(accepted, None, eligible={}, suggested=suggested, now=NOW),
        "meeting scheduled": card(scheduled, message="The meeting is scheduled; invitations are on their way."),
        "meeting scheduled online": card(online),
        "meeting change with errors": card(
            online, errors={"meetingDate": "The meeting must be in the future."}, values={"meetingDate": "2026-11-01"}
        ),
        "meeting started": card(online, during),
        "meeting attendance with errors": card(
            scheduled, during, errors={"attended": "Tick everyone who attended."}, values={"attended": ""}
        ),
        "meeting attendance recorded": card(recorded, recorded.ends_at + timedelta(hours=2), message="Recorded."),
        "meeting, many attendees": meeting_card(accepted, big, eligible=crowd, suggested=suggested, now=NOW),
        "meeting, many attendees, started": meeting_card(
            accepted, big, eligible={**eligible, **crowd}, suggested=suggested, now=big.starts_at
        ),
        "meeting file on its way": meeting_file_on_its_way(accepted, what="agenda pack"),
        "meeting file link": meeting_file_link(
            accepted,
            what="calendar invitation",
            url="https://debrief.example.invalid/documents/once/def456",
            expires_at=NOW + timedelta(minutes=10),
        ),
    }


# --- Learning and actions --------------------------------------------------------------------------------------

AFTER_MEETING = datetime(2026, 12, 7, 9, 0, tzinfo=UTC)
OWNERS = {p.user_id: p for p in (TOM, PRIYA, OWEN, CASEY)}


def an_outcome(*, version: int = 7, sign_off: SignOff | None = None, circulated_at: datetime | None = None) -> Outcome:
    """Fictional learning, recommendations and actions from a debrief, worded for learning, not blame."""
    at = AFTER_MEETING - timedelta(days=1)
    learning = (
        LearningPoint(
            1,
            "Risk assessment and grading",
            LearningKind.GAP,
            "The repeat call was not linked to the earlier reports, so the risk was not looked at again.",
            OWEN,
            at,
            id=1,
        ),
        LearningPoint(
            1,
            "Multi-agency working (MARAC/MAPPA)",
            LearningKind.GOOD_PRACTICE,
            "The MARAC referral was made the same day and every agency had actions by the next meeting.",
            OWEN,
            at,
            id=2,
        ),
        LearningPoint(
            1,
            "Information sharing",
            LearningKind.GAP,
            "Probation did not hear about the call-outs until the MARAC, three weeks later.",
            OWEN,
            at,
            id=3,
        ),
    )
    recommendations = (
        Recommendation(
            1,
            "Add a prompt to check for linked reports when a domestic call is graded.",
            Route.IN_FORCE,
            OWEN,
            at,
            id=1,
        ),
        Recommendation(
            1,
            "Agree with probation how call-outs to a supervised person's address are shared within a day.",
            Route.PARTNERSHIP,
            OWEN,
            at,
            id=2,
        ),
    )
    outcome_actions = (
        Action(
            1,
            "Brief call handlers on linking repeat domestic calls to earlier reports.",
            TOM,
            date(2026, 12, 18),
            Priority.HIGH,
            "Risk assessment and grading",
            Route.IN_FORCE,
            OWEN,
            at,
            id=1,
        ),
        Action(
            1,
            "Propose a same-day notification of call-outs to the probation liaison meeting.",
            PRIYA,
            date(2027, 1, 15),
            Priority.MEDIUM,
            "Information sharing",
            Route.PARTNERSHIP,
            OWEN,
            at,
            id=2,
            status=ActionStatus.IN_PROGRESS,
        ),
    )
    return Outcome(learning, recommendations, outcome_actions, version, sign_off, circulated_at)


def a_sign_off(state: SignOffState, *, version: int = 7, comment: str | None = None) -> SignOff:
    asked = AFTER_MEETING + timedelta(hours=2)
    if state is SignOffState.REQUESTED:
        return SignOff(version, state, OWEN, asked)
    return SignOff(
        version, state, OWEN, asked, answered_by=RUTH, answered_at=asked + timedelta(hours=5), comment=comment
    )


MANY_THEME = "Mental health (incl. s135/s136)"


def many_outcome_items(count: int) -> Outcome:
    """`count` of each, every text as long as allowed: the cards must stay within Teams' size limit."""
    at = AFTER_MEETING - timedelta(days=1)
    long = ("The risk was not looked at again after the repeat call and the earlier reports. " * 40)[:MAX_TEXT]
    return Outcome(
        learning=tuple(
            LearningPoint(1, MANY_THEME, LearningKind.GAP, long, OWEN, at, id=n) for n in range(1, count + 1)
        ),
        recommendations=tuple(Recommendation(1, long, Route.PARTNERSHIP, OWEN, at, id=n) for n in range(1, count + 1)),
        actions=tuple(
            Action(
                1,
                long[:MAX_ACTION],
                TOM,
                date(2026, 12, 18),
                Priority.LOW,
                "Multi-agency working (MARAC/MAPPA)",
                Route.PARTNERSHIP,
                OWEN,
                at,
                id=n,
            )
            for n in range(1, count + 1)
        ),
        version=count * 3,
    )


def outcome_cards(accepted: Case) -> dict[str, Card]:
    meeting = a_meeting()
    now = AFTER_MEETING
    many_owners = {
        f"00000000-0000-4000-8000-0000000004{n:02d}": Person(
            f"00000000-0000-4000-8000-0000000004{n:02d}", f"Inspector Action Owner {n}"
        )
        for n in range(40)
    }

    def card(
        outcome: Outcome,
        *,
        owners: dict[str, Person] = OWNERS,
        at: Meeting | None = meeting,
        now: datetime = AFTER_MEETING,
        message: str | None = None,
        errors: dict[str, str] | None = None,
        values: dict[str, object] | None = None,
    ) -> Card:
        return outcome_card(
            accepted, outcome, owners=owners, meeting=at, now=now, message=message, errors=errors, values=values
        )

    requested = an_outcome(sign_off=a_sign_off(SignOffState.REQUESTED))
    approved = an_outcome(sign_off=a_sign_off(SignOffState.APPROVED))
    circulated = an_outcome(
        sign_off=a_sign_off(SignOffState.APPROVED), circulated_at=AFTER_MEETING + timedelta(hours=8)
    )
    comment = "Learning point 3 should say what probation could have been told, not only when. Please reword it."
    changes = an_outcome(sign_off=a_sign_off(SignOffState.CHANGES_REQUESTED, comment=comment))
    changed_since = replace(changes, version=9)
    changed_after_approval = replace(circulated, version=9)
    many = many_outcome_items(25)
    many_requested = replace(many, sign_off=SignOff(many.version, SignOffState.REQUESTED, OWEN, now))
    return {
        "outcome, before a meeting is set": card(Outcome(), at=None),
        "outcome, before the meeting": card(Outcome(), now=NOW),
        "outcome, nothing yet": card(Outcome()),
        "outcome, recorded": card(an_outcome(), message="Learning point added."),
        "outcome with errors": card(
            an_outcome(),
            message="Nothing has been added.",
            errors={
                "actionDescription": "Describe the action without the people in the case.",
                "actionOwnerId": "Choose the owner from the list.",
                "learningText": "Write the learning point (at least 10 characters).",
            },
            values={
                "actionDescription": "Speak to Victim A's neighbour",
                "actionDueWorkingDays": "15",
                "actionPriority": "high",
                "actionTheme": "Weapons",
                "actionRoute": "in_force",
                "learningTheme": "Coercive control",
                "learningKind": "gap",
                "learningText": "Short",
            },
        ),
        "outcome, no owners": card(an_outcome(), owners={}),
        "outcome, waiting for the SIO": card(requested),
        "outcome, approved": card(approved),
        "outcome, circulated": card(circulated),
        "outcome, changed after approval": card(changed_after_approval),
        "outcome, changes requested": card(changes),
        "outcome, changed since changes requested": card(changed_since),
        "outcome, many items": card(many, owners=many_owners),
        "outcome, many items with errors": card(
            many,
            owners=many_owners,
            message="Nothing has been added.",
            errors={
                "actionDescription": "Describe the action without the people in the case (no 'Victim A' and the "
                "like): the owner sees it without the case.",
                "actionDueWorkingDays": "Give the time allowed in working days, between 1 and 260.",
            },
            values={"actionDescription": "x" * MAX_ACTION, "actionDueWorkingDays": "0"},
        ),
        "sign-off request": sign_off_request(accepted, requested, now=now),
        "sign-off request with errors": sign_off_request(
            accepted,
            requested,
            now=now,
            message="Nothing has been answered yet.",
            errors={"signOffComment": "Say what should change, so the lead reviewer can act on it."},
            values={"signOffComment": "Fix"},
        ),
        "sign-off request, approved": sign_off_request(accepted, circulated, now=now, message="Approved."),
        "sign-off request, approved then changed": sign_off_request(accepted, changed_after_approval, now=now),
        "sign-off request, changes requested": sign_off_request(accepted, changes, now=now),
        "sign-off request, superseded": sign_off_request(accepted, replace(requested, version=8), now=now),
        "sign-off request, many items": sign_off_request(accepted, many_requested, now=now),
        "outcome circulated": outcome_circulated(accepted, circulated),
        "outcome circulated, many items": outcome_circulated(
            accepted, replace(many, sign_off=a_sign_off(SignOffState.APPROVED, version=many.version))
        ),
        "changes requested": changes_requested(accepted, changes),
        "changes requested, answer changed since": changes_requested(accepted, approved),
    }


# --- Each action, after the learning and actions are circulated --------------------------------------------------

ACTION_CASE_ID = 1
ACTION_NOW = datetime(2026, 12, 10, 11, 30, tzinfo=UTC)
"""Before the fictional action's due date (Fri 18 Dec 2026); OVERDUE_NOW is after it."""
OVERDUE_NOW = datetime(2026, 12, 21, 9, 0, tzinfo=UTC)
BLOCKED_REASON = "Waiting for the control room to agree a date for the briefing: their training week is full."
EVIDENCE = "Briefing given to all call handler teams on 9 December; the slides are on the control room training page."
NOT_DOING_REASON = (
    "The new call-handling system already prompts for linked reports, so a separate briefing adds nothing."
)
MORE_TIME_REASON = "The control room's next training week is in January: the briefing can be given to every team then."


def an_action(status: ActionStatus = ActionStatus.NOT_STARTED, *, note: str | None = None, **changes: Any) -> Action:
    """A fictional action, described without names or case detail, in the status asked for."""
    action = Action(
        ACTION_CASE_ID,
        "Brief call handlers on linking repeat domestic calls to earlier reports.",
        TOM,
        date(2026, 12, 18),
        Priority.HIGH,
        "Risk assessment and grading",
        Route.IN_FORCE,
        OWEN,
        AFTER_MEETING - timedelta(days=1),
        id=1,
    )
    if status is not ActionStatus.NOT_STARTED:
        action = replace(
            action,
            status=status,
            status_note=note,
            status_changed_by=TOM,
            status_changed_at=ACTION_NOW - timedelta(days=1),
        )
    return replace(action, **changes)


def a_request(
    kind: RequestKind = RequestKind.NOT_DOING,
    state: RequestState = RequestState.PENDING,
    *,
    reason: str | None = None,
    request_id: int = 1,
) -> ActionRequest:
    asked = ACTION_NOW - timedelta(days=2)
    decided = state is not RequestState.PENDING
    return ActionRequest(
        action_id=1,
        kind=kind,
        reason=reason or (NOT_DOING_REASON if kind is RequestKind.NOT_DOING else MORE_TIME_REASON),
        requested_by=TOM,
        requested_at=asked,
        new_due=date(2027, 1, 15) if kind is RequestKind.DUE_DATE else None,
        id=request_id,
        state=state,
        decided_by=PRIYA if decided else None,
        decided_at=asked + timedelta(days=1) if decided else None,
    )


def an_action_view(action: Action | None = None, *requests: ActionRequest) -> ActionView:
    return ActionView("RD-2026-0001", action if action is not None else an_action(), tuple(requests))


def longest_action_view() -> ActionView:
    """Every text as long as allowed: the card must stay small."""
    note = ("The control room's training week is full until the new year, so the briefing waits. " * 30)[:MAX_NOTE]
    earlier = ("The partner agency asked for the briefing to wait for its own review of call handling. " * 30)[
        :MAX_NOTE
    ]
    action = an_action(
        ActionStatus.BLOCKED,
        note=note,
        description=("Brief call handlers on linking repeat domestic calls to earlier reports. " * 10)[:MAX_ACTION],
        theme="Mental health (incl. s135/s136)",
        owner=Person(TOM.user_id, "Detective Chief Inspector Alexandra Featherstonehaugh-Cholmondeley"),
    )
    return an_action_view(
        action,
        a_request(RequestKind.DUE_DATE, RequestState.REFUSED, reason=earlier, request_id=1),
        a_request(RequestKind.DUE_DATE, RequestState.PENDING, reason=note, request_id=2),
    )


def action_cards() -> dict[str, Card]:
    def card(view: ActionView, now: datetime = ACTION_NOW, **kwargs: Any) -> Card:
        return action_card(view, case_id=ACTION_CASE_ID, now=now, **kwargs)

    due_date = an_action_view(an_action(), a_request(RequestKind.DUE_DATE))
    not_doing = an_action_view(
        an_action(ActionStatus.NOT_DOING, note=NOT_DOING_REASON, status_changed_by=PRIYA),
        a_request(RequestKind.NOT_DOING, RequestState.APPROVED),
    )
    return {
        "action card, not started": card(an_action_view()),
        "action card, in progress": card(an_action_view(an_action(ActionStatus.IN_PROGRESS)), message="Started."),
        "action card, blocked": card(an_action_view(an_action(ActionStatus.BLOCKED, note=BLOCKED_REASON))),
        "action card, complete": card(an_action_view(an_action(ActionStatus.COMPLETE, note=EVIDENCE))),
        "action card, not doing": card(not_doing),
        "action card, asked not to do it": card(an_action_view(an_action(), a_request(RequestKind.NOT_DOING))),
        "action card, asked for a new due date": card(due_date),
        "action card, new due date approved": card(
            an_action_view(
                an_action(ActionStatus.IN_PROGRESS, due=date(2027, 1, 15)),
                a_request(RequestKind.DUE_DATE, RequestState.APPROVED),
            )
        ),
        "action card, not doing refused": card(
            an_action_view(an_action(ActionStatus.IN_PROGRESS), a_request(RequestKind.NOT_DOING, RequestState.REFUSED))
        ),
        "action card, overdue": card(an_action_view(an_action(ActionStatus.IN_PROGRESS)), OVERDUE_NOW),
        "action card, overdue with a new due date asked for": card(due_date, OVERDUE_NOW),
        "action card, complete after its due date": card(
            an_action_view(an_action(ActionStatus.COMPLETE, note=EVIDENCE)), OVERDUE_NOW
        ),
        "action card with errors": card(
            an_action_view(an_action(ActionStatus.IN_PROGRESS)),
            message="Nothing has changed.",
            errors={"evidence": "Say what shows it is done (the evidence of completion) (at least 10 characters)."},
            values={"verb": "action.complete", "evidence": "Done"},
        ),
        "action card with errors in a request": card(
            an_action_view(),
            message="Nothing has been asked.",
            errors={
                "newDueWorkingDays": "Give the new due date in working days from today (1 to 260).",
                "reason": "Say why it needs more time (at least 10 characters).",
            },
            values={"verb": REQUEST_DUE_DATE_VERB, "newDueWorkingDays": "0", "reason": "Busy"},
        ),
        "action card with an error, already decided": card(
            an_action_view(an_action(ActionStatus.IN_PROGRESS), a_request(RequestKind.NOT_DOING, RequestState.REFUSED)),
            message="Nothing has been decided.",
            errors={"decision": "There is no request waiting for a decision."},
        ),
        "action card, longest texts": card(longest_action_view(), OVERDUE_NOW),
        "action assigned": action_assigned(an_action_view(), case_id=ACTION_CASE_ID, now=ACTION_NOW),
        "action assigned, longest texts": action_assigned(
            longest_action_view(), case_id=ACTION_CASE_ID, now=OVERDUE_NOW
        ),
    }


ESCALATED_NOW = datetime(2027, 1, 6, 10, 0, tzinfo=UTC)
"""Ten working days after the fictional action's due date (over Christmas and New Year)."""


def action_reminder_cards() -> dict[str, Card]:
    """The owner's reminders before, on and after the due date, and the working group's escalation."""

    def reminder(view: ActionView, now: datetime, key: str) -> Card:
        return action_reminder(view, case_id=ACTION_CASE_ID, now=now, key=key)

    def escalated(view: ActionView, days: int = 10) -> Card:
        return action_escalated(view, case_id=ACTION_CASE_ID, now=ESCALATED_NOW, working_days_overdue=days)

    friday = datetime(2026, 12, 18, 9, 0, tzinfo=UTC)
    return {
        "reminder of an action, due in 5 working days": reminder(
            an_action_view(), datetime(2026, 12, 11, 9, 0, tzinfo=UTC), "due_in_5"
        ),
        "reminder of an action, due tomorrow": reminder(
            an_action_view(an_action(ActionStatus.IN_PROGRESS)), datetime(2026, 12, 17, 9, 0, tzinfo=UTC), "due_in_1"
        ),
        "reminder of an action, due on the next working day": reminder(
            an_action_view(an_action(due=date(2026, 12, 21))), friday, "due_in_1"
        ),
        "reminder of an action, due today": reminder(an_action_view(), friday, "due_today"),
        "reminder of an action, overdue": reminder(
            an_action_view(an_action(ActionStatus.BLOCKED, note=BLOCKED_REASON)), ESCALATED_NOW, "overdue_2"
        ),
        "reminder of an action, overdue with a new due date asked for": reminder(
            an_action_view(an_action(), a_request(RequestKind.DUE_DATE)), OVERDUE_NOW, "overdue_1"
        ),
        "reminder of an action, longest texts": reminder(longest_action_view(), ESCALATED_NOW, "overdue_2"),
        "overdue action escalated": escalated(an_action_view(an_action(ActionStatus.IN_PROGRESS))),
        "overdue action escalated, not started, one day": escalated(an_action_view(), days=1),
        "overdue action escalated, blocked with a request waiting": escalated(
            an_action_view(an_action(ActionStatus.BLOCKED, note=BLOCKED_REASON), a_request(RequestKind.DUE_DATE))
        ),
        "overdue action escalated, longest texts": escalated(longest_action_view(), days=260),
    }
