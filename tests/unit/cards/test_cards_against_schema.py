"""Every card is valid Adaptive Card 1.5, carries the marking, and stays well under Teams' size limit."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import jsonschema
import pytest

from cards.common import MARKING
from tests.unit.cards.card_gallery import every_card

SCHEMA_FILE = Path(__file__).resolve().parents[3] / ".cache" / "adaptive-card.json"
CARDS = every_card()


@pytest.fixture(scope="module")
def validator() -> jsonschema.Draft6Validator:
    if not SCHEMA_FILE.is_file():
        pytest.fail(f"{SCHEMA_FILE} is missing: run `make test`, which downloads the official schema.")
    schema = json.loads(SCHEMA_FILE.read_text(encoding="utf-8"))
    return jsonschema.Draft6Validator(schema)


@pytest.mark.parametrize("name", sorted(CARDS))
def test_the_card_is_valid_adaptive_card_1_5(name: str, validator: jsonschema.Draft6Validator) -> None:
    card = CARDS[name]
    error = jsonschema.exceptions.best_match(validator.iter_errors(card))
    assert error is None, f"{name}: {error.message} at {list(error.absolute_path)}"
    assert card["version"] == "1.5"


@pytest.mark.parametrize("name", sorted(CARDS))
def test_the_card_shows_the_marking_first(name: str) -> None:
    first = CARDS[name]["body"][0]
    assert MARKING in json.dumps(first)


@pytest.mark.parametrize("name", sorted(CARDS))
def test_the_card_is_well_under_80_kb(name: str) -> None:
    assert len(json.dumps(CARDS[name]).encode()) < 40_000


def _actions(node: Any) -> list[dict[str, Any]]:
    found: list[dict[str, Any]] = []
    if isinstance(node, dict):
        if node.get("type") == "Action.Execute":
            found.append(node)
        for value in node.values():
            found += _actions(value)
    elif isinstance(node, list):
        for value in node:
            found += _actions(value)
    return found


@pytest.mark.parametrize("name", sorted(CARDS))
def test_every_execute_action_falls_back_to_submit_with_the_same_verb(name: str) -> None:
    for action in _actions(CARDS[name]):
        assert action["fallback"]["type"] == "Action.Submit"
        assert action["fallback"]["data"]["verb"] == action["verb"] == action["data"]["verb"]


def test_a_decided_triage_card_has_no_buttons() -> None:
    for status in ("accepted", "declined", "merged"):
        assert _actions(CARDS[f"triage {status}"]) == []


def test_the_form_keeps_what_was_typed() -> None:
    text = json.dumps(CARDS["nomination form with errors"])
    assert '"value": "CR/1"' in text and '"value": "near_miss"' in text
