"""Documents the debrief produces, as pure functions from domain objects to file bytes (no I/O, no Teams).

Every document carries the OFFICIAL-SENSITIVE marking on every page and a purpose statement
(domain.md, "Information handling" and "Overlaps to guard against").
"""
