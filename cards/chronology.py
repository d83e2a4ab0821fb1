"""The chronology cards: the contributor's entry form and entries, the lead reviewer's merged view and review.

Every account is shown as its contributor gave it: conflicting accounts sit side by side, never merged.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import date, datetime
from typing import Any

from microsoft_teams.cards.core import (
    Action,
    AdaptiveCard,
    CardElement,
    Choice,
    ChoiceSetInput,
    Column,
    ColumnSet,
    Container,
    DateInput,
    OpenUrlAction,
    ShowCardAction,
    SubmitAction,
    TextBlock,
    TextInput,
    TimeInput,
    ToggleInput,
)

from cards.common import (
    CARD_VERSION,
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
from debrief.chronology import (
    MAX_ACTION_AND_OUTCOME,
    MAX_RATIONALE,
    MAX_RISK_TOOL,
    MAX_SOURCE_REFERENCE,
    MAX_SOURCE_SYSTEM,
    MAX_SUMMARY,
    Chronology,
    ChronologyEntry,
    Conflict,
    ContactType,
    EntryContent,
    Gap,
    InformationType,
    Precision,
    RiskGrade,
)
from debrief.consent import ConsentAnswer, ConsentRecord
from debrief.model import LONDON, Case
from debrief.parameters import AGENCIES, ParametersRevision
from debrief.themes import DEFAULT_THEMES

OPEN_ENTRY_VERB = "chronology.entry.open"
ADD_ENTRY_VERB = "chronology.entry.add"
MY_ENTRIES_VERB = "chronology.entries.mine"
EDIT_ENTRY_VERB = "chronology.entry.edit"
SAVE_ENTRY_VERB = "chronology.entry.save"
WITHDRAW_ENTRY_VERB = "chronology.entry.withdraw"
VIEW_CHRONOLOGY_VERB = "chronology.view"
REVIEW_ENTRY_VERB = "chronology.entry.review"
SAVE_REVIEW_VERB = "chronology.entry.review.save"
CONFLICTS_VERB = "chronology.conflicts"
LOCK_VERB = "chronology.lock"
DOCUMENT_VERB = "chronology.document"
CHOOSE_CASE_VERB = "chronology.case.choose"

MAX_CONFLICTS_SHOWN = 20
"""The conflicts card lists this many; the rest wait until these are reviewed (Teams cards have a size limit)."""
MAX_OWN_ENTRIES_SHOWN = 15
"""A contributor's entries card lists this many (the ones they recorded or changed most recently)."""
RECAP_CHARS = 200
ROW_SUMMARY_CHARS = 300
OWN_SUMMARY_CHARS = 150
CONFLICT_SUMMARY_CHARS = 120

_LEARNING = (
    "The debrief looks for learning that could prevent future harm, not for fault. Record each contact as the "
    "records show it: what happened and what was done."
)
_WHAT_TO_RECORD = (
    "- Facts from the records, not opinions about colleagues\n"
    "- People by role only (for example Victim A), never by name\n"
    "- No witness accounts: this runs alongside the criminal investigation and may be disclosable"
)


# --- The contributor ---------------------------------------------------------------------------------------------


