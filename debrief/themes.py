"""The default learning themes (domain.md); the lead reviewer tags chronology entries and learning with them."""

from __future__ import annotations

DEFAULT_THEMES = (
    "Risk assessment and grading",
    "Coercive control",
    "Professional curiosity",
    "Information sharing",
    "Multi-agency working (MARAC/MAPPA)",
    "Mental health (incl. s135/s136)",
    "Substance misuse",
    "Offender management and bail",
    "Repeat or linked incidents",
    "Adult family / carer abuse",
    "Suicide risk",
    "Weapons",
    "Training",
    "Recording and supervision",
    "Policy gap",
    "Good practice",
)
