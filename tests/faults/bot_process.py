"""The real application in its own process, for the fault tests: `python -m tests.faults.bot_process`.

As tests/bench/bot_process.py's `app`: settings from the environment (authentication on), the connector reached with
the local identity provider's credentials. One difference, FAULTS_OUTBOX_LEASE_S: the dispatcher's lease on a claimed
outbox row (60 s in production), shortened so that rows a killed process had claimed are claimed again by its
successor inside the test's time bound. What happens is the same; only the wait is shorter.
"""

from __future__ import annotations

import asyncio
import os
import sys
from datetime import timedelta

from bot.app import DISPATCHER, create_app
from bot.logs import configure_logging
from bot.settings import load_settings
from tests.bench.connector_process import serve
from tests.support.jwks import LocalAppCredentialsFactory


def main() -> int:
    settings = load_settings()
    configure_logging(settings.log_format)
    app = create_app(settings, credentials_factory=LocalAppCredentialsFactory(settings.app_id))
    lease_s = os.environ.get("FAULTS_OUTBOX_LEASE_S")
    if lease_s:
        app[DISPATCHER].lease = timedelta(seconds=float(lease_s))
    asyncio.run(serve(app))
    return 0


if __name__ == "__main__":
    sys.exit(main())
