"""The partner cards: what the lead reviewer sees and does, and what a partner contact may see (and may not)."""

from __future__ import annotations

import json
from dataclasses import replace
from datetime import date, datetime, timedelta
from typing import Any

import pytest

from cards.chronology import OPEN_ENTRY_VERB, entry_form
from cards.common import Card
from cards.partners import (
    ACCEPT_INVITATION_VERB,
    APPROVE_SUMMARY_VERB,
    DECLINE_INVITATION_VERB,
    DELEGATE_INVITATION_VERB,
    INVITE_PARTNERS_VERB,
    OPEN_PARTNERS_VERB,
    PARTNER_VIEW_VERB,
    partner_invitation,
    partner_invitation_reminder,
    partner_view,
    partners_card,
)
from debrief.chronology import ChronologyEntry, ContactType
from debrief.meetings import Meeting
from debrief.model import LONDON, CaseStatus, Person
from debrief.parameters import ParametersRevision, parse_parameters
from debrief.partners import DEFAULT_AGREEMENT, InvitationStatus, PartnerInvitation
from tests.support.cards import buttons, card_text, folded, inputs
from tests.support.forms import parameters_form
from tests.support.people import MORGAN, OWEN, RUTH
from tests.unit.cards.card_gallery import (
    ALEX,
    CONTACTS,
    DEV,
    NOW,
    PARTNER_SUMMARY,
    SAM,
    a_case,
    a_meeting,
    a_partner_invitation,
    an_entry,
    every_card,
    every_invitation_state,
)

CASE = a_case(CaseStatus.ACCEPTED)
LATER = NOW + timedelta(days=2)
COLLEAGUES = {ALEX.user_id: ALEX}
MEETING = a_meeting(join_url="https://teams.example.invalid/l/meetup-join/abc")


def partner_entry() -> ChronologyEntry:
    entry = an_entry(1, date(2026, 3, 2), agency="Probation Service", contact=ContactType.PROBATION)
    return replace(entry, contributor=MORGAN)


def unfolded(node: Any) -> Any:
    """The card without what its Action.ShowCard buttons hold."""
    if isinstance(node, dict):
        return {k: unfolded(v) for k, v in node.items() if not (node.get("type") == "Action.ShowCard" and k == "card")}
    if isinstance(node, list):
        return [unfolded(v) for v in node]
    return node


def invitation_card(
    invitation: PartnerInvitation | None = None,
    *,
    meeting: Meeting | None = MEETING,
    now: datetime = LATER,
    colleagues: dict[str, Person] | None = None,
    errors: dict[str, str] | None = None,
    values: dict[str, object] | None = None,
) -> Card:
    return partner_invitation(
        case_number=CASE.case_number,
        invitation=invitation or a_partner_invitation(),
        summary=PARTNER_SUMMARY,
        meeting=meeting,
        colleagues=COLLEAGUES if colleagues is None else colleagues,
        now=now,
        errors=errors,
        values=values,
    )


def every_partner_facing_card() -> dict[str, Card]:
    accepted = a_partner_invitation(status=InvitationStatus.ACCEPTED)
    entries = [partner_entry()]
    return {
        "open": invitation_card(),
        "open, no meeting": invitation_card(meeting=None),
        "with errors": invitation_card(errors={"acknowledged": "Tick to confirm.", "declineReason": "Shorter."}),
        "accepted": invitation_card(accepted),
        "access ended": invitation_card(accepted, now=LATER + timedelta(days=90)),
        "declined": invitation_card(
            a_partner_invitation(status=InvitationStatus.DECLINED, decline_reason="No record.")
        ),
        "delegated": invitation_card(a_partner_invitation(status=InvitationStatus.DELEGATED, delegated_to=ALEX)),
        "expired": invitation_card(a_partner_invitation(invited_at=NOW - timedelta(days=20))),
        "reminder": partner_invitation_reminder(case_number=CASE.case_number, invitation=a_partner_invitation()),
        "view": partner_view(
            case_number=CASE.case_number,
            agency="Probation Service",
            summary=PARTNER_SUMMARY,
            entries=entries,
            meeting=MEETING,
            access_until=LATER + timedelta(days=60),
            case_id=1,
        ),
    }


# --- What partners see -------------------------------------------------------------------------------------------


def test_the_verbs_are_the_agreed_strings() -> None:
    assert (APPROVE_SUMMARY_VERB, INVITE_PARTNERS_VERB, OPEN_PARTNERS_VERB) == (
        "partners.summary.approve",
        "partners.invite",
        "partners.open",
    )
    assert (ACCEPT_INVITATION_VERB, DECLINE_INVITATION_VERB, DELEGATE_INVITATION_VERB, PARTNER_VIEW_VERB) == (
        "partners.invitation.accept",
        "partners.invitation.decline",
        "partners.invitation.delegate",
        "partners.case.view",
    )


