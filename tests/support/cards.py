"""Reading cards the way a person does: all their visible words, in order, and the parts they can use."""

from __future__ import annotations

from typing import Any


def card_text(node: Any) -> str:
    """Every text, title and value in a card (or an activity carrying one), joined by new lines."""
    texts: list[str] = []

    def walk(item: Any) -> None:
        if isinstance(item, dict):
            for key in ("text", "title", "value", "fallbackText"):
                if isinstance(item.get(key), str):
                    texts.append(item[key])
            for value in item.values():
                walk(value)
        elif isinstance(item, list):
            for value in item:
                walk(value)

    walk(node)
    return "\n".join(texts)


def elements(node: Any, kind: str) -> list[dict[str, Any]]:
    """Every element of one type (``"Action.Execute"``, ``"Input.Text"``…) in a card, in order, nested ones too."""
    return [element for element in _nodes(node) if element.get("type") == kind]


def inputs(card: Any) -> dict[str, dict[str, Any]]:
    """Every input in a card (those folded into Action.ShowCard buttons too), by its id, in order."""
    return {node["id"]: node for node in _nodes(card) if str(node.get("type", "")).startswith("Input.")}


def buttons(card: Any) -> dict[str, dict[str, Any]]:
    """The card's Action.Execute buttons and any plain Action.Submit ones, by title.

    Each Action.Execute's fallback Action.Submit carries the same title, so it is not counted twice.
    """
    found = {action["title"]: action for action in elements(card, "Action.Execute")}
    for submit in elements(card, "Action.Submit"):
        found.setdefault(submit["title"], submit)
    return found


def folded(card: Any) -> dict[str, dict[str, Any]]:
    """The cards inside Action.ShowCard buttons, by the button's title."""
    return {action["title"]: action["card"] for action in elements(card, "Action.ShowCard")}


def _nodes(node: Any) -> list[dict[str, Any]]:
    """Every JSON object in a card, in order, the card itself first."""
    found: list[dict[str, Any]] = []
    if isinstance(node, dict):
        found.append(node)
        for value in node.values():
            found += _nodes(value)
    elif isinstance(node, list):
        for value in node:
            found += _nodes(value)
    return found
