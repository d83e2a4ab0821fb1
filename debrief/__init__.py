"""The homicide prevention rapid debrief process, free of Teams and SQL.

Each module is one step of the practice (see shared docs, domain.md); the edges in bot/ and storage/
call in, nothing here calls out except through the unit of work in ports.py.
"""