@pytest.mark.parametrize("state", sorted(every_partner_facing_card()))
def test_the_partner_invitation_shows_no_case_detail_beyond_the_summary(state: str) -> None:
    n = CASE.nomination
    text = card_text(every_partner_facing_card()[state])
    assert CASE.case_number in text
    for secret in (
        n.incident_reference,
        n.operation_name,
        n.policing_area,
        n.scope_reason,
        n.sio.name,
        RUTH.name,
        CASE.nominator.name,
        "Kestrel",
        "North District",
    ):
        assert secret and secret not in text, f"{state} shows {secret!r}"


def test_the_open_invitation_shows_the_summary_the_meeting_and_the_ask() -> None:
    text = card_text(invitation_card())
    assert PARTNER_SUMMARY.text in text
    assert "Fri 04 Dec 2026, 10:00 (UK time), 1 hour 30 minutes" in text
    assert "Take part in the debrief meeting" in text
    assert "Add what Probation Service's records show" in text
    assert "not opinions" in text and "by role only" in text
    assert "Please answer by" in text
    no_meeting = card_text(invitation_card(meeting=None))
    assert "the date is not set yet" in no_meeting


def test_the_handling_conditions_are_set_out() -> None:
    text = card_text(invitation_card())
    assert "OFFICIAL-SENSITIVE" in text
    assert f'Shared under "{DEFAULT_AGREEMENT}"' in text
    assert "Need-to-know" in text
    assert "No onward sharing" in text
    assert "Access ends 60 days after you accept (on Wed 27 Jan 2027 if you accept today)" in text


def test_accepting_needs_the_handling_conditions_acknowledged() -> None:
    card = invitation_card()
    toggle = inputs(card)["acknowledged"]
    assert toggle["type"] == "Input.Toggle"
    assert toggle["title"] == (
        "I will handle this as OFFICIAL-SENSITIVE under the agreement above and share it with no one else"
    )
    assert toggle["label"]
    assert (toggle["valueOn"], toggle["valueOff"], toggle["value"]) == ("true", "false", "false")
    accept = buttons(card)["Accept"]
    assert accept["type"] == "Action.Execute" and accept["verb"] == ACCEPT_INVITATION_VERB
    assert accept["data"] == {"verb": ACCEPT_INVITATION_VERB, "caseId": 1, "invitationId": 1}
    assert accept["fallback"]["type"] == "Action.Submit"


def test_declining_and_delegating_are_folded_with_their_inputs() -> None:
    card = invitation_card(colleagues={ALEX.user_id: ALEX, MORGAN.user_id: MORGAN})
    shown = folded(card)
    decline = shown["Decline"]
    reason = inputs(decline)["declineReason"]
    assert reason["isMultiline"] is True and "optional" in reason["label"]
    assert [a["verb"] for a in decline["actions"]] == [DECLINE_INVITATION_VERB]
    assert decline["actions"][0]["data"]["invitationId"] == 1
    delegate = shown["Delegate"]
    to = inputs(delegate)["delegateTo"]
    assert to["type"] == "Input.ChoiceSet" and to["label"]
    assert [c["value"] for c in to["choices"]] == [ALEX.user_id]  # not the contact themselves
    assert [a["verb"] for a in delegate["actions"]] == [DELEGATE_INVITATION_VERB]
    # The folded inputs are only in the folded parts.
    assert list(inputs(unfolded(card))) == ["acknowledged"]


def test_there_is_no_delegate_button_without_colleagues() -> None:
    assert list(folded(invitation_card(colleagues={}))) == ["Decline"]


def test_errors_are_shown_at_their_fields_and_above_the_folded_ones() -> None:
    card = invitation_card(
        errors={"acknowledged": "Tick to confirm.", "declineReason": "Keep it shorter."},
        values={"acknowledged": "true", "declineReason": "Typed reason"},
    )
    text = card_text(card)
    assert "Tick to confirm." in text
    assert 'Under "Decline": Keep it shorter.' in text
    assert "Keep it shorter." in card_text(folded(card)["Decline"])
    assert inputs(card)["acknowledged"]["value"] == "true"
    assert inputs(card)["declineReason"]["value"] == "Typed reason"


