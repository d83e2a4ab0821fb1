"""`python -m tests.bench` (what `make bench` runs)."""

import sys

from tests.bench import chronology_document, chronology_page, dashboard, readiness, reminders
from tests.bench.run import main

status = main()
if status == 0:
    chronology_document.print_figures()
    chronology_page.print_figures()
    reminders.print_figures()
    dashboard.print_figures()
    readiness.print_figures()
sys.exit(status)