def entry_form(
    case: Case,
    *,
    parameters: ParametersRevision | None,
    consent: ConsentRecord | None,
    deadline: date | None,
    values: Mapping[str, object] | None = None,
    errors: Mapping[str, str] | None = None,
    entry_id: int | None = None,
    message: str | None = None,
    in_dialog: bool = False,
    agencies: Sequence[str] | None = None,
) -> Card:
    """One contact for the chronology; after a bad submission it comes back with what was typed and why.

    `agencies`, when given, limits whose record the entry can be from: a partner adds entries for their own
    agency only.
    """
    values = values or {}
    errors = errors or {}
    p = parameters.parameters if parameters is not None else None

    def value(name: str) -> str | None:
        return field_value(values, name)

    def field(element: TextInput | DateInput | TimeInput | ChoiceSetInput | ToggleInput) -> list[CardElement]:
        assert element.id is not None
        return [element, *field_error(errors.get(element.id))]

    editing = entry_id is not None
    body: list[CardElement] = [
        heading(
            f"{'Change your entry' if editing else 'Add to the chronology'}: {case.case_number}"
            # Partners (limited to their agency) see no case detail beyond the case number and their summary.
            + (f" ({case.nomination.incident_reference})" if agencies is None else "")
        ),
        paragraph(_LEARNING),
        paragraph(_WHAT_TO_RECORD),
    ]
    if consent is not None and consent.answer is ConsentAnswer.CONSENT_WITH_CONDITIONS:
        body.append(notice(f"The SIO's conditions, which you must follow: {consent.text}"))
    context: list[tuple[str, str]] = []
    if deadline is not None:
        context.append(("Please add what you know by", _due(deadline)))
    if p is not None:
        context.append(("Period", f"{_day(p.look_back_from)} to {_day(p.look_back_to)}"))
    if context:
        body.append(facts(context))
    if editing:
        body.append(paragraph("Saving a change means the lead reviewer verifies the entry again.", subtle=True))
    if errors:
        count = len(errors)
        body.append(
            notice(
                message or f"Please check {count} field{'s' if count != 1 else ''} below. Nothing has been saved yet."
            )
        )
    elif message:
        body.append(_note(message))

    sources = tuple(agencies) if agencies is not None else (p.agencies if p is not None else AGENCIES)
    if p is not None:
        subjects: ChoiceSetInput | TextInput = ChoiceSetInput(
            id="subjects",
            label="Who was involved, by role",
            is_multi_select=True,
            style="expanded",
            choices=[Choice(title=s, value=s) for s in p.subjects],
            value=value("subjects"),
        )
    else:
        subjects = TextInput(
            id="subjects",
            label="Who was involved, by role (comma-separated, e.g. Victim A)",
            placeholder="Victim A, Suspect B",
            max_length=200,
            value=value("subjects"),
        )

    body += [
        *field(
            DateInput(
                id="eventDate",
                label="Date of the contact",
                min=p.look_back_from.isoformat() if p is not None else None,
                max=p.look_back_to.isoformat() if p is not None else None,
                value=value("eventDate"),
            )
        ),
        *field(
            ChoiceSetInput(
                id="precision",
                label="How well is the time known?",
                style="expanded",
                choices=[Choice(title=x.label, value=x.value) for x in Precision],
                value=value("precision"),
            )
        ),
        *field(TimeInput(id="eventTime", label="Time (24-hour; leave empty for date only)", value=value("eventTime"))),
        *field(
            ChoiceSetInput(
                id="sourceAgency",
                label="Whose record is this from?",
                style="compact",
                placeholder="Choose the agency",
                choices=[Choice(title=a, value=a) for a in sources],
                value=value("sourceAgency") or (sources[0] if len(sources) == 1 else None),
            )
        ),
        *field(
            TextInput(
                id="sourceSystem",
                label="System or record",
                placeholder="For example the incident log or the crime record",
                max_length=MAX_SOURCE_SYSTEM,
                value=value("sourceSystem"),
            )
        ),
        *field(
            TextInput(
                id="sourceReference",
                label="Reference in that system (optional)",
                max_length=MAX_SOURCE_REFERENCE,
                value=value("sourceReference"),
            )
        ),
        *field(
            ChoiceSetInput(
                id="contactType",
                label="Type of contact",
                style="compact",
                placeholder="Choose the type of contact",
                choices=[Choice(title=x.label, value=x.value) for x in ContactType],
                value=value("contactType"),
            )
        ),
        *field(subjects),
        *field(
            TextInput(
                id="summary",
                label="What happened (facts from the record, people by role)",
                is_multiline=True,
                max_length=MAX_SUMMARY,
                value=value("summary"),
            )
        ),
        *field(
            ChoiceSetInput(
                id="informationType",
                label="Is this a fact, an allegation or an opinion?",
                style="expanded",
                choices=[Choice(title=x.label, value=x.value) for x in InformationType],
                value=value("informationType"),
            )
        ),
        Container(
            separator=True,
            items=[
                paragraph("**Risk assessment (if one was done)**"),
                *field(
                    TextInput(
                        id="riskTool",
                        label="Tool",
                        placeholder="For example DASH",
                        max_length=MAX_RISK_TOOL,
                        value=value("riskTool"),
                    )
                ),
                *field(
                    ChoiceSetInput(
                        id="riskGrade",
                        label="Grade",
                        style="compact",
                        placeholder="Choose the grade",
                        choices=[Choice(title=x.label, value=x.value) for x in RiskGrade],
                        value=value("riskGrade"),
                    )
                ),
                *field(DateInput(id="riskDate", label="Date of the assessment", value=value("riskDate"))),
            ],
        ),
        *field(
            TextInput(
                id="actionAndOutcome",
                label="What was done, and the outcome",
                is_multiline=True,
                max_length=MAX_ACTION_AND_OUTCOME,
                value=value("actionAndOutcome"),
            )
        ),
        *field(
            ToggleInput(
                id="missedOpportunity",
                label="Looking back, could something have been done differently?",
                title="Possible missed opportunity",
                value_on="true",
                value_off="false",
                value=value("missedOpportunity") or "false",
                wrap=True,
            )
        ),
        *field(
            TextInput(
                id="missedOpportunityRationale",
                label="If so, what was the opportunity? (what could be learnt)",
                is_multiline=True,
                max_length=MAX_RATIONALE,
                value=value("missedOpportunityRationale"),
            )
        ),
    ]

    data: dict[str, Any] = {"caseId": case.id}
    if editing:
        title, name = "Save changes", SAVE_ENTRY_VERB
        data["entryId"] = entry_id
    else:
        title, name = "Add to chronology", ADD_ENTRY_VERB
    button: Action = (
        SubmitAction(title=title, data={"verb": name, **data}, style="positive")
        if in_dialog
        else verb(title, name, data, style="positive")
    )
    body.append(actions(button))
    return build(*body, fallback_text=f"Add to the chronology for {case.case_number}")


