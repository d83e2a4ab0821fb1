"""The debrief meeting's agenda pack as a Word document: what attendees need in front of them, and no more.

A pure function of the domain objects: `render_agenda_pack` takes the case, the parameters, the merged
chronology, the meeting, the partner invitations, whom it is produced for and when, and returns .docx bytes.

What the pack says, in order: the marking (header and footer of every page, with the case number and "Page X
of Y"), the title block with the meeting (when in UK time, how long, where, the Teams link), why the meeting is
held and how the pack is handled, who is invited (a partner with their agency), what the debrief looks at, the
key questions as numbered agenda items, the key issues from the chronology, the possible conflicts still open,
and a suggested running order with times.

Only verified entries reach the key issues: an entry the review team has not yet verified (or that its
contributor has withdrawn) is counted but never quoted here, since the pack goes to partners and is read
aloud. The chronology document has every entry; entry numbers here are the same as there. Everything is
worded for learning about how agencies worked together, never as findings about individuals.

Built the same way as the chronology (`documents.word`): the body is WordprocessingML text parsed once, so a
chronology of 5,000 entries with a few hundred verified flags renders in a fraction of a second.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from io import BytesIO

from docx import Document
from docx.document import Document as DocxDocument
from docx.enum.style import WD_STYLE_TYPE
from docx.shared import Cm, Pt
from docx.styles.style import ParagraphStyle

from debrief.chronology import GAP_DAYS, Chronology, ChronologyEntry
from debrief.meetings import Meeting
from debrief.model import LONDON, Case, Person
from debrief.parameters import ParallelProcess, Parameters
from debrief.partners import InvitationStatus, PartnerInvitation
from debrief.themes import DEFAULT_THEMES
from documents.word import (
    GOOD_SHADE,
    MARKING,
    MISSED_SHADE,
    Body,
    Numbers,
    add_item_style,
    add_marking_style,
    aware,
    case_fields,
    count,
    day,
    external_link,
    label,
    link,
    moment,
    normal_style,
    run,
    set_properties,
    set_up_page,
    when,
)

TITLE = "Rapid debrief meeting: agenda pack"
MISSED_OPPORTUNITIES = "Possible missed opportunities"
GOOD_PRACTICE = "Good practice"
SUMMARY_LENGTH = 160
"""A key issue's summary is cut to one line of about this many characters; the chronology has it in full."""
THEME_ENTRIES_SHOWN = 15

PURPOSE = (
    "This meeting is a homicide prevention rapid debrief. It is for learning, not blame: attendees look "
    "together at earlier contacts between police, partner agencies and the people involved, to understand the "
    "risks and vulnerabilities and to agree learning and actions that could help prevent future homicides. It "
    "is not a review of any individual's conduct, and it is not a disciplinary, misconduct or statutory review; "
    "it must not pre-empt the parallel processes listed below.",
    "It is not a rehearsal of evidence. The criminal investigation is separate: please do not bring or discuss "
    "witness accounts, and raise anything that may be evidence with the senior investigating officer (SIO) "
    "rather than in the meeting. Family members and witnesses do not take part.",
    f"Handling: {MARKING}. The record of who attended, the notes of the meeting and this pack are potentially "
    "disclosable in criminal proceedings under the Criminal Procedure and Investigations Act 1996 (CPIA) and "
    "must be retained: do not delete or alter them or any copy. Share this pack strictly on a need-to-know "
    "basis and do not forward it; partners handle it under their information-sharing agreement.",
)

