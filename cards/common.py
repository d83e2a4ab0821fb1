"""What every card shares: the handling marking, verbs with a Submit fallback, field errors."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime
from typing import Any, Literal, cast

from microsoft_teams.cards.core import (
    Action,
    ActionSet,
    AdaptiveCard,
    CardElement,
    Container,
    ExecuteAction,
    Fact,
    FactSet,
    SubmitAction,
    TextBlock,
)

from debrief.model import LONDON

MARKING = "OFFICIAL-SENSITIVE"
CARD_VERSION: Literal["1.5"] = "1.5"
Card = dict[str, Any]


def marking_banner() -> Container:
    return Container(
        style="attention",
        bleed=True,
        items=[
            TextBlock(
                text=f"{MARKING} · need-to-know · do not forward",
                weight="Bolder",
                size="Small",
                wrap=True,
            )
        ],
    )


def build(*body: CardElement, fallback_text: str) -> Card:
    """A complete card: marking first, then the body. Returns plain JSON for the activity attachment."""
    card = AdaptiveCard(version=CARD_VERSION, body=[marking_banner(), *body], fallback_text=fallback_text)
    data = card.model_dump(by_alias=True, exclude_none=True)
    data["$schema"] = "http://adaptivecards.io/schemas/adaptive-card.json"
    return cast(Card, _whole_numbers(data))


def verb(title: str, name: str, data: dict[str, Any] | None = None, *, style: str | None = None) -> ExecuteAction:
    """An Action.Execute with an Action.Submit fallback carrying the same verb, for older Teams clients."""
    payload = {"verb": name, **(data or {})}
    return ExecuteAction(
        title=title,
        verb=name,
        data=payload,
        style=style,  # type: ignore[arg-type]
        fallback=SubmitAction(title=title, data=payload, style=style),  # type: ignore[arg-type]
    )


def actions(*items: Action) -> ActionSet:
    return ActionSet(actions=list(items))


def heading(text: str) -> TextBlock:
    return TextBlock(text=text, size="Large", weight="Bolder", wrap=True)


def paragraph(text: str, *, subtle: bool = False) -> TextBlock:
    return TextBlock(text=text, wrap=True, is_subtle=subtle or None)


def notice(text: str, *, good: bool = False) -> Container:
    return Container(
        style="good" if good else "warning",
        items=[TextBlock(text=text, wrap=True, weight="Bolder")],
    )


def field_error(message: str | None) -> list[CardElement]:
    if not message:
        return []
    return [TextBlock(text=message, color="Attention", wrap=True, size="Small", spacing="None")]


def numbered(title: str, items: tuple[str, ...] | list[str]) -> TextBlock:
    """A bold title, then the items numbered one per line."""
    return paragraph(f"**{title}**\n\n" + "\n\n".join(f"{n}. {item}" for n, item in enumerate(items, 1)))


def field_value(values: Mapping[str, object], name: str) -> str | None:
    """What the person typed into a field, to put back when the card returns with errors."""
    raw = values.get(name)
    return raw if isinstance(raw, str) and raw != "" else None


def facts(pairs: list[tuple[str, str]]) -> FactSet:
    return FactSet(facts=[Fact(title=k, value=v) for k, v in pairs])


def when(moment: datetime) -> str:
    """Times as police officers read them: UK local time, 24-hour clock."""
    return moment.astimezone(LONDON).strftime("%a %d %b %Y, %H:%M")


def _whole_numbers(value: Any) -> Any:
    """The models emit 40.0 for integer limits; Teams and the schema want 40."""
    if isinstance(value, float) and value.is_integer():
        return int(value)
    if isinstance(value, dict):
        return {k: _whole_numbers(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_whole_numbers(v) for v in value]
    return value