def entry_saved(case: Case, entry: ChronologyEntry, *, yours: int, deadline: date | None) -> Card:
    """The recap after an entry is added (or changed), and the way to the next one."""
    c = entry.content
    changed = entry.updated_at is not None
    body: list[CardElement] = [
        heading("Your changes are saved" if changed else "Added to the chronology"),
        facts(
            [
                ("Case", case.case_number),
                ("When", entry_when(c)),
                ("Contact", c.contact_type.label),
                ("Summary", _excerpt(c.summary, RECAP_CHARS)),
            ]
        ),
        paragraph(f"You have added {yours} entr{'y' if yours == 1 else 'ies'} to this chronology. Thank you."),
    ]
    if deadline is not None:
        body.append(paragraph(f"Please add anything else you know by {_due(deadline)}.", subtle=True))
    data = {"caseId": case.id}
    body.append(
        actions(verb("Add another", OPEN_ENTRY_VERB, data, style="positive"), verb("My entries", MY_ENTRIES_VERB, data))
    )
    return build(*body, fallback_text=f"{case.case_number}: added to the chronology")


def my_entries(case: Case, entries: Sequence[ChronologyEntry], *, locked: bool, message: str | None = None) -> Card:
    """The contributor's own entries (only theirs are passed in), in time order, to check, change or withdraw."""
    body: list[CardElement] = [heading(f"Your entries for {case.case_number}")]
    if message:
        body.append(_note(message))
    if locked:
        body.append(notice("The chronology is locked: entries can no longer be changed or withdrawn."))
    shown = list(entries)
    if len(shown) > MAX_OWN_ENTRIES_SHOWN:
        shown = sorted(shown, key=lambda e: e.updated_at or e.recorded_at)[-MAX_OWN_ENTRIES_SHOWN:]
        body.append(
            paragraph(
                f"Showing the {MAX_OWN_ENTRIES_SHOWN} you recorded or changed most recently, of {len(entries)}.",
                subtle=True,
            )
        )
    if not entries:
        body.append(paragraph("You have not added any entries yet."))
    for entry in sorted(shown, key=lambda e: e.sort_key):
        body.append(_own_entry(case, entry, locked=locked))
    if not locked:
        body.append(actions(verb("Add an entry", OPEN_ENTRY_VERB, {"caseId": case.id}, style="positive")))
    return build(*body, fallback_text=f"Your chronology entries for {case.case_number}")