_WELCOME = (
    "Welcome and purpose",
    "Introductions; the purpose of the debrief (learning, not blame; not a review of anyone's conduct; no "
    "witness accounts); handling, and the record of attendance.",
)
_CHRONOLOGY = (
    "The chronology",
    "The review team takes attendees through the key contacts, the key issues in this pack, the gaps in "
    "recorded contact and any possible conflicts between accounts.",
)
_LEARNING = (
    "Learning and actions",
    "Agree what can be learnt (good practice as well as what could be done differently), the recommendations "
    "and the actions, each with an owner, a due date and a route: in force, or through existing partnership "
    "arrangements.",
)
_CLOSE = (
    "Close",
    "Confirm the record of attendance and the next steps: the draft learning and actions follow, and nothing is "
    "circulated outside the review team until the SIO has signed it off. Thank you for taking part.",
)
# How the meeting's time is shared out, by weight: the key questions share theirs equally.
_WEIGHTS = {"welcome": 10, "chronology": 20, "questions": 35, "learning": 25, "close": 10}


def render_agenda_pack(
    *,
    case: Case,
    parameters: Parameters | None,
    chronology: Chronology,
    meeting: Meeting,
    partners: Sequence[PartnerInvitation],
    produced_for: Person,
    produced_at: datetime,
) -> bytes:
    """The agenda pack for the debrief meeting as a .docx file, marked OFFICIAL-SENSITIVE on every page."""
    document = Document()
    styles = _install_styles(document)
    set_up_page(document.sections[0], case.case_number)
    set_properties(document, title=f"{TITLE} – {case.case_number}", produced_at=produced_at)

    body = _Body(styles)
    _title_block(body, document, case, meeting, produced_for, produced_at)
    body.heading("Purpose of the meeting")
    for text in PURPOSE:
        body.paragraph(run(text))
    _attendees(body, case, chronology, meeting, partners)
    _parameters(body, parameters)
    _questions(body, parameters)
    numbers = Numbers(chronology.entries)
    _key_issues(body, chronology, numbers)
    _conflicts(body, chronology, numbers)
    _running_order(body, meeting, parameters)
    body.write_into(document)

    out = BytesIO()
    document.save(out)
    return out.getvalue()


# --- Styles -------------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class _Styles:
    item: str
    issue: str
    detail: str


class _Body(Body):
    def __init__(self, styles: _Styles) -> None:
        super().__init__()
        self.styles = styles


def _install_styles(document: DocxDocument) -> _Styles:
    normal = normal_style(document)
    item = add_item_style(document, normal)
    add_marking_style(document, normal)

    # A key issue's heading line and its details stay on one page where they fit.
    issue = _style(document, "Key issue")
    issue.base_style = normal
    issue.font.bold = True
    issue.paragraph_format.keep_with_next = True
    issue.paragraph_format.space_before = Pt(8)
    issue.paragraph_format.space_after = Pt(1)

    detail = _style(document, "Key issue detail")
    detail.base_style = normal
    detail.paragraph_format.left_indent = Cm(0.5)
    detail.paragraph_format.space_after = Pt(1)
    detail.paragraph_format.keep_with_next = True
    return _Styles(item=item.style_id, issue=issue.style_id, detail=detail.style_id)


def _style(document: DocxDocument, name: str) -> ParagraphStyle:
    style = document.styles.add_style(name, WD_STYLE_TYPE.PARAGRAPH)
    assert isinstance(style, ParagraphStyle)
    return style


# --- The meeting and who comes ------------------------------------------------------------------------------


def _title_block(
    body: _Body, document: DocxDocument, case: Case, meeting: Meeting, produced_for: Person, produced_at: datetime
) -> None:
    body.paragraph(run(TITLE), style="Title")
    case_fields(body, case)
    body.heading("The meeting")
    body.field("When", meeting_time(meeting))
    body.field("Length", duration(meeting.duration_minutes))
    if meeting.location:
        body.field("Where", meeting.location)
    elif meeting.join_url:
        body.field("Where", "online only, in Microsoft Teams")
    else:
        body.field("Where", "to be confirmed by the lead reviewer")
    if meeting.join_url:
        body.paragraph(
            label("Teams meeting: "),
            link(external_link(document, meeting.join_url), "join the meeting in Microsoft Teams"),
        )
    body.field("Arranged by", meeting.scheduled_by.name)
    body.field("Produced for", f"{produced_for.name}, {moment(produced_at)} (UK time)")


