"""What the bot does, in plain words."""

from __future__ import annotations

from collections.abc import Set

from cards.common import Card, actions, build, heading, paragraph, verb
from debrief.permissions import Role, manages_retention, produces_disclosure_bundles

OPEN_NOMINATION_VERB = "nomination.open"


def help_card(roles: Set[Role] = frozenset()) -> Card:
    """What anyone can do, and what the person's roles add (only what they may do is offered)."""
    disclosure = (
        [
            paragraph(
                "**disclosure RD-2026-0001**: the case's disclosure bundle (CPIA 1996) as one archive: an index of "
                "every item, the documents, the records and the audit extract. It is sent to you only, in this chat."
            )
        ]
        if produces_disclosure_bundles(roles)
        else []
    )
    retention = (
        [
            paragraph(
                "**retention RD-2026-0001**: the case's retention review (MoPI): when it closed, when its review is "
                "due, any legal hold, and what is held. Retain it, erase it, or place or lift a legal hold, each "
                "with your rationale. In this chat only."
            )
        ]
        if manages_retention(roles)
        else []
    )
    return build(
        heading("Rapid Debrief"),
        paragraph(
            "After a homicide or a near miss, a rapid debrief brings together what police and partners knew, "
            "quickly and without blame, to find learning that could prevent the next one."
        ),
        paragraph(
            "**nominate**: put an incident forward. Anyone in the force can. The review team decides "
            "within one working day whether a debrief goes ahead, and you will hear the outcome here."
        ),
        *disclosure,
        *retention,
        paragraph("**help**: show this message."),
        paragraph(
            "Everything here is OFFICIAL-SENSITIVE and may be disclosable in criminal proceedings. Record people "
            "by role (Victim A, Suspect B) and never include witness accounts.",
            subtle=True,
        ),
        actions(verb("Nominate a case", OPEN_NOMINATION_VERB)),
        fallback_text="Rapid Debrief: type nominate to put a case forward, help for this message.",
    )
