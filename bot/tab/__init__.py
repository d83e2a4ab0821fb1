"""The oversight dashboard: a Teams tab served by the bot (routes.py), its views (views.py, charts.py) and its page
(static/). Teams SSO is in bot/sso.py."""

from bot.tab.routes import sign_in_for, tab_routes

__all__ = ["sign_in_for", "tab_routes"]