def meeting_time(meeting: Meeting) -> str:
    """The meeting's day, start and end in UK time (GMT or BST), e.g. "Tuesday 8 Dec 2026, 10:00 to 11:30"."""
    start = aware(meeting.starts_at).astimezone(LONDON)
    end = aware(meeting.ends_at).astimezone(LONDON)
    until = f"{end:%H:%M}" if end.date() == start.date() else f"{end:%A} {day(end.date())} {end:%H:%M}"
    return f"{start:%A} {day(start.date())}, {start:%H:%M} to {until} (UK time, {start.tzname()})"


def duration(minutes: int) -> str:
    hours, rest = divmod(minutes, 60)
    parts = ([count(hours, "hour")] if hours else []) + ([count(rest, "minute")] if rest else [])
    return " ".join(parts) or "0 minutes"


def _attendees(
    body: _Body, case: Case, chronology: Chronology, meeting: Meeting, partners: Sequence[PartnerInvitation]
) -> None:
    body.heading("Attendees")
    if not meeting.attendees:
        body.paragraph(run("No attendees have been chosen yet."))
        return
    body.paragraph(
        run(
            f"{count(len(meeting.attendees), 'person', 'people')} invited. Partners attend by invitation, for this "
            "case only. Who attended is recorded after the meeting."
        )
    )
    agencies = _partner_agencies(partners)
    contributors = {e.contributor.user_id for e in chronology.entries}
    lead = case.lead_reviewer.user_id if case.lead_reviewer is not None else None
    for person in meeting.attendees:
        roles = []
        agency = agencies.get(person.user_id)
        if agency is not None:
            roles.append(f"{agency} (partner agency)")
        if person.user_id == lead:
            roles.append("lead reviewer")
        if person.user_id == case.nomination.sio.user_id:
            roles.append("senior investigating officer (SIO)")
        if person.user_id in contributors:
            roles.append("contributed to the chronology")
        name = _name_without(person.name, agency)
        body.paragraph(label(name), run(f" – {'; '.join(roles)}" if roles else ""), style=body.styles.item)


def _partner_agencies(partners: Iterable[PartnerInvitation]) -> dict[str, str]:
    """Each partner contact's agency; where one person has several invitations, an accepted one counts first."""
    rank = {InvitationStatus.ACCEPTED: 0, InvitationStatus.INVITED: 1}
    agencies: dict[str, tuple[int, str]] = {}
    for invitation in partners:
        key = invitation.contact.user_id
        ranked = (rank.get(invitation.status, 2), invitation.agency)
        if key not in agencies or ranked[0] < agencies[key][0]:
            agencies[key] = ranked
    return {user_id: agency for user_id, (_, agency) in agencies.items()}


def _name_without(name: str, agency: str | None) -> str:
    """A directory name that already ends with the agency in brackets is shown once, not twice."""
    suffix = f" ({agency})"
    return name[: -len(suffix)] if agency is not None and name.endswith(suffix) else name


# --- What the debrief looks at ------------------------------------------------------------------------------


def _parameters(body: _Body, parameters: Parameters | None) -> None:
    body.heading("What the debrief looks at")
    if parameters is None:
        body.paragraph(
            run("Parameters: not yet set. The lead reviewer has not yet defined what this debrief looks at.")
        )
        return
    body.field("Look-back window", f"{day(parameters.look_back_from)} to {day(parameters.look_back_to)}")
    body.field("Subjects (by role)", ", ".join(parameters.subjects))
    body.field("Agencies", ", ".join(parameters.agencies))
    processes = [p.label for p in ParallelProcess if p in parameters.parallel_processes]
    body.field(
        "Parallel processes",
        f"{'; '.join(processes)}. The debrief must not pre-empt them." if processes else "none flagged",
    )