def test_an_accepted_invitation_opens_the_partner_view_and_the_entry_form() -> None:
    card = invitation_card(a_partner_invitation(status=InvitationStatus.ACCEPTED))
    text = card_text(card)
    assert "You have access until Tue 26 Jan 2027, 10:00 (UK time)" in text
    found = buttons(card)
    assert found["Open the case for partners"]["data"] == {
        "verb": PARTNER_VIEW_VERB,
        "caseId": 1,
        "invitationId": 1,
    }
    assert found["Add an entry"]["data"] == {"verb": OPEN_ENTRY_VERB, "caseId": 1}
    assert inputs(card) == {}


def test_answered_invitations_keep_no_case_text_in_the_chat() -> None:
    answered = {
        "accepted": a_partner_invitation(status=InvitationStatus.ACCEPTED),
        "declined": a_partner_invitation(status=InvitationStatus.DECLINED, decline_reason="No record of contact."),
        "delegated": a_partner_invitation(status=InvitationStatus.DELEGATED, delegated_to=ALEX),
        "expired": a_partner_invitation(invited_at=NOW - timedelta(days=20)),
    }
    for state, invitation in answered.items():
        text = card_text(invitation_card(invitation))
        assert PARTNER_SUMMARY.text not in text, state
        assert "Victim A" not in text, state


def test_each_answer_says_where_it_stands() -> None:
    declined = card_text(
        invitation_card(a_partner_invitation(status=InvitationStatus.DECLINED, decline_reason="No record of contact."))
    )
    assert "You declined this invitation. Your reason: No record of contact." in declined
    delegated = card_text(invitation_card(a_partner_invitation(status=InvitationStatus.DELEGATED, delegated_to=ALEX)))
    assert f"You passed this invitation to {ALEX.name}" in delegated
    expired_card = invitation_card(a_partner_invitation(invited_at=NOW - timedelta(days=20)))
    expired = card_text(expired_card)
    assert "expired on" in expired and f"ask {OWEN.name}, the lead reviewer, for a new one" in expired
    assert buttons(expired_card) == {} and inputs(expired_card) == {}
    ended = invitation_card(a_partner_invitation(status=InvitationStatus.ACCEPTED), now=LATER + timedelta(days=90))
    assert "Your access ended on" in card_text(ended)
    assert buttons(ended) == {}


def test_the_reminder_gives_the_date_and_points_to_the_invitation() -> None:
    card = partner_invitation_reminder(case_number=CASE.case_number, invitation=a_partner_invitation())
    text = card_text(card)
    assert "by Fri 04 Dec 2026" in text
    assert "Find the invitation above" in text
    assert buttons(card) == {}


def test_the_partner_view_shows_the_summary_their_entries_and_the_meeting() -> None:
    entry = partner_entry()
    card = partner_view(
        case_number=CASE.case_number,
        agency="Probation Service",
        summary=PARTNER_SUMMARY,
        entries=[entry],
        meeting=MEETING,
        access_until=datetime(2027, 1, 26, 10, 0, tzinfo=LONDON),
        case_id=1,
    )
    text = card_text(card)
    assert PARTNER_SUMMARY.text in text
    assert "Your agency's entries** (1)" in text
    assert "2 Mar 2026 21:40" in text and ContactType.PROBATION.label in text
    assert f"Recorded by {MORGAN.name}" in text
    assert "Fri 04 Dec 2026, 10:00 to 11:30 (UK time)" in text
    assert "Conference room 2, Northgate police station" in text
    assert "Your access ends on Tue 26 Jan 2027, 10:00 (UK time)" in text
    assert buttons(card)["Add an entry"]["data"] == {"verb": OPEN_ENTRY_VERB, "caseId": 1}


def test_the_partner_view_before_anything_is_there() -> None:
    text = card_text(
        partner_view(
            case_number=CASE.case_number,
            agency="Housing",
            summary=None,
            entries=[],
            meeting=None,
            access_until=None,
            case_id=1,
        )
    )
    assert "Nothing from Housing yet" in text
    assert "not scheduled yet" in text


def test_the_partner_entry_form_offers_only_their_agency() -> None:
    revision = ParametersRevision(1, parse_parameters(parameters_form(), case=CASE), OWEN, NOW, ("all",))
    source = inputs(entry_form(CASE, parameters=revision, consent=None, deadline=None, agencies=("Housing",)))[
        "sourceAgency"
    ]
    assert [c["value"] for c in source["choices"]] == ["Housing"]
    assert source["value"] == "Housing"
    officers = inputs(entry_form(CASE, parameters=revision, consent=None, deadline=None))["sourceAgency"]
    assert [c["value"] for c in officers["choices"]] == list(revision.parameters.agencies)
    assert "value" not in officers


# --- The lead reviewer's card ------------------------------------------------------------------------------------