def _own_entry(case: Case, entry: ChronologyEntry, *, locked: bool) -> Container:
    c = entry.content
    if entry.withdrawn_at is not None:
        status = f"Withdrawn {when(entry.withdrawn_at)} (kept for the record)"
    elif entry.review.verified:
        status = "Verified by the lead reviewer"
    else:
        status = "Not yet verified"
    items: list[CardElement] = [
        TextBlock(text=f"**{entry_when(c)}** · {c.contact_type.label}", wrap=True),
        TextBlock(text=_excerpt(c.summary, OWN_SUMMARY_CHARS), wrap=True, spacing="None"),
        TextBlock(text=status, wrap=True, size="Small", is_subtle=True, spacing="None"),
    ]
    if not locked and not entry.withdrawn:
        data = {"caseId": case.id, "entryId": entry.id}
        items.append(
            actions(
                verb("Edit", EDIT_ENTRY_VERB, data),
                ShowCardAction(
                    title="Withdraw",
                    card=AdaptiveCard(
                        version=CARD_VERSION,
                        body=[
                            paragraph(
                                "Withdraw this entry? It leaves the chronology and cannot be put back; it is kept "
                                "for the record, as every contribution is."
                            )
                        ],
                        actions=[verb("Yes, withdraw it", WITHDRAW_ENTRY_VERB, data, style="destructive")],
                    ),
                ),
            )
        )
    return Container(separator=True, items=items, style="emphasis" if entry.withdrawn else None)


def contribution_reminder(case: Case, *, deadline: date, on_the_day: bool) -> Card:
    """A gentle nudge before (or on) the day contributions are due."""
    due = "today" if on_the_day else f"by {_due(deadline)}"
    lead = case.lead_reviewer.name if case.lead_reviewer else "the lead reviewer"
    data = {"caseId": case.id}
    return build(
        heading(f"A reminder about the rapid debrief {case.case_number}"),
        paragraph(
            f"Contributions to the chronology for {case.nomination.incident_reference} are due {due}. This is just a "
            "reminder: nobody is in trouble, and every contact you add helps the learning."
        ),
        paragraph(f"If you have nothing more to add, or need more time, let {lead} know.", subtle=True),
        actions(
            verb("Add an entry", OPEN_ENTRY_VERB, data, style="positive"), verb("My entries", MY_ENTRIES_VERB, data)
        ),
        fallback_text=f"{case.case_number}: contributions due {due}",
    )


def choose_case(cases: Sequence[Case], *, summary: str) -> Card:
    """From the message action: which of the officer's open cases the message belongs to."""
    body: list[CardElement] = [
        heading("Add to a chronology"),
        paragraph("You are helping with more than one rapid debrief. Choose the case this is for."),
    ]
    if not cases:
        body.append(notice("You are not helping with any open rapid debrief at the moment."))
        return build(*body, fallback_text="Add to a chronology")
    body += [
        ChoiceSetInput(
            id="caseId",
            label="Which case is this for?",
            style="compact",
            is_required=True,
            error_message="Choose the case.",
            placeholder="Choose the case",
            choices=[Choice(title=_case_title(c), value=str(c.id)) for c in cases],
            value=str(cases[0].id) if len(cases) == 1 else None,
        ),
        TextInput(
            id="summary",
            label="Summary (from the message; you can change it on the next step)",
            is_multiline=True,
            value=summary or None,
        ),
        paragraph("Check it names people by role only, and holds no witness accounts.", subtle=True),
        actions(SubmitAction(title="Next", data={"verb": CHOOSE_CASE_VERB}, style="positive")),
    ]
    return build(*body, fallback_text="Add to a chronology: choose the case")


def _case_title(case: Case) -> str:
    return f"{case.case_number} · {case.nomination.operation_name or case.nomination.incident_reference}"


# --- The lead reviewer -------------------------------------------------------------------------------------------