def _questions(body: _Body, parameters: Parameters | None) -> None:
    body.heading("Key questions")
    questions = parameters.questions if parameters is not None else ()
    if not questions:
        body.paragraph(run("No key questions have been set yet; the lead reviewer sets them with the parameters."))
        return
    body.paragraph(run("The questions the debrief should answer, taken one by one in the meeting:"))
    for number, question in enumerate(questions, 1):
        body.paragraph(label(f"{number}. "), run(question), style=body.styles.item)


# --- Key issues from the chronology -------------------------------------------------------------------------


def _key_issues(body: _Body, chronology: Chronology, numbers: Numbers) -> None:
    body.heading("Key issues from the chronology")
    entries = chronology.entries
    verified = [(numbers.of(e), e) for e in entries if e.review.verified and not e.withdrawn]
    if chronology.lock is None:
        status = "The chronology is a draft: entries may still be added or changed."
    else:
        status = f"The chronology was locked by {chronology.lock.locked_by.name}, {moment(chronology.lock.locked_at)}."
    body.paragraph(
        run(
            f"{status} It has {count(len(entries), 'entry', 'entries')}, {len(verified)} verified; "
            f"{count(len(chronology.gaps), 'gap')} of {GAP_DAYS} days or more in recorded contact. Only entries the "
            "review team has verified are listed here; the chronology document has every entry, with the same "
            "numbers. These are points for learning about how agencies worked together, not findings about "
            "individuals."
        )
    )
    missed = [(n, e) for n, e in verified if e.missed_opportunity]
    good = [(n, e) for n, e in verified if e.review.good_practice]

    body.heading(f"{MISSED_OPPORTUNITIES} ({len(missed)})", level=2)
    if not missed:
        body.paragraph(run("None among the verified entries so far."))
    for number, entry in missed:
        _issue(body, number, entry, MISSED_SHADE)
        content, review = entry.content, entry.review
        rationale = content.missed_opportunity_rationale
        if content.missed_opportunity and rationale:
            agreed = " and agreed by the review team" if review.missed_opportunity else ""
            who = f"raised by the contributor{agreed}"
            body.field(f"What could be learnt ({who})", rationale, style=body.styles.detail)
        else:
            body.paragraph(run("Raised by the review team."), style=body.styles.detail)
        body.let_page_break_after()

    body.heading(f"{GOOD_PRACTICE} ({len(good)})", level=2)
    if not good:
        body.paragraph(run("None noted among the verified entries so far."))
    for number, entry in good:
        _issue(body, number, entry, GOOD_SHADE)
        body.let_page_break_after()

    _themes(body, verified)


def _issue(body: _Body, number: int, entry: ChronologyEntry, shade: str) -> None:
    c = entry.content
    body.paragraph(
        run(f"Entry {number}  ·  {when(c)}  ·  {c.contact_type.label}  ·  {c.source_agency}"),
        style=body.styles.issue,
        shade=shade,
    )
    body.field("Summary", one_line(c.summary), style=body.styles.detail)
    if entry.review.themes:
        body.field("Themes", "; ".join(entry.review.themes), style=body.styles.detail)


def one_line(text: str, limit: int = SUMMARY_LENGTH) -> str:
    """The text on one line, cut at a word to about `limit` characters (the chronology has it in full)."""
    flat = " ".join(text.split())
    if len(flat) <= limit:
        return flat
    cut = flat[:limit].rsplit(" ", 1)[0] if " " in flat[:limit] else flat[:limit]
    return cut.rstrip(" ,;:.–-") + " …"


