"""The district dashboard for tri-party office staff, served by the bot's aiohttp app.

GET /dashboard and /dashboard.json rank the compounds by the micro-governance
index; GET /dashboard/property and /dashboard/property.json assess the
property firms for a quarter. DASHBOARD_TOKEN or a personal token issued
with `python -m bot dashboard-viewer-add` turns all four on (see access.py).
"""

from bot.dashboard.views import CLOCK_KEY, add_dashboard_routes

__all__ = ["CLOCK_KEY", "add_dashboard_routes"]