def chronology_page(case: Case, chronology: Chronology, *, page: int, message: str | None = None) -> Card:
    """One page of the merged chronology: entries in time order, the gaps between them, and what is still to do."""
    shown = chronology.page(page)
    total = len(chronology.entries)
    unverified = chronology.unverified
    conflicts = len(chronology.conflicts)
    body: list[CardElement] = [
        heading(f"Chronology for {case.case_number}"),
        paragraph(_case_line(case), subtle=True),
    ]
    if message:
        body.append(_note(message))
    counts = [
        ("Entries", str(total)),
        ("Verified", str(total - unverified)),
        ("Not yet verified", str(unverified)),
        ("Possible conflicts", str(conflicts)),
        ("Gaps in recorded contact", str(len(chronology.gaps))),
    ]
    if chronology.parameters is not None:
        p = chronology.parameters
        counts.append(("Period", f"{_day(p.look_back_from)} to {_day(p.look_back_to)}"))
    body.append(facts(counts))
    lock = chronology.lock
    if lock is not None:
        body.append(
            notice(
                f"Locked by {lock.locked_by.name} on {when(lock.locked_at)}. Entries can no longer be changed.",
                good=True,
            )
        )
    if not chronology.entries:
        body.append(paragraph("No entries yet. Contributors add them from their invitation."))
    position = shown.first_index
    for row in shown.rows():
        if isinstance(row, Gap):
            body.append(_gap(row))
        else:
            body.append(_row(case, row, number=position, page=shown.number, locked=chronology.locked))
            position += 1

    data: dict[str, Any] = {"caseId": case.id}
    if shown.of > 1:
        paging: list[Action] = []
        if shown.number > 1:
            paging.append(verb("Previous", VIEW_CHRONOLOGY_VERB, {**data, "page": shown.number - 1}))
        if shown.number < shown.of:
            paging.append(verb("Next", VIEW_CHRONOLOGY_VERB, {**data, "page": shown.number + 1}))
        body += [paragraph(f"Page {shown.number} of {shown.of}", subtle=True), actions(*paging)]
    buttons: list[Action] = []
    if conflicts:
        buttons.append(verb(f"Possible conflicts ({conflicts})", CONFLICTS_VERB, {**data, "page": shown.number}))
    buttons.append(verb("Word document", DOCUMENT_VERB, {**data, "page": shown.number}))
    body.append(Container(separator=True, items=[actions(*buttons)]))
    if lock is None:
        body.append(
            Container(
                items=[
                    paragraph(
                        "Locking needs every entry verified, and stops further changes by anyone."
                        + (f" {unverified} still to verify." if unverified else ""),
                        subtle=True,
                    ),
                    actions(
                        verb("Lock the chronology", LOCK_VERB, {**data, "page": shown.number}, style="destructive")
                    ),
                ]
            )
        )
    return build(*body, fallback_text=f"Chronology for {case.case_number}, page {shown.number} of {shown.of}")


def _row(case: Case, entry: ChronologyEntry, *, number: int, page: int, locked: bool) -> Container:
    c = entry.content
    source = ", ".join(x for x in (c.source_agency, c.source_system, c.source_reference) if x)
    detail = [source, ", ".join(c.subjects), c.information_type.label]
    if c.risk_assessment is not None:
        detail.append(f"{c.risk_assessment.tool} {c.risk_assessment.grade.label.lower()} risk")
    flags = [f"From {entry.contributor.name}"]
    if entry.missed_opportunity:
        flags.append("Possible missed opportunity")
    if entry.review.good_practice:
        flags.append("Good practice")
    if entry.review.themes:
        flags.append("Themes: " + ", ".join(entry.review.themes))
    verified = entry.review.verified_by
    items: list[CardElement] = [
        TextBlock(text=f"**{number}. {entry_when(c)}** · {c.contact_type.label}", wrap=True),
        TextBlock(text=" · ".join(detail), wrap=True, size="Small", is_subtle=True, spacing="None"),
        TextBlock(text=_excerpt(c.summary, ROW_SUMMARY_CHARS), wrap=True, spacing="Small"),
        TextBlock(text=" · ".join(flags), wrap=True, size="Small", spacing="Small"),
        TextBlock(
            text=f"Verified by {verified.name}" if verified is not None else "Not yet verified",
            wrap=True,
            size="Small",
            color="Good" if verified is not None else "Warning",
            spacing="None",
        ),
    ]
    if not locked:
        items.append(actions(verb("Review", REVIEW_ENTRY_VERB, {"caseId": case.id, "entryId": entry.id, "page": page})))
    return Container(separator=True, items=items)


def _gap(gap: Gap) -> Container:
    return Container(
        style="emphasis",
        separator=True,
        items=[
            TextBlock(
                text=f"No recorded contact from {_day(gap.start)} to {_day(gap.end)} ({gap.days} days)",
                wrap=True,
                weight="Bolder",
            )
        ],
    )


