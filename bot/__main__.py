"""`python -m bot`: start the bot from environment settings, as production runs it."""

from __future__ import annotations

import logging
import sys

from aiohttp import web

from bot.app import create_app
from bot.directory import DirectoryError
from bot.settings import SettingsError, load_settings


def main() -> int:
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(levelname)s %(name)s: %(message)s")
    try:
        settings = load_settings()
        app = create_app(settings)
    except (SettingsError, DirectoryError) as error:
        print(f"Rapid Debrief cannot start: {error}", file=sys.stderr)
        return 2
    if settings.anonymous:
        logging.getLogger("bot").warning(
            "DEVELOPMENT MODE: requests are not authenticated. Never run like this with real data."
        )
    web.run_app(app, host=settings.host, port=settings.port, print=None)
    return 0


if __name__ == "__main__":
    sys.exit(main())