def lead_card(**kwargs: Any) -> Card:
    found: dict[str, Any] = {"summary": PARTNER_SUMMARY, "invitations": [], "contacts": CONTACTS, "now": LATER}
    found.update(kwargs)
    return partners_card(CASE, **found)


def test_the_partner_summary_is_explained_prefilled_and_approved() -> None:
    card = lead_card()
    text = card_text(card)
    assert "the only text about the case that partners see" in text
    assert "by role only" in text and "no names" in text and "no witness accounts" in text
    field = inputs(card)["partnerSummary"]
    assert field["isMultiline"] is True and field["label"] and field["value"] == PARTNER_SUMMARY.text
    assert "Approved by DS Owen Marsh on Fri 27 Nov 2026, 10:00, revision 2." in text
    assert buttons(card)["Approve partner summary"]["data"] == {"verb": APPROVE_SUMMARY_VERB, "caseId": 1}


def test_invite_is_offered_only_after_the_summary_is_approved() -> None:
    before = lead_card(summary=None)
    assert "Invite" not in buttons(before)
    assert "contactIds" not in inputs(before) and "agreement" not in inputs(before)
    assert "Approve the partner summary first" in card_text(before)
    assert inputs(before)["partnerSummary"].get("value") is None
    after = lead_card()
    assert buttons(after)["Invite"]["data"] == {"verb": INVITE_PARTNERS_VERB, "caseId": 1}
    contacts = inputs(after)["contactIds"]
    assert contacts["isMultiSelect"] is True and contacts["style"] == "expanded"
    assert f"{SAM.name} · Housing" in [c["title"] for c in contacts["choices"]]
    agreement = inputs(after)["agreement"]
    assert agreement["label"] == "Information-sharing agreement" and agreement["value"] == DEFAULT_AGREEMENT


def test_people_already_invited_are_not_offered_again() -> None:
    invitations = [
        a_partner_invitation(MORGAN, invitation_id=1),  # open
        a_partner_invitation(ALEX, invitation_id=2, status=InvitationStatus.ACCEPTED),
        a_partner_invitation(SAM, "Housing", invitation_id=3, invited_at=NOW - timedelta(days=20)),  # expired
        a_partner_invitation(DEV, "NHS mental health trust", invitation_id=4, status=InvitationStatus.DECLINED),
    ]
    offered = [c["value"] for c in inputs(lead_card(invitations=invitations))["contactIds"]["choices"]]
    assert sorted(offered) == sorted([SAM.user_id, DEV.user_id])
    everyone = lead_card(invitations=invitations[:2], contacts={k: CONTACTS[k] for k in (MORGAN.user_id,)})
    assert "contactIds" not in inputs(everyone)
    assert "Every partner contact in the directory has an open or accepted invitation." in card_text(everyone)


def test_every_invitation_is_listed_with_where_it_stands() -> None:
    text = card_text(lead_card(invitations=every_invitation_state()))
    assert f"**Probation Service** · {MORGAN.name}" in text
    assert "Invited · answer by Fri 04 Dec 2026" in text
    assert "Accepted · access until Tue 26 Jan 2027, 10:00" in text
    assert "Invited · expired: not answered by" in text
    assert "Declined · The trust had no contact with Victim A or Suspect B in the period." in text
    assert "Declined · no reason given" in text
    assert f"Delegated to {SAM.name}" in text
    assert "Invited by DS Owen Marsh on Fri 27 Nov 2026, 10:00" in text


def test_the_lead_reviewers_card_keeps_what_was_typed_and_shows_errors() -> None:
    card = lead_card(
        errors={"contactIds": "Choose partner contacts from the list.", "agreement": "Name the agreement."},
        values={"contactIds": SAM.user_id, "agreement": "Another agreement", "partnerSummary": "Being revised"},
        message="Nobody has been invited.",
    )
    found = inputs(card)
    assert found["contactIds"]["value"] == SAM.user_id
    assert found["agreement"]["value"] == "Another agreement"
    assert found["partnerSummary"]["value"] == "Being revised"
    text = card_text(card)
    assert "Choose partner contacts from the list." in text and "Name the agreement." in text
    assert "Nobody has been invited." in text


def test_every_input_has_a_label() -> None:
    for name, card in every_card().items():
        if name.startswith(("partner", "meeting")):
            for field in inputs(card).values():
                assert field.get("label"), f"{name}: {field['id']} has no label"


def test_cards_stay_under_28_kb() -> None:
    for name, card in every_card().items():
        if name.startswith(("partner", "meeting", "entry form for")):
            assert len(json.dumps(card, separators=(",", ":")).encode()) < 28_000, name