def review_form(
    case: Case,
    entry: ChronologyEntry,
    *,
    number: int,
    page: int,
    conflicts: Sequence[Conflict],
    values: Mapping[str, object] | None = None,
    errors: Mapping[str, str] | None = None,
) -> Card:
    """One entry in full, with any account that disagrees with it, and the lead reviewer's verification."""
    values = values or {}
    errors = errors or {}
    c = entry.content
    r = c.risk_assessment
    provenance = [("Recorded by", entry.contributor.name), ("Recorded", when(entry.recorded_at))]
    if entry.updated_at is not None:
        provenance.append(("Last changed", when(entry.updated_at)))
    if entry.review.verified_by is not None:
        at = f" on {when(entry.review.verified_at)}" if entry.review.verified_at else ""
        provenance.append(("Verified", f"by {entry.review.verified_by.name}{at}"))
    body: list[CardElement] = [
        heading(f"Entry {number} in the chronology for {case.case_number}"),
        facts(
            [
                ("When", entry_when(c)),
                ("Time known", c.precision.label),
                ("Contact", c.contact_type.label),
                ("Agency", c.source_agency),
                ("System", c.source_system),
                ("Reference", c.source_reference or "None given"),
                ("Subjects", ", ".join(c.subjects)),
                ("Information", c.information_type.label),
                ("Risk assessment", f"{r.tool}, {r.grade.label}, {_day(r.assessed_on)}" if r else "None recorded"),
                (
                    "Contributor's view",
                    "Possible missed opportunity" if c.missed_opportunity else "No missed opportunity",
                ),
                *provenance,
            ]
        ),
        paragraph(f"**What happened**\n\n{c.summary}"),
    ]
    if c.action_and_outcome:
        body.append(paragraph(f"**What was done, and the outcome**\n\n{c.action_and_outcome}"))
    if c.missed_opportunity_rationale:
        body.append(paragraph(f"**The contributor's view of the opportunity**\n\n{c.missed_opportunity_rationale}"))
    for conflict in conflicts:
        if _same(conflict.first, entry):
            other = conflict.second
        elif _same(conflict.second, entry):
            other = conflict.first
        else:
            continue  # a conflict between two other entries is not this entry's
        body.append(
            Container(
                separator=True,
                style="warning",
                items=[
                    paragraph(
                        f"**Another account seems to be of the same event but differs on "
                        f"{', '.join(conflict.differences)}.** Both are kept as given: check each against its source."
                    ),
                    _side_by_side(("This entry", entry), ("The other account", other)),
                ],
            )
        )
    if errors:
        body.append(notice("Nothing has been saved yet: please check the review below."))

    def toggle(name: str, title: str, default: bool) -> list[CardElement]:
        return [
            ToggleInput(
                id=name,
                title=title,
                value_on="true",
                value_off="false",
                value=field_value(values, name) or ("true" if default else "false"),
                wrap=True,
            ),
            *field_error(errors.get(name)),
        ]

    data = {"caseId": case.id, "entryId": entry.id, "page": page}
    body.append(
        Container(
            separator=True,
            items=[
                paragraph("**Your review** (the lead reviewer only)"),
                *toggle("verified", "Verified against the source record", entry.review.verified),
                *toggle("missedOpportunity", "Possible missed opportunity", entry.missed_opportunity),
                *toggle("goodPractice", "Good practice", entry.review.good_practice),
                ChoiceSetInput(
                    id="themes",
                    label="Learning themes",
                    is_multi_select=True,
                    style="expanded",
                    choices=[Choice(title=t, value=t) for t in DEFAULT_THEMES],
                    value=field_value(values, "themes") or (",".join(entry.review.themes) or None),
                ),
                *field_error(errors.get("themes")),
                actions(
                    verb("Save review", SAVE_REVIEW_VERB, data, style="positive"),
                    verb("Back to the chronology", VIEW_CHRONOLOGY_VERB, {"caseId": case.id, "page": page}),
                ),
            ],
        )
    )
    return build(*body, fallback_text=f"{case.case_number}: review entry {number}")


def conflicts_card(case: Case, chronology: Chronology, *, page: int) -> Card:
    """Every pair of accounts that seem to be of the same event but disagree, side by side."""
    found = chronology.conflicts
    body: list[CardElement] = [
        heading(f"Possible conflicts in the chronology for {case.case_number}"),
        paragraph(
            "These accounts seem to be of the same event but disagree. Both accounts are kept as given: review each "
            "against its source record. Differences are often about what each record shows, not anyone's error."
        ),
    ]
    if not found:
        body.append(paragraph("No possible conflicts."))
    if len(found) > MAX_CONFLICTS_SHOWN:
        body.append(notice(f"Showing the first {MAX_CONFLICTS_SHOWN} of {len(found)}, in time order."))
    numbers = _numbers(chronology) if found else {}
    for conflict in found[:MAX_CONFLICTS_SHOWN]:
        body.append(
            Container(
                separator=True,
                items=[
                    paragraph(f"**Differs on: {', '.join(conflict.differences)}**"),
                    _side_by_side(
                        (_numbered("Entry", numbers, conflict.first), conflict.first),
                        (_numbered("Entry", numbers, conflict.second), conflict.second),
                    ),
                ],
            )
        )
    body.append(actions(verb("Back to the chronology", VIEW_CHRONOLOGY_VERB, {"caseId": case.id, "page": page})))
    return build(*body, fallback_text=f"{case.case_number}: possible conflicts in the chronology")