def _themes(body: _Body, verified: Sequence[tuple[int, ChronologyEntry]]) -> None:
    body.heading("Themes", level=2)
    by_theme: dict[str, list[int]] = {}
    for number, entry in verified:
        for theme in dict.fromkeys(entry.review.themes):  # a theme counts once per entry
            by_theme.setdefault(theme, []).append(number)
    if not by_theme:
        body.paragraph(run("No learning themes have been recorded on verified entries yet."))
        return
    body.paragraph(run("Verified entries by learning theme (an entry may have more than one theme):"))
    order = {theme: i for i, theme in enumerate(DEFAULT_THEMES)}
    for theme, listed in sorted(by_theme.items(), key=lambda t: (-len(t[1]), order.get(t[0], len(order)), t[0])):
        n = len(listed)
        shown = ", ".join(str(x) for x in listed[:THEME_ENTRIES_SHOWN])
        more = f" and {len(listed) - THEME_ENTRIES_SHOWN} more" if len(listed) > THEME_ENTRIES_SHOWN else ""
        body.paragraph(
            label(f"{theme}: "),
            run(f"{count(n, 'entry', 'entries')} ({shown}{more})"),
            style=body.styles.item,
        )


def _conflicts(body: _Body, chronology: Chronology, numbers: Numbers) -> None:
    body.heading("Possible conflicts still open")
    conflicts = chronology.conflicts
    if not conflicts:
        body.paragraph(run("No entries appear to disagree about the same contact."))
        return
    pairs = [(numbers.of(c.first), numbers.of(c.second), c.differences) for c in conflicts]
    body.paragraph(
        run(
            f"{count(len(pairs), 'pair')} of entries may describe the same contact but differ. Both accounts are "
            "kept exactly as recorded; the chronology document shows them side by side. The meeting may want to "
            "check the source records before drawing learning from them."
        )
    )
    for first, second, differences in pairs:
        body.paragraph(
            label(f"Entries {first} and {second}: "), run(f"differ on {', '.join(differences)}"), style=body.styles.item
        )


# --- The running order --------------------------------------------------------------------------------------


def _running_order(body: _Body, meeting: Meeting, parameters: Parameters | None) -> None:
    body.heading("Suggested running order")
    questions = parameters.questions if parameters is not None else ()
    items: list[tuple[str, str]] = [_WELCOME, _CHRONOLOGY]
    items += [(f"Key question {n}", question) for n, question in enumerate(questions, 1)]
    items += [_LEARNING, _CLOSE]
    weights: list[float] = [_WEIGHTS["welcome"], _WEIGHTS["chronology"]]
    if questions:
        weights += [_WEIGHTS["questions"] / len(questions)] * len(questions)
    weights += [_WEIGHTS["learning"], _WEIGHTS["close"]]
    if not questions:  # their share goes to the chronology and the learning
        weights[1] += _WEIGHTS["questions"] / 2
        weights[-2] += _WEIGHTS["questions"] / 2
    minutes = share_out(meeting.duration_minutes, weights)
    at = aware(meeting.starts_at).astimezone(UTC)
    body.paragraph(
        run(
            f"A suggestion for the {duration(meeting.duration_minutes)}, in UK time; the chair may take the "
            "items as the discussion needs."
        )
    )
    for number, ((title, detail), length) in enumerate(zip(items, minutes, strict=True), 1):
        start = (at + timedelta(minutes=sum(minutes[: number - 1]))).astimezone(LONDON)  # UTC sums: no DST slips
        body.paragraph(
            label(f"{number}. {start:%H:%M}  {title}"),
            run(f" ({count(length, 'minute')}): {detail}"),
            style=body.styles.item,
        )


def share_out(total: int, weights: Sequence[float]) -> list[int]:
    """`total` minutes shared by weight: in 5-minute slots where there are enough, each item at least one slot,
    the remainder by the largest fractions (so the times add up to the meeting exactly)."""
    if total < len(weights):  # shorter than a minute an item (the meeting card allows no such meeting)
        return [1 if i < total else 0 for i in range(len(weights))]
    slot = 5 if total % 5 == 0 and total // 5 >= len(weights) else 1
    spare = total // slot - len(weights)
    whole = sum(weights)
    exact = [spare * w / whole for w in weights]
    given = [int(x) for x in exact]
    by_fraction = sorted(range(len(weights)), key=lambda i: (-(exact[i] - given[i]), i))
    for i in by_fraction[: spare - sum(given)]:
        given[i] += 1
    return [(g + 1) * slot for g in given]
