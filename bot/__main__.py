"""`python -m bot`: start the bot from environment settings, as production runs it."""

from __future__ import annotations

import logging
import sys

from aiohttp import web

from bot.app import create_app
from bot.directory import DirectoryError
from bot.logs import configure_logging
from bot.settings import SettingsError, load_settings


def main() -> int:
    try:
        settings = load_settings()
        configure_logging(settings.log_format)  # JSON lines in production, redacted either way (bot/logs.py)
        app = create_app(settings)
    except (SettingsError, DirectoryError) as error:
        print(f"Rapid Debrief cannot start: {error}", file=sys.stderr)
        return 2
    if settings.anonymous:
        logging.getLogger("bot").warning(
            "DEVELOPMENT MODE: requests are not authenticated. Never run like this with real data."
        )
    # No aiohttp access log: its raw paths would carry document links' tokens; bot/logs.py logs route templates.
    web.run_app(app, host=settings.host, port=settings.port, print=None, access_log=None)
    return 0


if __name__ == "__main__":
    sys.exit(main())
