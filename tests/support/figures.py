"""Figures a test measures (the fault suite's), printed together at the end of the run and kept in a file.

A test takes the `figures` fixture and calls `figures.record("kill9_acknowledged", 500)`. Figures are not asserted
against timings here; the tests assert behaviour and report the numbers for the notes.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest

FIGURES_FILE = Path("test-output/faults/figures.json")


class Figures:
    def __init__(self) -> None:
        self.values: dict[str, float | int | str] = {}

    def record(self, name: str, value: float | int | str) -> None:
        self.values[name] = round(value, 3) if isinstance(value, float) else value


_FIGURES = Figures()


@pytest.fixture
def figures() -> Figures:
    return _FIGURES


def pytest_terminal_summary(terminalreporter: pytest.TerminalReporter) -> None:
    if not _FIGURES.values:
        return
    terminalreporter.section("figures")
    for name, value in _FIGURES.values.items():
        terminalreporter.write_line(f"{name}: {value}")
    FIGURES_FILE.parent.mkdir(parents=True, exist_ok=True)
    FIGURES_FILE.write_text(json.dumps(_FIGURES.values, indent=2) + "\n")
