"""`python -m tests.bench` (what `make bench` runs)."""

import sys

from tests.bench.run import main

sys.exit(main())
