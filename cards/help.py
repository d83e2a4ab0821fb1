"""What the bot does, in plain words."""

from __future__ import annotations

from cards.common import Card, actions, build, heading, paragraph, verb

OPEN_NOMINATION_VERB = "nomination.open"


def help_card() -> Card:
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
        paragraph("**help**: show this message."),
        paragraph(
            "Everything here is OFFICIAL-SENSITIVE and may be disclosable in criminal proceedings. Record people "
            "by role (Victim A, Suspect B) and never include witness accounts.",
            subtle=True,
        ),
        actions(verb("Nominate a case", OPEN_NOMINATION_VERB)),
        fallback_text="Rapid Debrief: type nominate to put a case forward, help for this message.",
    )
