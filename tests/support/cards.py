"""Reading cards the way a person does: all their visible words, in order."""

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
