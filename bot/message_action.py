"""The "Add to chronology" message action: any Teams message becomes the summary of a new chronology entry.

Teams opens a dialog (composeExtension/fetchTask) and sends its submit back (composeExtension/submitAction).
Dialogs only know Action.Submit, so the entry card is built in its dialog form; the checks, permissions and
storage are the same as for the card in chat (debrief/entries.py).
"""

from __future__ import annotations

import html
import re
from html.parser import HTMLParser
from typing import Any

from bot.services import Services
from cards.chronology import ADD_ENTRY_VERB, CHOOSE_CASE_VERB, choose_case, entry_form
from cards.common import Card
from debrief import entries
from debrief.chronology import ENTRY_FORM_FIELDS, MAX_SUMMARY
from debrief.entries import Contributing
from debrief.errors import AlreadyProcessed, ConcurrentChange, Forbidden, InvalidInput, NotFound
from debrief.permissions import Actor

COMMAND_ID = "addToChronology"
DIALOG_TITLE = "Add to chronology"
CARD_CONTENT_TYPE = "application/vnd.microsoft.card.adaptive"


class _TextOnly(HTMLParser):
    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.parts: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag in ("br", "p", "div", "li"):
            self.parts.append("\n")

    def handle_data(self, data: str) -> None:
        self.parts.append(data)


def message_text(payload: Any) -> str:
    """The plain text of the message the action was started on (Teams sends its HTML)."""
    body = payload.get("body") if isinstance(payload, dict) else None
    content = body.get("content") if isinstance(body, dict) else None
    if not isinstance(content, str):
        return ""
    if (body or {}).get("contentType") == "html" or "<" in content:
        parser = _TextOnly()
        parser.feed(content)
        content = "".join(parser.parts)
    lines = [" ".join(line.split()) for line in html.unescape(content).splitlines()]
    text = "\n".join(line for line in lines if line)
    return re.sub(r"\n{3,}", "\n\n", text)[:MAX_SUMMARY]


def dialog(card: Card) -> dict[str, Any]:
    return {
        "task": {
            "type": "continue",
            "value": {
                "title": DIALOG_TITLE,
                "height": "large",
                "width": "large",
                "card": {"contentType": CARD_CONTENT_TYPE, "content": card},
            },
        }
    }


def dialog_message(text: str) -> dict[str, Any]:
    """Close the dialog with a short message."""
    return {"task": {"type": "message", "value": text}}


def _form(c: Contributing, *, summary: str, values: dict[str, object] | None = None, **kwargs: Any) -> Card:
    return entry_form(
        c.case,
        parameters=c.parameters,
        consent=c.consent,
        deadline=c.deadline,
        agencies=c.agencies,
        values=values if values is not None else {"summary": summary},
        in_dialog=True,
        **kwargs,
    )


async def fetch_task(services: Services, actor: Actor, value: Any) -> dict[str, Any]:
    """Open the dialog: the entry card for the officer's open case, or first a choice of case."""
    summary = message_text(value.get("messagePayload") if isinstance(value, dict) else None)
    open_cases = await entries.open_cases(uow=services.uow(), actor=actor, now=services.now())
    if not open_cases:
        return dialog_message(
            "You have no chronology open for entries. When the lead reviewer of a case invites you, "
            "you can add messages to its chronology from here."
        )
    if len(open_cases) > 1:
        return dialog(choose_case([c.case for c in open_cases], summary=summary))
    return dialog(_form(open_cases[0], summary=summary))


async def submit_action(services: Services, actor: Actor, value: Any, *, activity_key: str) -> dict[str, Any]:
    """The dialog's submit: a case chosen (show the form), or an entry to add (check and store it)."""
    raw = value.get("data") if isinstance(value, dict) else None
    data: dict[str, Any] = raw if isinstance(raw, dict) else {}
    verb = data.get("verb")
    try:
        case_id = int(data.get("caseId"))  # type: ignore[arg-type]
    except (TypeError, ValueError):
        return dialog_message("Choose the case this message is for, then try again.")
    try:
        if verb == CHOOSE_CASE_VERB:
            c = await entries.open_form(uow=services.uow(), actor=actor, case_id=case_id, now=services.now())
            return dialog(_form(c, summary=str(data.get("summary") or "")))
        if verb != ADD_ENTRY_VERB:
            return dialog_message("That button is no longer supported. Nothing was saved.")
        form: dict[str, object] = {name: data.get(name) for name in ENTRY_FORM_FIELDS}
        try:
            c, _entry, yours = await entries.add_entry(
                uow=services.uow(activity_key), actor=actor, case_id=case_id, form=form, now=services.now()
            )
        except InvalidInput as invalid:
            c = await entries.open_form(uow=services.uow(), actor=actor, case_id=case_id, now=services.now())
            return dialog(
                _form(
                    c,
                    summary="",
                    values=form,
                    errors=invalid.field_errors,
                    message="Nothing has been saved: please check the highlighted fields.",
                )
            )
        return dialog_message(
            f"Added to the chronology of {c.case.case_number}. You have added {yours} "
            f"{'entry' if yours == 1 else 'entries'}."
        )
    except (AlreadyProcessed, ConcurrentChange):
        return dialog_message("This was already received. Nothing more has changed.")
    except InvalidInput as closed:
        return dialog_message(next(iter(closed.field_errors.values()), "Nothing was saved."))
    except (Forbidden, NotFound) as refused:
        return dialog_message(refused.message)