def _same(a: ChronologyEntry, b: ChronologyEntry) -> bool:
    return a is b or (a.id is not None and a.id == b.id)


def _numbers(chronology: Chronology) -> dict[object, int]:
    return {_key(e): n for n, e in enumerate(chronology.entries, 1)}


def _key(entry: ChronologyEntry) -> object:
    return ("id", entry.id) if entry.id is not None else ("object", id(entry))


def _numbered(word: str, numbers: Mapping[object, int], entry: ChronologyEntry) -> str:
    n = numbers.get(_key(entry))
    return f"{word} {n}" if n is not None else word


def _side_by_side(*accounts: tuple[str, ChronologyEntry]) -> ColumnSet:
    """Two accounts next to each other, each exactly as its contributor gave it."""
    return ColumnSet(
        columns=[
            Column(width="stretch", items=[TextBlock(text=_account(title, entry), wrap=True, size="Small")])
            for title, entry in accounts
        ]
    )


def _account(title: str, entry: ChronologyEntry) -> str:
    c = entry.content
    grade = c.risk_assessment.grade.label if c.risk_assessment else "None recorded"
    lines = [
        f"**{title}**",
        entry_when(c),
        f"From {entry.contributor.name}",
        c.contact_type.label,
        f"Risk grade: {grade}",
        ", ".join(c.subjects),
        _excerpt(c.summary, CONFLICT_SUMMARY_CHARS),
    ]
    return "\n\n".join(lines)


# --- The Word document -------------------------------------------------------------------------------------------


def document_on_its_way(case: Case) -> Card:
    """The answer in the case thread: the document goes to the person who asked, not to the channel."""
    return build(
        heading(f"{case.case_number}: the Word chronology"),
        paragraph(
            "The Word chronology is being sent to you in a personal chat. It is not posted here: it is need-to-know."
        ),
        fallback_text=f"{case.case_number}: the Word chronology is on its way to your personal chat",
    )


def document_link(case: Case, *, url: str, expires_at: datetime) -> Card:
    """The personal message with a one-time link to the document."""
    expiry = expires_at.astimezone(LONDON).strftime("%H:%M")
    return build(
        heading(f"The chronology for {case.case_number} is ready"),
        paragraph(f"The link works once and expires at {expiry} (UK time). Ask for a new one if it has expired."),
        notice(
            "The document is OFFICIAL-SENSITIVE. Do not forward it, and store it only in locations approved for this "
            "case."
        ),
        actions(OpenUrlAction(title="Download the Word chronology", url=url, style="positive")),
        fallback_text=f"The chronology for {case.case_number} is ready to download",
    )


# --- Shared wording ----------------------------------------------------------------------------------------------


def entry_when(content: EntryContent) -> str:
    """'14 Mar 2026 21:40', '14 Mar 2026 about 21:40' or '14 Mar 2026 (time not known)'."""
    day = _day(content.event_date)
    if content.precision is Precision.DATE_ONLY or content.event_time is None:
        return f"{day} (time not known)"
    at = content.event_time.strftime("%H:%M")
    return f"{day} about {at}" if content.precision is Precision.APPROXIMATE else f"{day} {at}"


def _day(day: date) -> str:
    return f"{day.day} {day:%b %Y}"


def _due(day: date) -> str:
    """Deadlines as the other cards give them: 'Thu 03 Dec 2026'."""
    return f"{day:%a %d %b %Y}"


def _excerpt(text: str, limit: int) -> str:
    """The start of a long text, cut at a word, marked as cut."""
    if len(text) <= limit:
        return text
    cut = text[:limit].rsplit(" ", 1)[0] if " " in text[:limit] else text[:limit]
    return cut.rstrip(" ,.;:") + "…"


def _note(text: str) -> Container:
    """What happened after a button press, neither good news nor a warning (the text says which)."""
    return Container(style="accent", items=[TextBlock(text=text, wrap=True, weight="Bolder")])


def _case_line(case: Case) -> str:
    n = case.nomination
    return " · ".join(x for x in (n.operation_name, n.incident_reference) if x)
