"""Partner agencies: the lead reviewer's partner card, the partner's invitation, and what a partner may see.

Partners see the approved partner summary and nothing else about the case: no names, no incident reference,
no operation name, no policing area, no SIO, no other agency's entries. Cards that stay in a partner's chat
after they answer carry no case text at all, so nothing is left behind when their access ends.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import date, datetime, timedelta
from typing import Literal

from microsoft_teams.cards.core import (
    AdaptiveCard,
    CardElement,
    Choice,
    ChoiceSetInput,
    Container,
    ShowCardAction,
    TextBlock,
    TextInput,
    ToggleInput,
)

from cards.chronology import OPEN_ENTRY_VERB, entry_when
from cards.common import (
    CARD_VERSION,
    MARKING,
    Card,
    actions,
    build,
    facts,
    field_error,
    field_value,
    heading,
    notice,
    paragraph,
    verb,
    when,
)
from cards.meetings import duration_text
from debrief.chronology import ChronologyEntry
from debrief.meetings import Meeting
from debrief.model import LONDON, Case, Person
from debrief.partners import (
    ACCESS_DAYS,
    DEFAULT_AGREEMENT,
    MAX_AGREEMENT,
    MAX_REASON,
    MAX_SUMMARY,
    InvitationStatus,
    PartnerInvitation,
    PartnerSummary,
)

APPROVE_SUMMARY_VERB = "partners.summary.approve"
INVITE_PARTNERS_VERB = "partners.invite"
OPEN_PARTNERS_VERB = "partners.open"
ACCEPT_INVITATION_VERB = "partners.invitation.accept"
DECLINE_INVITATION_VERB = "partners.invitation.decline"
DELEGATE_INVITATION_VERB = "partners.invitation.delegate"
PARTNER_VIEW_VERB = "partners.case.view"

MAX_PARTNER_ENTRIES_SHOWN = 20
"""The partner's view lists this many of their agency's entries (the latest in time); Teams cards have a size limit."""
PARTNER_ENTRY_CHARS = 200

_ACKNOWLEDGEMENT = "I will handle this as OFFICIAL-SENSITIVE under the agreement above and share it with no one else"


_FOLDED = {"declineReason": "Decline", "delegateTo": "Delegate"}
"""Fields inside a folded part of the invitation, whose errors are also shown at the top (folded is out of sight)."""


# --- The lead reviewer, in the case thread -----------------------------------------------------------------------


def partners_card(
    case: Case,
    *,
    summary: PartnerSummary | None,
    invitations: Sequence[PartnerInvitation],
    contacts: Mapping[str, tuple[Person, str]],
    now: datetime,
    message: str | None = None,
    errors: Mapping[str, str] | None = None,
    values: Mapping[str, object] | None = None,
) -> Card:
    """The partner summary to approve, the partner contacts to invite, and where each invitation stands."""
    errors = errors or {}
    values = values or {}
    data = {"caseId": case.id}
    body: list[CardElement] = [
        heading(f"Partner agencies for {case.case_number}"),
        paragraph(
            "Partner agencies take part by invitation. Each contact is asked to join the debrief meeting and to add "
            "what their agency's records show to the chronology."
        ),
    ]
    if message:
        body.append(notice(message, good=not errors))

    # Part 1: the partner summary.
    approved = (
        f"Approved by {summary.approved_by.name} on {when(summary.approved_at)}, revision {summary.revision}."
        if summary is not None
        else "Not approved yet. Partners cannot be invited until it is."
    )
    body.append(
        Container(
            separator=True,
            items=[
                paragraph("**Partner summary**"),
                paragraph(
                    "This is the only text about the case that partners see. Describe people by role only (for "
                    "example Victim A): no names, and no witness accounts. Say what happened and what the debrief "
                    "asks of partners."
                ),
                TextInput(
                    id="partnerSummary",
                    label="Partner summary (the lead reviewer only)",
                    is_multiline=True,
                    max_length=MAX_SUMMARY,
                    value=field_value(values, "partnerSummary") or (summary.text if summary is not None else None),
                ),
                *field_error(errors.get("partnerSummary")),
                TextBlock(text=approved, wrap=True, size="Small", is_subtle=True),
                actions(verb("Approve partner summary", APPROVE_SUMMARY_VERB, data, style="positive")),
            ],
        )
    )

    # Part 2: inviting partner contacts.
    invite: list[CardElement] = [paragraph("**Invite partners**")]
    if summary is None:
        invite.append(
            paragraph(
                "Approve the partner summary first: an invitation shows partners that summary and nothing else "
                "about the case.",
                subtle=True,
            )
        )
    else:
        taken = {i.contact.user_id for i in invitations if i.holds_a_place(now)}
        choices = [
            Choice(title=f"{person.name} · {agency}", value=user_id)
            for user_id, (person, agency) in sorted(contacts.items(), key=lambda c: (c[1][1], c[1][0].name))
            if user_id not in taken
        ]
        if choices:
            invite += [
                paragraph(
                    "Each contact gets a one-to-one invitation with the partner summary and the handling conditions, "
                    "and is asked to answer within five working days.",
                    subtle=True,
                ),
                ChoiceSetInput(
                    id="contactIds",
                    label="Partner contacts to invite (the lead reviewer only)",
                    is_multi_select=True,
                    style="expanded",
                    choices=choices,
                    value=field_value(values, "contactIds"),
                ),
                *field_error(errors.get("contactIds")),
                TextInput(
                    id="agreement",
                    label="Information-sharing agreement",
                    max_length=MAX_AGREEMENT,
                    value=field_value(values, "agreement") or DEFAULT_AGREEMENT,
                ),
                *field_error(errors.get("agreement")),
                actions(verb("Invite", INVITE_PARTNERS_VERB, data, style="positive")),
            ]
        else:
            invite.append(
                paragraph(
                    "Every partner contact in the directory has an open or accepted invitation."
                    if contacts
                    else "No partner contacts are in the directory yet.",
                    subtle=True,
                )
            )
    body.append(Container(separator=True, items=invite))

    # Part 3: where each invitation stands.
    standing: list[CardElement] = [paragraph("**Invitations**")]
    if not invitations:
        standing.append(paragraph("No partner has been invited yet.", subtle=True))
    for invitation in sorted(invitations, key=lambda i: (i.agency, i.invited_at)):
        standing.append(_standing(invitation, now=now))
    body.append(Container(separator=True, items=standing))
    return build(*body, fallback_text=f"Partner agencies for {case.case_number}")


Colour = Literal["Default", "Good", "Warning", "Attention"]


def _standing(invitation: PartnerInvitation, *, now: datetime) -> Container:
    i = invitation
    colour: Colour
    expired = i.expired(now)
    match i.status:
        case InvitationStatus.INVITED if expired:
            status, colour = f"Invited · expired: not answered by {_day(i.answer_by)}", "Attention"
        case InvitationStatus.INVITED:
            status, colour = f"Invited · answer by {_day(i.answer_by)}", "Default"
        case InvitationStatus.ACCEPTED:
            until = f"access until {when(i.access_until)}" if i.access_until is not None else "access not set"
            if i.access_until is not None and not i.has_access(now):
                until = f"access ended {when(i.access_until)}"
            status, colour = f"Accepted · {until}", "Good"
        case InvitationStatus.DECLINED:
            status, colour = f"Declined · {i.decline_reason or 'no reason given'}", "Warning"
        case InvitationStatus.DELEGATED:
            to = i.delegated_to.name if i.delegated_to is not None else "a colleague"
            status, colour = f"Delegated to {to}", "Default"
    sent = f"Invited by {i.invited_by.name} on {when(i.invited_at)}"
    if i.answered_at is not None:
        sent += f"; answered {when(i.answered_at)}"
    return Container(
        spacing="Small",
        items=[
            TextBlock(text=f"**{i.agency}** · {i.contact.name}", wrap=True),
            TextBlock(text=status, wrap=True, color=colour, spacing="None"),
            TextBlock(text=sent, wrap=True, size="Small", is_subtle=True, spacing="None"),
        ],
    )


# --- The partner contact, one to one ------------------------------------------------------------------------------


def partner_invitation(
    *,
    case_number: str,
    invitation: PartnerInvitation,
    summary: PartnerSummary,
    meeting: Meeting | None,
    colleagues: Mapping[str, Person],
    now: datetime,
    message: str | None = None,
    errors: Mapping[str, str] | None = None,
    values: Mapping[str, object] | None = None,
) -> Card:
    """The invitation a partner contact receives: the partner summary, what is asked, and the handling conditions.

    Once answered (or expired) the card carries no case text: it stays in the partner's chat after access ends.
    """
    errors = errors or {}
    values = values or {}
    i = invitation
    data = {"caseId": i.case_id, "invitationId": i.id}
    lead = i.invited_by.name
    title = f"Rapid debrief {case_number}: invitation to {i.agency}"

    if i.status is InvitationStatus.ACCEPTED:
        body: list[CardElement] = [heading(title)]
        if message:
            body.append(notice(message, good=True))
        if i.has_access(now):
            assert i.access_until is not None
            body += [
                notice(f"You accepted. You have access until {when(i.access_until)} (UK time).", good=True),
                paragraph(
                    f"Add what {i.agency}'s records show: facts, not opinions, and people by role only. "
                    "Handle everything as OFFICIAL-SENSITIVE and share it with no one else.",
                    subtle=True,
                ),
                actions(
                    verb("Open the case for partners", PARTNER_VIEW_VERB, data),
                    verb("Add an entry", OPEN_ENTRY_VERB, {"caseId": i.case_id}, style="positive"),
                ),
            ]
        else:
            ended = f" on {when(i.access_until)}" if i.access_until is not None else ""
            body.append(
                notice(f"You accepted. Your access ended{ended}. Ask {lead}, the lead reviewer, if you still need it.")
            )
        return build(*body, fallback_text=f"{title}: accepted")
    if i.status is InvitationStatus.DECLINED:
        reason = f" Your reason: {i.decline_reason}" if i.decline_reason else ""
        return build(
            heading(title),
            *([notice(message, good=True)] if message else []),
            notice(f"You declined this invitation.{reason}"),
            paragraph(f"Thank you for letting us know. If that changes, ask {lead}, the lead reviewer.", subtle=True),
            fallback_text=f"{title}: declined",
        )
    if i.status is InvitationStatus.DELEGATED:
        to = i.delegated_to.name if i.delegated_to is not None else "a colleague"
        return build(
            heading(title),
            *([notice(message, good=True)] if message else []),
            notice(f"You passed this invitation to {to}, who has been sent their own.", good=True),
            paragraph("You have no access to the debrief through this invitation.", subtle=True),
            fallback_text=f"{title}: delegated to {to}",
        )
    if i.expired(now):
        return build(
            heading(title),
            notice(
                f"This invitation expired on {_day(i.answer_by)} without an answer. If {i.agency} can still help, "
                f"ask {lead}, the lead reviewer, for a new one."
            ),
            fallback_text=f"{title}: expired",
        )

    # Open: the ask.
    meeting_line = (
        f"Take part in the debrief meeting on {when(meeting.starts_at)} (UK time), "
        f"{duration_text(meeting.duration_minutes)}."
        if meeting is not None
        else "Take part in the debrief meeting (the date is not set yet: you will be told when it is)."
    )
    body = [
        heading(title),
        paragraph(
            f"{lead}, the lead reviewer, invites {i.agency} to a multi-agency rapid debrief. It looks for learning "
            "that could prevent future harm, not for fault."
        ),
    ]
    if message:
        body.append(notice(message, good=not errors))
    if errors:
        folded = [f'Under "{button}": {errors[name]}' for name, button in _FOLDED.items() if name in errors]
        if folded:
            body.append(notice(" ".join(folded)))
    body += [
        facts([("Case", case_number), ("Please answer by", _day(i.answer_by))]),
        Container(
            style="emphasis",
            items=[
                paragraph("**What happened** (the summary approved for partners, people by role)"),
                TextBlock(text=summary.text, wrap=True),
            ],
        ),
        paragraph(
            "**What we ask of you**\n\n"
            f"1. {meeting_line}\n\n"
            f"2. Add what {i.agency}'s records show to the chronology: facts from the records, not opinions, and "
            "people by role only (for example Victim A), never by name.\n\n"
            "3. Leave out witness accounts: the debrief runs alongside a criminal investigation."
        ),
        _conditions(i, now=now),
        ToggleInput(
            id="acknowledged",
            title=_ACKNOWLEDGEMENT,
            label="Handling conditions",
            value_on="true",
            value_off="false",
            value=field_value(values, "acknowledged") or "false",
            wrap=True,
        ),
        *field_error(errors.get("acknowledged")),
    ]
    buttons = [
        verb("Accept", ACCEPT_INVITATION_VERB, data, style="positive"),
        ShowCardAction(
            title="Decline",
            card=AdaptiveCard(
                version=CARD_VERSION,
                body=[
                    TextInput(
                        id="declineReason",
                        label="Why not? (optional; the lead reviewer sees this)",
                        is_multiline=True,
                        max_length=MAX_REASON,
                        value=field_value(values, "declineReason"),
                    ),
                    *field_error(errors.get("declineReason")),
                ],
                actions=[verb("Decline the invitation", DECLINE_INVITATION_VERB, data, style="destructive")],
            ),
        ),
    ]
    others = sorted((p for p in colleagues.values() if p.user_id != i.contact.user_id), key=lambda p: p.name)
    if others:
        buttons.append(
            ShowCardAction(
                title="Delegate",
                card=AdaptiveCard(
                    version=CARD_VERSION,
                    body=[
                        ChoiceSetInput(
                            id="delegateTo",
                            label=f"Pass this invitation to a colleague in {i.agency}",
                            style="compact",
                            placeholder="Choose a colleague",
                            choices=[Choice(title=p.name, value=p.user_id) for p in others],
                            value=field_value(values, "delegateTo"),
                        ),
                        *field_error(errors.get("delegateTo")),
                        paragraph("They get their own invitation, with a new answer date.", subtle=True),
                    ],
                    actions=[verb("Delegate", DELEGATE_INVITATION_VERB, data)],
                ),
            )
        )
    body.append(actions(*buttons))
    return build(*body, fallback_text=f"{title}: please answer by {_day(i.answer_by)}")


def _conditions(invitation: PartnerInvitation, *, now: datetime) -> Container:
    """The handling conditions the partner accepts with the invitation."""
    if_today = (now + timedelta(days=ACCESS_DAYS)).astimezone(LONDON).date()
    return Container(
        style="attention",
        items=[
            paragraph(
                "**Handling conditions**\n\n"
                f"- {MARKING}: handle it as your agency handles OFFICIAL-SENSITIVE information\n"
                f'- Shared under "{invitation.agreement}"\n'
                "- Need-to-know: for you, for this debrief only\n"
                "- No onward sharing: do not forward, copy or discuss it with anyone outside the debrief\n"
                f"- Access ends {ACCESS_DAYS} days after you accept (on {_day(if_today)} if you accept today), "
                "or sooner if the debrief closes"
            )
        ],
    )


def partner_invitation_reminder(*, case_number: str, invitation: PartnerInvitation) -> Card:
    """A gentle reminder that an invitation awaits an answer; the buttons are on the invitation itself."""
    i = invitation
    return build(
        heading(f"A reminder about the rapid debrief {case_number}"),
        paragraph(
            f"The invitation to {i.agency} from {i.invited_by.name} is waiting for your answer by {_day(i.answer_by)}. "
            "You can accept it, decline it or pass it to a colleague in your agency."
        ),
        paragraph(
            "Find the invitation above in this chat. If it is not answered by then it expires, and the lead reviewer "
            "can send a new one.",
            subtle=True,
        ),
        fallback_text=f"{case_number}: your answer is due by {_day(i.answer_by)}",
    )


# --- What an accepted partner sees -------------------------------------------------------------------------------


def partner_view(
    *,
    case_number: str,
    agency: str,
    summary: PartnerSummary | None,
    entries: Sequence[ChronologyEntry],
    meeting: Meeting | None,
    access_until: datetime | None,
    case_id: int,
) -> Card:
    """The case as a partner sees it: the partner summary, their own agency's entries, and the meeting."""
    body: list[CardElement] = [heading(f"Rapid debrief {case_number}: {agency}")]
    if access_until is not None:
        body.append(
            paragraph(
                f"Your access ends on {when(access_until)} (UK time). Handle all of this as {MARKING} and share it "
                "with no one else.",
                subtle=True,
            )
        )
    body.append(
        Container(
            style="emphasis",
            items=[
                paragraph("**What happened** (the summary approved for partners)"),
                TextBlock(text=summary.text if summary is not None else "No partner summary yet.", wrap=True),
            ],
        )
    )
    if meeting is not None:
        meeting_facts = [
            ("When", f"{when(meeting.starts_at)} to {meeting.ends_at.astimezone(LONDON):%H:%M} (UK time)"),
            ("Length", duration_text(meeting.duration_minutes)),
        ]
        if meeting.location:
            meeting_facts.append(("Where", meeting.location))
        body += [paragraph("**The debrief meeting**"), facts(meeting_facts)]
    else:
        body.append(paragraph("**The debrief meeting** is not scheduled yet: you will be told when it is."))

    shown = sorted(entries, key=lambda e: e.sort_key)
    items: list[CardElement] = [paragraph(f"**Your agency's entries** ({len(shown)})")]
    if len(shown) > MAX_PARTNER_ENTRIES_SHOWN:
        items.append(paragraph(f"Showing the latest {MAX_PARTNER_ENTRIES_SHOWN} in time.", subtle=True))
        shown = shown[-MAX_PARTNER_ENTRIES_SHOWN:]
    if not shown:
        items.append(paragraph(f"Nothing from {agency} yet. Add what your records show.", subtle=True))
    for entry in shown:
        c = entry.content
        items.append(
            Container(
                separator=True,
                items=[
                    TextBlock(text=f"**{entry_when(c)}** · {c.contact_type.label}", wrap=True),
                    TextBlock(text=_excerpt(c.summary, PARTNER_ENTRY_CHARS), wrap=True, spacing="None"),
                    TextBlock(
                        text=f"Recorded by {entry.contributor.name}",
                        wrap=True,
                        size="Small",
                        is_subtle=True,
                        spacing="None",
                    ),
                ],
            )
        )
    body.append(Container(separator=True, items=items))
    body.append(
        Container(
            separator=True,
            items=[
                paragraph(
                    "Record facts from your agency's records, not opinions, and people by role only.", subtle=True
                ),
                actions(verb("Add an entry", OPEN_ENTRY_VERB, {"caseId": case_id}, style="positive")),
            ],
        )
    )
    return build(*body, fallback_text=f"Rapid debrief {case_number}: the partner view for {agency}")


# --- Shared wording ----------------------------------------------------------------------------------------------


def _day(day: date) -> str:
    return f"{day:%a %d %b %Y}"


def _excerpt(text: str, limit: int) -> str:
    if len(text) <= limit:
        return text
    cut = text[:limit].rsplit(" ", 1)[0] if " " in text[:limit] else text[:limit]
    return cut.rstrip(" ,.;:") + "…"
